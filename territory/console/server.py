"""`territory serve`: the console on uvicorn, bound to loopback unless told otherwise."""

from __future__ import annotations

import logging

from territory.console.app import ConsoleConfig, create_app

log = logging.getLogger("territory.console")


def serve(config: ConsoleConfig, host: str = "127.0.0.1", port: int = 8000) -> int:
    import uvicorn

    app = create_app(config)
    source = config.duckdb_path if config.target == "duckdb" else config.target
    print(f"territory console: http://{host}:{port}/  (warehouse: {source}; API docs: /docs)")
    if config.inbox is None:
        print("  decisions are off: pass --inbox (or TERRITORY_INBOX) to record them")
    elif not (config.steward or config.steward_header):
        print("  read-only: pass --steward NAME (or --steward-header HEADER) to record decisions")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return 0
