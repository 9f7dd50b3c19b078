"""Sanitize rules as pure functions: bytes in, typed rows + quarantine out, no I/O."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from loader_inbox import ADVISORS_COLUMNS, DAY_1, GOOD_CLIENTS, clients_csv, day_1_clients

from loaders.sanitize import (
    SourceError,
    flatten_json,
    is_index_artifact,
    normalize_headers,
    sanitize,
    snake_case,
)
from loaders.settings import SOURCES

LOAD_TIME = datetime(2026, 1, 5, tzinfo=UTC)
CLIENTS = SOURCES["clients"]
ADVISORS = SOURCES["advisors"]


def run(content: bytes, source=CLIENTS):
    return sanitize(content, source, DAY_1, LOAD_TIME, f"{DAY_1}/{source.file}")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("AUM (USD)", "aum_usd"),
        ("DATE of biRTH", "date_of_birth"),
        ("iD", "id"),
        ("  Client   ID ", "client_id"),
        ("Annual Revenue (USD)", "annual_revenue_usd"),
        ("last-modified", "last_modified"),
    ],
    ids=["parens", "mixed-case", "short", "spaces", "two-words-parens", "dash"],
)
def test_headers_are_snake_cased(header: str, expected: str) -> None:
    assert snake_case(header) == expected


@pytest.mark.parametrize(
    ("header", "artifact"),
    [
        ("__index_level_0__", True),
        ("Unnamed: 0", True),
        ("unnamed:3", True),
        ("", True),
        ("Unnamed Client", False),
        ("index", False),
    ],
    ids=["pyarrow-index", "pandas-unnamed", "pandas-unnamed-compact", "blank", "word", "index"],
)
def test_index_artifacts_are_recognised(header: str, artifact: bool) -> None:
    assert is_index_artifact(header) is artifact


def test_normalize_headers_drops_artifacts_and_renames() -> None:
    frame = pl.DataFrame({"__index_level_0__": ["0"], "Unnamed: 0": ["0"], "AUM (USD)": ["1"]})
    assert normalize_headers(frame, CLIENTS).columns == ["aum_usd"]


def test_two_headers_normalising_to_one_name_fail() -> None:
    frame = pl.DataFrame({"Client ID": ["1"], "client_id": ["2"]})
    with pytest.raises(SourceError, match=r"clients\.csv: two columns normalise to 'client_id'"):
        normalize_headers(frame, CLIENTS)


def test_column_oriented_json_flattens_in_index_order() -> None:
    # GIVEN pandas' orient="columns" JSON whose index keys are not in numeric text order
    document = {"a": {"10": "x10", "2": "x2", "1": "x1"}, "b": {"1": 1, "2": True, "10": None}}
    frame = flatten_json(document, ADVISORS)
    assert frame.to_dict(as_series=False) == {
        "a": ["x1", "x2", "x10"],
        "b": ["1", "true", None],
    }


def test_row_oriented_json_flattens_to_the_same_rows() -> None:
    columns = flatten_json(ADVISORS_COLUMNS, ADVISORS)
    rows = [
        {name: values[key] for name, values in ADVISORS_COLUMNS.items()} for key in ("0", "1", "2")
    ]
    assert flatten_json(rows, ADVISORS).equals(columns)
    assert flatten_json({"data": rows}, ADVISORS).equals(columns)


def test_json_of_another_shape_fails() -> None:
    with pytest.raises(SourceError, match=r"advisors\.json: JSON is neither"):
        flatten_json([1, 2, 3], ADVISORS)


def test_advisors_json_types() -> None:
    result = run(json.dumps(ADVISORS_COLUMNS).encode(), ADVISORS)
    assert result.rows.select("advisor_email", "capacity", "is_active").rows() == [
        ("advisor0@bank.example", 1000, True),
        ("advisor1@bank.example", 250, False),
        ("a2@x", 10, True),
    ]
    assert result.rows.schema["capacity"] == pl.Int64


def test_clients_types_and_values() -> None:
    result = run(clients_csv(day_1_clients()))
    assert result.rows.schema["aum_usd"] == pl.Decimal(38, 2)
    assert result.rows.schema["last_modified"] == pl.Datetime("us")
    first = result.rows.row(0, named=True)
    # thousands separators, trimmed whitespace, empty string -> null
    assert first["aum_usd"] == Decimal("1250000.50")
    assert first["annual_revenue_usd"] == Decimal("98000")
    assert first["client_name"] == "Client 1 Ltd"
    assert first["parent_client_id"] is None
    assert result.dropped_columns == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-04T10:00:00Z", datetime(2026, 1, 4, 10, 0)),
        ("2026-01-04T10:00:00.250Z", datetime(2026, 1, 4, 10, 0, 0, 250000)),
        ("2026-01-04 10:00:00", datetime(2026, 1, 4, 10, 0)),
        ("01/04/2026 10:00", datetime(2026, 1, 4, 10, 0)),
        ("12/31/2025 23:59", datetime(2025, 12, 31, 23, 59)),
        ("01/04/2026 10:00:05", datetime(2026, 1, 4, 10, 0, 5)),
        ("1/4/2026 10:00", datetime(2026, 1, 4, 10, 0)),
        ("2026-01-04T10:00", datetime(2026, 1, 4, 10, 0)),
        ("2026-01-04", datetime(2026, 1, 4)),
    ],
    ids=[
        "iso-z",
        "iso-fraction",
        "iso-space",
        "us-format",
        "us-format-year-end",
        "us-format-seconds",
        "us-format-unpadded",
        "iso-minutes",
        "bare-date",
    ],
)
def test_both_timestamp_formats_parse(text: str, expected: datetime) -> None:
    row = ["C1", "Name", "", "", "", "", "", "", "", "", "", text]
    result = run(clients_csv([row]))
    assert result.rows_quarantined == 0
    assert result.rows.get_column("last_modified").to_list() == [expected]


def test_mixed_formats_in_one_file_parse_row_by_row() -> None:
    # Values are parsed cheapest rule first and the rest retried: each must land in its row.
    cases = [
        ("2026-01-04T10:00:00Z", "1,000.50", datetime(2026, 1, 4, 10, 0), Decimal("1000.50")),
        ("01/04/2026 10:00", "$2,000", datetime(2026, 1, 4, 10, 0), Decimal("2000")),
        ("not a time", "5", None, None),  # quarantined: file row 3
        (
            "2026-01-04T10:00:00.250Z",
            "3 000",
            datetime(2026, 1, 4, 10, 0, 0, 250000),
            Decimal("3000"),
        ),
        ("2026-01-04 10:00:00", "4000", datetime(2026, 1, 4, 10, 0), Decimal("4000")),
        ("1/4/2026 10:00:05", "", datetime(2026, 1, 4, 10, 0, 5), None),
        ("2026-01-04", "-7.25", datetime(2026, 1, 4), Decimal("-7.25")),
    ]
    rows = [
        [f"C{n}", "Name", "", "", "", "", "", "", aum, "", "", text]
        for n, (text, aum, *_) in enumerate(cases)
    ]
    result = run(clients_csv(rows))
    landed = [case for case in cases if case[2] is not None]
    assert result.rows.get_column("last_modified").to_list() == [case[2] for case in landed]
    assert result.rows.get_column("aum_usd").to_list() == [case[3] for case in landed]
    assert result.rows.get_column("_source_row_number").to_list() == [1, 2, 4, 5, 6, 7]
    assert result.quarantine.get_column("_source_row_number").to_list() == [3]


def test_a_path_reads_as_its_bytes(tmp_path) -> None:
    content = clients_csv(day_1_clients())
    path = tmp_path / "clients.csv"
    path.write_bytes(content)
    from_path, from_bytes = run(path), run(content)
    assert from_path.rows.equals(from_bytes.rows)
    assert from_path.quarantine.equals(from_bytes.quarantine)
    path.write_bytes(b" \n\n")
    with pytest.raises(SourceError, match=r"clients\.csv: file is empty"):
        run(path)


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    row = ["C1", "Caf\xe9 Ltd", "", "", "", "", "", "", "", "", "", "2026-01-04"]
    content = clients_csv([row]).replace("Caf\xe9".encode(), b"Caf\xe9")  # latin-1 byte
    result = run(content)
    assert result.rows.get_column("client_name").to_list() == ["Caf\ufffd Ltd"]


def test_lineage_columns() -> None:
    result = run(clients_csv(day_1_clients()))
    lineage = result.rows.select("_run_date", "_load_time", "_source_file", "_source_row_number")
    assert lineage.schema["_load_time"] == pl.Datetime("us")
    assert set(lineage.get_column("_run_date")) == {date(2026, 1, 5)}
    assert set(lineage.get_column("_load_time")) == {datetime(2026, 1, 5)}
    assert set(lineage.get_column("_source_file")) == {"2026-01-05/clients.csv"}
    # 1-based data rows; the two bad rows (62, 63) are not among the landed ones
    assert lineage.get_column("_source_row_number").to_list() == list(range(1, GOOD_CLIENTS + 2))
    assert result.quarantine.get_column("_source_row_number").to_list() == [62, 63]


def test_quarantine_keeps_raw_values_with_reasons() -> None:
    result = run(clients_csv(day_1_clients()))
    rejected = result.quarantine.select("client_id", "aum_usd", "_reject_reason").rows()
    assert rejected == [
        ("C0901", "lots", "aum_usd: not a valid decimal: 'lots'"),
        ("C0902", "1,250,000.50", "last_modified: required value missing"),
    ]
    assert result.quarantine.schema["aum_usd"] == pl.String


@pytest.mark.parametrize(
    "text",
    ["2026-13-45T99:00:00Z", "32/13/2026 25:61", "2026-01-04 10", "yesterday"],
    ids=["bad-iso", "bad-us", "truncated", "words"],
)
def test_invalid_timestamps_are_quarantined(text: str) -> None:
    row = ["C1", "Name", "", "", "", "", "", "", "", "", "", text]
    result = run(clients_csv([row]))
    assert result.rows_landed == 0
    assert result.quarantine.get_column("_reject_reason").to_list() == [
        f"last_modified: not a valid timestamp: '{text}'"
    ]


def test_a_row_with_several_problems_lists_them_all() -> None:
    row = ["", "Name", "", "", "", "", "", "", "n/a", "12x", "", "yesterday"]
    reason = run(clients_csv([row])).quarantine.get_column("_reject_reason").item()
    assert reason == (
        "client_id: required value missing; aum_usd: not a valid decimal: 'n/a'; "
        "annual_revenue_usd: not a valid decimal: '12x'; "
        "last_modified: not a valid timestamp: 'yesterday'"
    )


def test_counts_reconcile() -> None:
    result = run(clients_csv(day_1_clients()))
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (63, 61, 2)
    assert result.rows_read == result.rows_landed + result.rows_quarantined


def test_undeclared_columns_are_reported_not_landed() -> None:
    content = b"Client ID,Client Name,Last Modified,Favourite Colour\nC1,Name,2026-01-04,blue\n"
    result = run(content)
    assert result.dropped_columns == ("favourite_colour",)
    assert "favourite_colour" not in result.rows.columns
    assert result.rows.get_column("aum_usd").to_list() == [None]  # declared but absent -> null


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"clients\.csv: file is empty"),
        (b"  \n", r"clients\.csv: file is empty"),
        (b"Client ID,Client Name\nC1,Name\n", r"clients\.csv: header lacks.*last_modified"),
    ],
    ids=["empty", "blank", "missing-required-column"],
)
def test_unloadable_files_raise(content: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        run(content)


def test_unparseable_json_raises() -> None:
    with pytest.raises(SourceError, match=r"advisors\.json: unparseable JSON"):
        run(b'{"Advisor Email": {"0": "a@b"', ADVISORS)


def test_same_input_gives_identical_frames() -> None:
    content = clients_csv(day_1_clients())
    assert run(content).rows.equals(run(content).rows)
