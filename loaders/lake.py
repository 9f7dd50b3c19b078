"""The lake: `<table>/YYYY/MM/DD/<name>` objects under a root, a local folder or `s3://bucket/prefix`.

Writes are atomic (temporary object, then replace) and Parquet bytes are deterministic, so
re-running a date rewrites exactly that partition with identical bytes.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import polars as pl

from loaders.errors import TerritoryError

_PARTITION = re.compile(r"(\d{4})/(\d{2})/(\d{2})/")


class LakeError(TerritoryError):
    """The lake cannot be reached or refuses a request; names the root and endpoint tried."""


DATA_FILE = "data.parquet"
QUARANTINE_FILE = "quarantine.parquet"
REPORT_FILE = "load_report.json"


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """Deterministic Parquet: fixed codec and level, one row group order, no wall-clock metadata."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", compression_level=3, statistics=True)
    return buffer.getvalue()


def partition_key(table: str, run_date: date, name: str) -> str:
    return f"{table}/{run_date:%Y/%m/%d}/{name}"


class Lake(ABC):
    """Where landed files live. The warehouse reads them by `uri()`."""

    root: str

    @abstractmethod
    def put(self, key: str, content: bytes) -> None:
        """Publish `content` at `key` atomically: readers see the old object or the new one."""

    @abstractmethod
    def get(self, key: str) -> bytes: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]: ...

    @abstractmethod
    def uri(self, key: str) -> str: ...

    def partitions(self, table: str, name: str = DATA_FILE) -> list[date]:
        """Dates that hold `<table>/YYYY/MM/DD/<name>`, oldest first."""
        found = set()
        for key in self.list_keys(f"{table}/"):
            match = _PARTITION.search(key)
            if match and key.endswith(f"/{name}"):
                found.add(date(*(int(part) for part in match.groups())))
        return sorted(found)

    def latest_partition(self, table: str, on_or_before: date) -> date | None:
        """The partition that stands on a date: that date's, else the newest earlier one."""
        earlier = [day for day in self.partitions(table) if day <= on_or_before]
        return earlier[-1] if earlier else None

    def write_parquet(self, key: str, frame: pl.DataFrame) -> None:
        self.put(key, parquet_bytes(frame))


class LocalLake(Lake):
    """The embedded default: a folder on disk."""

    def __init__(self, root: str | Path) -> None:
        self.path = Path(root).resolve()
        self.root = str(self.path)

    def _file(self, key: str) -> Path:
        return self.path / key

    def put(self, key: str, content: bytes) -> None:
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as the target, so os.replace is a rename on one filesystem: atomic.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._file(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._file(key).is_file()

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        base = self._file(prefix)
        if not base.is_dir():
            return []
        return sorted(
            path.relative_to(self.path).as_posix()
            for path in base.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )

    def uri(self, key: str) -> str:
        return str(self._file(key))


class S3Lake(Lake):
    """Production: `s3://bucket/prefix` through boto3, server-side encryption requested."""

    def __init__(
        self,
        root: str,
        client: object | None = None,
        sse: str = "AES256",
        kms_key_id: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        if not root.startswith("s3://"):
            raise ValueError(f"not an s3:// root: {root}")
        self.root = root.rstrip("/")
        bucket, _, prefix = self.root[len("s3://") :].partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        # A non-AWS endpoint (MinIO, a moto server in tests); None means AWS itself.
        self.endpoint_url = endpoint_url or None
        if client is None:
            import boto3

            with self._request("open", self.root):
                client = boto3.client("s3", endpoint_url=self.endpoint_url)
        self.client = client
        self.sse = sse
        self.kms_key_id = kms_key_id

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _encryption(self) -> dict[str, str]:
        if self.kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}
        return {"ServerSideEncryption": self.sse}

    @staticmethod
    def _tagging(key: str) -> dict[str, str]:
        # S3 lifecycle rules cannot match a file-name suffix: the quarantine expiry rule
        # (terraform/s3.tf) filters on this tag instead.
        if key.endswith(f"/{QUARANTINE_FILE}"):
            return {"TaggingDirective": "REPLACE", "Tagging": "territory:kind=quarantine"}
        return {}

    @contextmanager
    def _request(self, action: str, key: str) -> Iterator[None]:
        """AWS errors (unreachable endpoint, no credentials, no bucket) as one LakeError that
        names what was tried; any other error (a bug, a kill) passes through."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            endpoint = self.endpoint_url or "AWS (default endpoint)"
            raise LakeError(
                f"S3 lake {self.root}: cannot {action} {key!r} in bucket {self.bucket!r} at "
                f"{endpoint}: {type(error).__name__}: {error}"
            ) from error

    def put(self, key: str, content: bytes) -> None:
        # Upload under a temporary key, then a server-side copy publishes it in one step: a
        # failed or killed upload never replaces the object readers see.
        target = self._key(key)
        temporary = self._key(f"_tmp/{uuid.uuid4().hex}")
        with self._request("write", key):
            self.client.put_object(
                Bucket=self.bucket, Key=temporary, Body=content, **self._encryption()
            )
            try:
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=target,
                    CopySource={"Bucket": self.bucket, "Key": temporary},
                    MetadataDirective="COPY",
                    **self._tagging(key),
                    **self._encryption(),
                )
            finally:
                self.client.delete_object(Bucket=self.bucket, Key=temporary)

    def get(self, key: str) -> bytes:
        with self._request("read", key):
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def exists(self, key: str) -> bool:
        with self._request("look up", key):
            listed = self.client.list_objects_v2(
                Bucket=self.bucket, Prefix=self._key(key), MaxKeys=1
            )
        return any(item["Key"] == self._key(key) for item in listed.get("Contents", []))

    def delete(self, key: str) -> None:
        with self._request("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def list_keys(self, prefix: str) -> list[str]:
        keys = []
        paginator = self.client.get_paginator("list_objects_v2")
        strip = len(self.prefix) + 1 if self.prefix else 0
        with self._request("list", prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        return sorted(keys)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


def open_lake(root: str, **s3_options: object) -> Lake:
    """A local folder, or an S3 prefix (`s3_options`: sse, kms_key_id, endpoint_url)."""
    return S3Lake(root, **s3_options) if root.startswith("s3://") else LocalLake(root)  # type: ignore[arg-type]
