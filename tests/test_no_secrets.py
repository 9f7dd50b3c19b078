"""No credentials in the repository: detect-secrets over every tracked or new (not ignored) file.

A finding fails the suite. Credentials belong in Secrets Manager (territory/core/secrets.py) or the
environment; an intentional non-secret that trips a detector gets an inline
`# pragma: allowlist secret` comment, reviewed like code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

ROOT = Path(__file__).resolve().parent.parent
# Binary or generated content the detectors cannot judge.
SKIPPED_SUFFIXES = {".parquet", ".duckdb", ".png", ".jpg", ".gz", ".zip", ".whl"}


def _repo_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    files = [ROOT / name for name in listed if name]
    return [path for path in files if path.is_file() and path.suffix not in SKIPPED_SUFFIXES]


def scan(paths: list[Path]) -> dict[str, list[str]]:
    """file -> `line: detector` of what looks like a secret."""
    collection = SecretsCollection(root=str(ROOT))
    with default_settings():
        for path in paths:
            collection.scan_file(str(path))
    return {
        filename: sorted({f"{secret.line_number}: {secret.type}" for secret in secrets})
        for filename, secrets in collection.data.items()
        if secrets
    }


def test_repository_contains_no_secrets() -> None:
    files = _repo_files()
    assert len(files) > 20
    assert scan(files) == {}


# Fake secrets, assembled at run time so this file itself holds none.
_KEY = "PRIVATE" + " KEY-----"
LEAKS = {
    "aws-secret-key": "aws_secret_access_key = "
    + '"'
    + "wJalrXUtnFEMI/K7MD"
    + "ENG/bPxRfi"
    + "CYzQ8aBcD3fG"
    + '"',
    "password-assignment": "SNOWFLAKE_" + "PASSWORD=Xq9#mK2$vL8@pR4!tN6",
    "private-key": f"-----BEGIN RSA {_KEY}\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA {_KEY}",
}


@pytest.mark.parametrize("name", list(LEAKS), ids=list(LEAKS))
def test_an_added_secret_is_caught(tmp_path: Path, name: str) -> None:
    leaked = tmp_path / "settings.env"
    leaked.write_text(LEAKS[name] + "\n")
    assert scan([leaked]), "detect-secrets must flag this"
