"""The sales-ops console: `territory serve`, a web app over the marts of the warehouse.

Server-rendered pages (Jinja2, inline SVG charts, no JavaScript build) and a JSON API under
`/api/` read the marts through `territory.console.reader`: on DuckDB a verified read-only
snapshot of the warehouse file, so the nightly job's single writer is never blocked; on
Snowflake the same views through the Snowflake connection. Steward decisions on doubtful
duplicates go to a journal in the inbox (`territory.console.decisions`) that the next night
lands as the `match_decisions` source.
"""
