"""The S3 lake against a real moto S3 server on loopback, through boto3 and s3fs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3
import duckdb
import pytest
import s3fs
from loader_inbox import DAY_1, DAY_2

from loaders.lake import S3Lake, partition_key
from loaders.pipeline import land_source
from loaders.sources import SOURCES
from territory.cli import main
from territory.config import build_config

BUCKET = "territory-lake"


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A fresh bucket per test, and the environment the CLI reads to reach it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TERRITORY_S3_ENDPOINT_URL", moto_endpoint)
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    bucket = f"{BUCKET}-{abs(hash(request.node.name)) % 10**8}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_landing_to_s3_encrypts_and_leaves_no_temporary_object(
    s3, tiny_inbox: Path, territory_home: Path
) -> None:
    client, bucket = s3
    root = f"s3://{bucket}/lake"
    assert main(["load", "--inbox", str(tiny_inbox), "--date", "2026-01-05", "--step", "land",
                 "--lake-root", root]) == 0  # fmt: skip
    found = keys(client, bucket)
    assert "lake/clients/2026/01/05/data.parquet" in found
    assert len(found) == 15 and not [key for key in found if "_tmp/" in key]
    head = client.head_object(Bucket=bucket, Key="lake/clients/2026/01/05/data.parquet")
    assert head["ServerSideEncryption"] == "AES256"
    tags = {
        key: client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        for key in (
            "lake/clients/2026/01/05/data.parquet",
            "lake/clients/2026/01/05/quarantine.parquet",
        )
    }
    # The lifecycle rule that expires quarantine objects matches this tag (terraform/s3.tf).
    assert tags["lake/clients/2026/01/05/quarantine.parquet"] == [
        {"Key": "territory:kind", "Value": "quarantine"}
    ]
    assert tags["lake/clients/2026/01/05/data.parquet"] == []


def test_kms_key_is_requested_when_configured(s3, monkeypatch: pytest.MonkeyPatch) -> None:
    client, bucket = s3
    monkeypatch.setenv("TERRITORY_S3_KMS_KEY_ID", "alias/territory-lake")
    lake = build_config({"lake_root": f"s3://{bucket}/lake"}).open_lake()
    lake.put("t/2026/01/05/data.parquet", b"x")
    head = client.head_object(Bucket=bucket, Key="lake/t/2026/01/05/data.parquet")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith("alias/territory-lake")


def test_s3_and_local_lakes_hold_identical_bytes(s3, tiny_inbox: Path, tmp_path: Path) -> None:
    client, bucket = s3
    for root in (f"s3://{bucket}/lake", str(tmp_path / "local")):
        assert main(["load", "--inbox", str(tiny_inbox), "--date", "2026-01-05", "--step",
                     "land", "--lake-root", root, "--source", "clients"]) == 0  # fmt: skip
    key = "clients/2026/01/05/data.parquet"
    remote = client.get_object(Bucket=bucket, Key=f"lake/{key}")["Body"].read()
    local = (tmp_path / "local" / key).read_bytes()
    assert hashlib.sha256(remote).digest() == hashlib.sha256(local).digest()


def test_failed_publish_keeps_the_previous_object(s3, tiny_inbox: Path) -> None:
    client, bucket = s3
    lake = S3Lake(f"s3://{bucket}/lake", client=client)
    land_source(tiny_inbox, SOURCES["territories"], DAY_1, lake)
    key = partition_key("territories", DAY_1, "data.parquet")
    before = lake.get(key)

    class CrashingClient:
        """The real client, except that the publishing copy dies after the upload."""

        def __getattr__(self, name: str):
            return getattr(client, name)

        def copy_object(self, **kwargs):
            raise ConnectionError("killed between upload and publish")

    crashing = S3Lake(f"s3://{bucket}/lake", client=CrashingClient())
    with pytest.raises(ConnectionError):
        crashing.put(key, b"a different version")
    assert lake.get(key) == before
    assert not [found for found in keys(client, bucket) if "_tmp/" in found]


def test_duckdb_loads_raw_tables_from_the_s3_lake(
    s3, moto_endpoint: str, tiny_inbox: Path, territory_home: Path
) -> None:
    _, bucket = s3
    root = f"s3://{bucket}/lake"
    for day in (DAY_1, DAY_2):
        assert main(["load", "--inbox", str(tiny_inbox), "--date", day.isoformat(),
                     "--lake-root", root]) == 0  # fmt: skip
    with duckdb.connect(str(territory_home / "warehouse.duckdb"), read_only=True) as connection:
        counts = connection.execute(
            "select _run_date, count(*), min(_file_name) from raw.clients group by all order by 1"
        ).fetchall()
    assert counts == [
        (DAY_1, 60, f"s3://{bucket}/lake/clients/2026/01/05/data.parquet"),
        (DAY_2, 60, f"s3://{bucket}/lake/clients/2026/01/06/data.parquet"),
    ]
    # and an fsspec filesystem is all DuckDB needs to read the lake directly
    connection = duckdb.connect()
    connection.register_filesystem(s3fs.S3FileSystem(endpoint_url=moto_endpoint))
    landed = connection.execute(
        f"select count(*) from read_parquet('s3://{bucket}/lake/territories/*/*/*/data.parquet')"
    ).fetchone()
    assert landed == (5,)  # 2 territories on day 1 + 3 on day 2
