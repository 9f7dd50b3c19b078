"""Sanitize rules as pure functions: bytes in, typed rows + quarantine out, no I/O."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from loader_inbox import (
    ADVISORS_COLUMNS,
    DAY_1,
    GOOD_CLIENTS,
    client_row,
    clients_csv,
    day_1_clients,
)

from loaders import sanitize as sanitize_module
from loaders.sanitize import (
    SourceError,
    flatten_json,
    is_index_artifact,
    normalize_headers,
    sanitize,
    snake_case,
)
from loaders.sources import SOURCES

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


def test_a_legacy_encoding_is_detected_and_decoded_faithfully() -> None:
    rows = [
        client_row("C1", "Société Générale", "2026-01-04", city="Besançon"),
        client_row("C2", "Crédit à Lyon", "2026-01-04"),
    ]
    content = clients_csv(rows).decode().encode("cp1252")
    result = run(content)
    assert result.rows.get_column("client_name").to_list() == ["Société Générale", "Crédit à Lyon"]
    assert (result.encoding, result.undecodable_bytes, result.rows_quarantined) == ("cp1252", 0, 0)


def test_undecodable_bytes_quarantine_their_row_and_are_counted() -> None:
    # GIVEN a UTF-8 file (it holds valid UTF-8 text) with one row written in Latin-1
    content = clients_csv([client_row("C1", "Société", "2026-01-04")]) + clients_csv(
        [client_row("C2", "Caf\xe9", "2026-01-04")]
    ).decode().splitlines(keepends=True)[1].encode("latin-1")
    result = run(content)
    assert result.rows.get_column("client_name").to_list() == ["Société"]
    assert (result.encoding, result.undecodable_bytes) == ("utf-8", 1)
    rejected = result.quarantine.row(0, named=True)
    assert rejected["_reject_reason"] == "undecodable bytes (not valid utf-8)"
    assert rejected["_line_number"] == 3 and rejected["_source_row_number"] == 2
    assert "Caf\\xe9" in rejected["_raw_line"] and "\ufffd" not in rejected["_raw_line"]


def test_clean_utf8_never_pays_for_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    def detection(*args, **kwargs):
        raise AssertionError("charset detection ran on a valid UTF-8 file")

    monkeypatch.setattr(sanitize_module.charset_normalizer, "from_bytes", detection)
    monkeypatch.setattr(sanitize_module, "_parse_csv_text", detection)
    assert run(clients_csv(day_1_clients())).rows_read == 63


def test_blank_lines_are_not_rows() -> None:
    lines = clients_csv([client_row("C1", "One", "2026-01-04")]).decode().splitlines()
    content = "\n".join([lines[0], "", lines[1], "   ", ",,,,,,,,,,,,", "", ""]).encode()
    result = run(content)
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (1, 1, 0)
    assert result.blank_lines == 4
    assert result.rows.get_column("_source_row_number").to_list() == [2]  # its place in the file


def test_a_ragged_line_is_quarantined_with_its_line_and_text() -> None:
    lines = clients_csv([client_row(f"C{n}", "Name", "2026-01-04") for n in (1, 2, 3)])
    lines = lines.decode().splitlines()
    lines[2] += ",surplus"
    result = run("\n".join(lines).encode() + b"\n")
    assert result.rows.get_column("client_id").to_list() == ["C1", "C3"]
    rejected = result.quarantine.row(0, named=True)
    assert rejected["_reject_reason"] == "ragged line: more fields than the header"
    assert (rejected["_line_number"], rejected["_raw_line"]) == (3, lines[2])
    assert rejected["client_id"] is None


def test_broken_quoting_fails_naming_the_line_not_the_rows() -> None:
    content = clients_csv([client_row("C1", '"Unclosed, Ltd', "2026-01-04")])
    content = content.replace(b'"""Unclosed, Ltd"', b'"Unclosed, Ltd')
    with pytest.raises(
        SourceError, match=r"clients\.csv: unparseable CSV in the record starting at line 2: "
    ) as error:
        run(content + clients_csv([client_row("C2", "Secret Client", "2026-01-04")]))
    assert "Secret Client" not in str(error.value)


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
    content = clients_csv([client_row("C1", "Name", "2026-01-04")])
    content = content.replace(b"Last Modified \n", b"Last Modified ,Favourite Colour\n")
    result = run(content.replace(b"2026-01-04\n", b"2026-01-04,blue\n"))
    assert result.dropped_columns == ("favourite_colour",)
    assert "favourite_colour" not in result.rows.columns


def test_a_missing_known_column_fails_naming_the_closest_header() -> None:
    content = clients_csv([client_row("C1", "Name", "2026-01-04", aum_usd="5")])
    content = content.replace(b"AUM (USD)", b"Assets Under Management")
    with pytest.raises(SourceError) as error:
        run(content)
    assert str(error.value).startswith(
        "clients.csv: header lacks column(s) aum_usd (closest header seen: "
        "'Assets Under Management'); to load them as empty, pass --allow-missing-columns "
        "clients.aum_usd"
    )
    # WHEN the column is allowed missing THEN it loads as null and the drift is reported
    result = sanitize(content, CLIENTS, DAY_1, LOAD_TIME, "f", allow_missing={"aum_usd"})
    assert result.rows.get_column("aum_usd").to_list() == [None]
    assert result.missing_columns == ("aum_usd",)
    assert result.dropped_columns == ("assets_under_management",)


@pytest.mark.parametrize(
    ("capacity", "landed", "reason"),
    [
        (10, 10, None),
        (10.0, 10, None),
        ("10.0", 10, None),
        (0, 0, None),
        (10.5, None, "capacity: not a valid integer: '10.5'"),
        (-5, None, "capacity: below the minimum of 0: '-5'"),
    ],
    ids=["int", "json-float", "text-float", "zero", "fraction", "negative"],
)
def test_advisor_capacity(capacity, landed, reason) -> None:
    roster = {
        "advisor_email": {"0": "a@x"},
        "territory_id": {"0": "T1"},
        "capacity": {"0": capacity},
        "full_name": {"0": "A"},
        "is_active": {"0": True},
    }
    result = run(json.dumps(roster).encode(), ADVISORS)
    assert result.rows.get_column("capacity").to_list() == ([] if landed is None else [landed])
    assert result.quarantine.get_column("_reject_reason").to_list() == ([reason] if reason else [])


@pytest.mark.parametrize(
    ("effective_to", "lands"),
    [("", True), ("2026-02-01", True), ("2026-01-01", False), ("2025-12-01", False)],
    ids=["open-ended", "after", "same-day", "before"],
)
def test_a_rule_must_end_after_it_starts(effective_to: str, lands: bool) -> None:
    content = (
        "client_id,territory_id,effective_from,effective_to,reason\n"
        f"C1,T1,2026-01-01,{effective_to},pinned\n"
    )
    result = run(content.encode(), SOURCES["whitelist"])
    assert result.rows_landed == int(lands)
    if not lands:
        assert result.quarantine.get_column("_reject_reason").to_list() == [
            f"effective_to: not after effective_from: '{effective_to}'"
        ]


def test_static_duplicates_collapse_when_exact_and_quarantine_when_they_conflict() -> None:
    content = (
        b"territory_id,territory_name,region,segment,tier\n"
        b"T1,Gold,EMEA,Inst,Gold\n"
        b"T2,Default,EMEA,Inst,\n"
        b"T2,Default,EMEA,Inst,\n"  # exact repeat: collapses
        b"t1,Gold,EMEA,Inst,Gold\n"  # same id in another case: conflicts with row 1
    )
    result = run(content, SOURCES["territories"])
    assert result.rows.get_column("territory_id").to_list() == ["T2"]
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (4, 1, 2)
    assert result.rows_collapsed == 1
    assert result.quarantine.get_column("_reject_reason").to_list() == [
        "territory_id: conflicting duplicates of the natural key [T1]",
        "territory_id: conflicting duplicates of the natural key [t1]",
    ]


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
