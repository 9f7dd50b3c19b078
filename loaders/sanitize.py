"""Sanitize-first: pure Polars functions from an inbox file to typed rows + quarantine.

No I/O beyond reading the file handed in (its bytes, or its path, which Polars maps without a
copy), so every rule here is unit-tested on bytes, without files.

A CSV is read by Polars as strict UTF-8 by path (the fast path, what nearly every file
takes). Only a file Polars cannot read that way (invalid UTF-8, a line with more fields than
the header, broken quoting) is re-read record by record: decoded faithfully (its encoding
detected when it is not UTF-8), each record with its line number, so a bad line is
quarantined on its own and a parse error names its line, never the rows.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

import charset_normalizer
import polars as pl

from loaders.errors import TerritoryError
from loaders.sources import (
    LINEAGE_COLUMNS,
    QUARANTINE_REASON,
    TIMESTAMP_FORMATS,
    ColumnType,
    Source,
)


class SourceError(TerritoryError):
    """A file that cannot be loaded at all: the run must stop and say why."""


# Quarantine columns besides the contract's and the lineage: where a record could not be read
# as a row of the header (a ragged line, undecodable bytes), its physical line in the file
# (the header is line 1) and its raw text; null for rows rejected on their values.
LINE_NUMBER = "_line_number"
RAW_LINE = "_raw_line"
REJECT_RAGGED = "ragged line: more fields than the header"


def reject_undecodable(encoding: str) -> str:
    return f"undecodable bytes (not valid {encoding})"


@dataclass(frozen=True)
class Sanitized:
    rows: pl.DataFrame  # typed, schema-compliant, with lineage columns
    quarantine: pl.DataFrame  # raw string values, lineage columns and _reject_reason
    rows_read: int  # records after the header; blank lines are not rows
    dropped_columns: tuple[str, ...]  # columns in the file that the contract does not declare
    missing_columns: tuple[str, ...] = ()  # known optional columns the header lacked (allowed)
    rows_collapsed: int = 0  # static files: exact repeats of a landed row
    encoding: str = "utf-8"
    undecodable_bytes: int = 0
    blank_lines: int = 0

    @property
    def rows_landed(self) -> int:
        return self.rows.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height


@dataclass(frozen=True)
class LineReject:
    """A record that is not a row of the header: quarantined whole, with its raw text."""

    row_number: int  # 1-based record position after the header (the rows' _source_row_number)
    line_number: int | None  # 1-based physical line in the file (header = 1); None in JSON
    raw: str  # the record's text, undecodable bytes written as \xNN
    reason: str


@dataclass(frozen=True)
class RawRows:
    """A file read into strings, before any contract check."""

    frame: pl.DataFrame  # one string column per header, in order
    headers: dict[str, str]  # normalised column name -> the header as written
    row_numbers: list[int] | None = None  # record positions of the frame's rows; None = 1..n
    rejects: tuple[LineReject, ...] = ()
    encoding: str = "utf-8"
    undecodable_bytes: int = 0


_INDEX_ARTIFACT = re.compile(r"^(__index_level_\d+__|unnamed:?\s*\d+|)$", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Text decoded with `surrogateescape`: each undecodable byte is one lone surrogate.
_SURROGATE = re.compile("[\udc80-\udcff]")
_DECODED_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
# What a CRM export that is not UTF-8 is written in: Windows and ISO code pages, UTF-16/32
# (with a BOM) and the common CJK encodings. Detection picks among these only (the DOS and
# Mac code pages it would otherwise consider win on short samples by accident); the first
# listed names the encoding when several decode the file to the same text.
CANDIDATE_ENCODINGS = (
    "cp1252",
    "latin_1",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "utf_16",
    "utf_32",
    "shift_jis",
    "gb18030",
    "big5",
    "euc_kr",
)

POLARS_TYPES: dict[ColumnType, pl.DataType] = {
    "string": pl.String(),
    "decimal": pl.Decimal(38, 2),
    "integer": pl.Int64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
}
# Typed values are parsed in stages, cheapest first: each stage sees only the values the
# earlier ones left unparsed, so most values pay one fixed-format parse (Polars' fast path) and
# the general rules (regex rewrites, variable formats) run only on the rest. A later stage
# accepts what an earlier one does, with the same value: the order changes cost, not results.
# The general rule: rewrite to ISO with a space (`MM/DD/YYYY` -> `YYYY-MM-DD`, `T` -> ` `, no
# `Z`), complete to seconds, parse with one format.
_US_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})"
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S%.f"
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


def snake_case(header: str) -> str:
    """`AUM (USD)` -> `aum_usd`, `DATE of biRTH` -> `date_of_birth`, ` iD ` -> `id`."""
    return _NON_ALNUM.sub("_", header.strip().lower()).strip("_")


def is_index_artifact(header: str) -> bool:
    """Columns pandas leaves behind when a frame is saved with its index."""
    return bool(_INDEX_ARTIFACT.match(header.strip()))


def normalize_headers(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Snake-case every header, drop index artifacts, map aliases; fail on a clash."""
    renamed = _normalized_names(frame.columns, source)
    return frame.select(list(renamed)).rename(renamed)


def _normalized_names(headers: list[str], source: Source) -> dict[str, str]:
    """Header as written -> column name, index artifacts left out."""
    renamed: dict[str, str] = {}
    for name in headers:
        if is_index_artifact(name):
            continue
        clean = snake_case(name)
        clean = source.aliases.get(clean, clean)
        if clean in renamed.values():
            raise SourceError(f"{source.file}: two columns normalise to {clean!r}")
        renamed[name] = clean
    return renamed


def read_rows(content: bytes | Path, source: Source) -> pl.DataFrame:
    """Parse a file (bytes or path) into a frame of strings, one column per header, in order."""
    return read_file(content, source).frame


def read_file(content: bytes | Path, source: Source) -> RawRows:
    """The file's records as strings under normalised headers, and the records that are not
    rows of the header (line-level rejects)."""
    if _is_blank(content):
        raise SourceError(f"{source.file}: file is empty")
    raw = _read_csv(content, source) if source.format == "csv" else _read_json(content, source)
    # CSV is read without inference and JSON flattened to text: every column is a string.
    renamed = _normalized_names(raw.frame.columns, source)
    frame = raw.frame.select(list(renamed)).rename(renamed)
    return replace(raw, frame=frame, headers={clean: name for name, clean in renamed.items()})


def _is_blank(content: bytes | Path) -> bool:
    """Empty or whitespace only; stops at the first other byte, without copying the file."""
    if isinstance(content, bytes):
        return content.isspace() or not content
    with open(content, "rb") as stream:
        while chunk := stream.read(1 << 16):
            if not chunk.isspace():
                return False
    return True


def _read_csv(content: bytes | Path, source: Source) -> RawRows:
    try:
        frame = _csv_strings(content)
    except pl.exceptions.PolarsError:
        # Invalid UTF-8, a ragged line or broken quoting: only such a file pays for reading
        # record by record (which knows line numbers and quarantines a bad line on its own).
        frame = None
    if frame is not None:
        return RawRows(frame, {})
    data = content if isinstance(content, bytes) else content.read_bytes()
    text, encoding, undecodable = decode_text(data)
    if encoding != "utf-8":
        # Decoded faithfully from another encoding: Polars parses the UTF-8 of it, unless the
        # file has other problems too.
        try:
            return RawRows(_csv_strings(text.encode("utf-8")), {}, encoding=encoding)
        except pl.exceptions.PolarsError:
            pass
    return _parse_csv_text(text, source, encoding, undecodable)


def _csv_strings(content: bytes | Path) -> pl.DataFrame:
    return pl.read_csv(
        io.BytesIO(content) if isinstance(content, bytes) else content,
        infer_schema=False,
        encoding="utf8",
        truncate_ragged_lines=False,
    )


def decode_text(data: bytes) -> tuple[str, str, int]:
    """(text, encoding, undecodable bytes) of a file's bytes.

    UTF-8 when it decodes as such. Otherwise, when none of its non-ASCII bytes form valid
    UTF-8, it is written in another encoding: detected (charset-normalizer, among
    CANDIDATE_ENCODINGS) and decoded strictly. A file that mixes valid UTF-8 with invalid bytes,
    or that no candidate decodes, is UTF-8 with undecodable bytes: each one is kept as a lone
    surrogate (`surrogateescape`) so the records holding them can be quarantined, never
    stored as U+FFFD."""
    try:
        return data.decode("utf-8-sig"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    loose = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    if not _DECODED_NON_ASCII.search(loose):
        matches = charset_normalizer.from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS))
        best = matches.best()
        if best is not None:
            # Several encodings read as cleanly (the same mess score) on a short sample: the
            # first candidate among them, so Western European text is not read as cp1250.
            clean = {
                name
                for match in matches
                if match.chaos <= best.chaos
                for name in match.could_be_from_charset
            }
            encoding = next((name for name in CANDIDATE_ENCODINGS if name in clean), best.encoding)
            try:
                return data.decode(encoding), encoding, 0
            except (UnicodeDecodeError, LookupError):
                pass
    return loose, "utf-8", len(_SURROGATE.findall(loose))


def printable(text: str) -> str:
    """Text with each undecodable byte (a lone surrogate) written as `\\xNN`."""
    return _SURROGATE.sub(lambda match: f"\\x{ord(match.group()) - 0xDC00:02x}", text)


def _unique_names(header: list[str]) -> list[str]:
    """Repeated header names renamed the way Polars does (`name_duplicated_0`, ...)."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        if name in seen:
            names.append(f"{name}_duplicated_{seen[name]}")
            seen[name] += 1
        else:
            seen[name] = 0
            names.append(name)
    return names


def _parse_csv_text(text: str, source: Source, encoding: str, undecodable: int) -> RawRows:
    """Records of decoded CSV text, each with the physical line it starts on.

    The same rows as the fast path for what it reads (a short line is padded with nulls, a
    blank line is an empty record that sanitizing drops); a line with more fields than the
    header or with undecodable bytes becomes a line-level reject instead of failing the file.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    items = [line + "\n" for line in lines]  # csv counts one physical line per item
    reader = csv.reader(items, strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    numbers: list[int] = []
    rejects: list[LineReject] = []
    position = consumed = 0
    try:
        for fields in reader:
            first_line, consumed = consumed + 1, reader.line_num
            raw = "".join(items[first_line - 1 : consumed]).rstrip("\r\n")
            if header is None:
                if raw.strip():
                    header = [printable(name) for name in fields]
                continue
            position += 1
            if _SURROGATE.search(raw):
                rejects.append(
                    LineReject(position, first_line, printable(raw), reject_undecodable(encoding))
                )
            elif len(fields) > len(header):
                rejects.append(LineReject(position, first_line, raw, REJECT_RAGGED))
            else:
                records.append(fields)
                numbers.append(position)
    except csv.Error as error:
        # The line number only: a broken quote would otherwise echo the rest of the file.
        raise SourceError(
            f"{source.file}: unparseable CSV in the record starting at line {consumed + 1}: {error}"
        ) from None
    if header is None:
        raise SourceError(f"{source.file}: file is empty")
    names = _unique_names(header)
    data = {
        name: [row[index] if index < len(row) else None for row in records]
        for index, name in enumerate(names)
    }
    frame = pl.DataFrame(data, schema={name: pl.String for name in names})
    return RawRows(frame, {}, numbers, tuple(rejects), encoding, undecodable)


def _read_json(content: bytes | Path, source: Source) -> RawRows:
    data = content if isinstance(content, bytes) else content.read_bytes()
    encoding, undecodable = "utf-8", 0
    try:
        try:
            document = json.loads(data)  # UTF-8, -16 or -32, as RFC 8259 detects them
        except UnicodeDecodeError:
            text, encoding, undecodable = decode_text(data)
            document = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(f"{source.file}: unparseable JSON: {error}") from error
    columns = _json_columns(document, source)
    if not columns:  # `[]`, `{}`: a delivery without rows, whatever its columns
        columns = {name: [] for name in source.column_names}
    rejects: list[LineReject] = []
    if undecodable:
        height = len(next(iter(columns.values())))
        bad = {
            index
            for values in columns.values()
            for index in range(height)
            if values[index] is not None and _SURROGATE.search(values[index])
        }
        for index in sorted(bad):
            row = {name: values[index] for name, values in columns.items()}
            raw = printable(json.dumps(row, ensure_ascii=False, sort_keys=True))
            rejects.append(LineReject(index + 1, None, raw, reject_undecodable(encoding)))
        keep = [index for index in range(height) if index not in bad]
        columns = {printable(name): [values[i] for i in keep] for name, values in columns.items()}
        numbers: list[int] | None = [index + 1 for index in keep]
    else:
        numbers = None
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns})
    return RawRows(frame, {}, numbers, tuple(rejects), encoding, undecodable)


def flatten_json(document: object, source: Source) -> pl.DataFrame:
    """Rows from column-oriented JSON (dict of columns of index -> value) or a list of rows."""
    columns = _json_columns(document, source)
    return pl.DataFrame(columns, schema={name: pl.String for name in columns})


def _json_columns(document: object, source: Source) -> dict[str, list[str | None]]:
    if isinstance(document, dict) and all(isinstance(v, dict) for v in document.values()):
        # Column-oriented (pandas `to_json(orient="columns")`): row order is the index order.
        index = sorted({key for column in document.values() for key in column}, key=_index_key)
        return {
            name: [_json_text(column.get(key)) for key in index]
            for name, column in document.items()
        }
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]  # {"data": [...rows...]} envelopes
    if isinstance(document, list) and all(isinstance(row, dict) for row in document):
        names: list[str] = []
        for row in document:
            names.extend(name for name in row if name not in names)
        return {name: [_json_text(row.get(name)) for row in document] for name in names}
    raise SourceError(
        f"{source.file}: JSON is neither column-oriented (dict of dicts) nor a list of rows"
    )


def _index_key(key: str) -> tuple[int, int | str]:
    return (0, int(key)) if key.lstrip("-").isdigit() else (1, key)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


Stage = Callable[[pl.Series], pl.Series]


def _on_text(expression: Callable[[pl.Expr], pl.Expr]) -> Stage:
    """A parse stage from an expression over the text."""

    def stage(text: pl.Series) -> pl.Series:
        return text.to_frame("text").select(expression(pl.col("text"))).to_series()

    return stage


def _strptime(dtype: pl.DataType, format: str) -> Stage:
    return _on_text(lambda text: text.str.strptime(dtype, format, strict=False, cache=False))


def _number(dtype: pl.DataType, drop: str | None = None, literal: bool = False) -> Stage:
    """The number left once `drop` (thousands separators, currency sign, spaces) is removed."""

    def expression(text: pl.Expr) -> pl.Expr:
        digits = text if drop is None else text.str.replace_all(drop, "", literal=literal)
        return digits.cast(dtype, strict=False)

    return _on_text(expression)


def _boolean(text: pl.Expr) -> pl.Expr:
    lowered = text.str.to_lowercase()
    return (
        pl.when(lowered.is_in(_TRUE))
        .then(True)
        .when(lowered.is_in(_FALSE))
        .then(False)
        .otherwise(None)
    )


def _any_timestamp(text: pl.Series) -> pl.Series:
    """ISO-8601 (`T` or space, optional seconds, fraction and `Z`) or `MM/DD/YYYY HH:MM[:SS]`,
    all UTC."""
    # The rewrite is materialised first: inside one expression Polars re-evaluated it for
    # every use below (3x slower).
    iso = (
        text.str.replace(_US_DATE, "$3-$1-$2")
        .str.replace("T", " ", literal=True)
        .str.strip_suffix("Z")
    )
    length = pl.col("iso").str.len_bytes()
    complete = (
        pl.when(length == 16)  # YYYY-MM-DD HH:MM
        .then(pl.col("iso") + ":00")
        .when(length == 10)  # a bare date: midnight
        .then(pl.col("iso") + " 00:00:00")
        .otherwise(pl.col("iso"))
    )
    return (
        iso.to_frame("iso")
        .select(
            complete.str.strptime(pl.Datetime("us"), _TIMESTAMP_FORMAT, strict=False, cache=False)
        )
        .to_series()
    )


_PARSE_STAGES: dict[ColumnType, tuple[Stage, ...]] = {
    "decimal": (
        _number(POLARS_TYPES["decimal"], ",", literal=True),
        _number(POLARS_TYPES["decimal"], r"[,\s$]"),
    ),
    # `10.0` (a roster written by pandas, a JSON float) is the integer 10; `10.5` is not.
    "integer": (_number(pl.Int64()), _number(pl.Int64(), r"[,\s]|\.0+$")),
    "boolean": (_on_text(_boolean),),
    "date": tuple(_strptime(pl.Date(), format) for format in _DATE_FORMATS),
    "timestamp": (
        *(_strptime(pl.Datetime("us"), format) for format in TIMESTAMP_FORMATS),
        _any_timestamp,
    ),
}


def parse_values(text: pl.Series, column_type: ColumnType) -> pl.Series:
    """Typed values of a stripped string column; null where no rule of the type parses."""
    stages = _PARSE_STAGES[column_type]
    parsed = stages[0](text)
    for stage in stages[1:]:
        retry = (parsed.is_null() & text.is_not_null()).arg_true()
        if retry.is_empty():
            break
        parsed = parsed.scatter(retry, stage(text.gather(retry)))
    return parsed.alias(text.name)


def closest_header(name: str, candidates: list[str], cutoff: float = 0.5) -> str | None:
    """The candidate header most like a column name (difflib), or None below `cutoff`.

    Abbreviations count as their words' initials: `aum_usd` matches `assets_under_management`
    (`aum`) as closely as it matches `aum`."""

    def initials(text: str) -> str:
        return "".join(word[0] for word in text.split("_") if word)

    def score(candidate: str) -> float:
        head = name.split("_")[0]
        return max(
            difflib.SequenceMatcher(None, name, candidate).ratio(),
            difflib.SequenceMatcher(None, head, initials(candidate)).ratio(),
        )

    scored = sorted(((score(candidate), candidate) for candidate in candidates), reverse=True)
    return scored[0][1] if scored and scored[0][0] >= cutoff else None


def check_header(
    columns: list[str], headers: dict[str, str], source: Source, allow_missing: Collection[str]
) -> tuple[str, ...]:
    """The contract's optional columns the header lacks, allowed by `allow_missing`; any other
    missing column fails the file naming the closest unrecognised header (a renamed column
    must not silently become null for every row)."""
    unknown = [name for name in columns if name not in source.column_names]

    def named(names: list[str]) -> str:
        hints = []
        for name in names:
            match = closest_header(name, unknown)
            hints.append(
                f"{name} (closest header seen: {headers.get(match, match)!r})" if match else name
            )
        return ", ".join(hints)

    missing = [name for name in source.column_names if name not in columns]
    required = [name for name in missing if name in source.required_columns]
    if required:
        raise SourceError(
            f"{source.file}: header lacks required column(s) {named(required)}; "
            f"found {', '.join(columns) or 'none'}"
        )
    absent_ok = {column.name for column in source.columns if column.may_be_absent}
    refused = [name for name in missing if name not in allow_missing and name not in absent_ok]
    if refused:
        allow = ",".join(f"{source.name}.{name}" for name in refused)
        raise SourceError(
            f"{source.file}: header lacks column(s) {named(refused)}; to load them as empty, pass "
            f"--allow-missing-columns {allow} (env TERRITORY_ALLOW_MISSING_COLUMNS)"
        )
    return tuple(missing)


def sanitize(
    content: bytes | Path,
    source: Source,
    run_date: date,
    load_time: datetime,
    source_file: str,
    allow_missing: Collection[str] = (),
) -> Sanitized:
    """Typed rows that satisfy the source's contract, and the rest in quarantine with a reason.

    `allow_missing`: optional columns of this source the header may lack (loaded as null)."""
    parsed = read_file(content, source)
    raw = parsed.frame
    missing = check_header(raw.columns, parsed.headers, source, allow_missing)
    dropped = tuple(name for name in raw.columns if name not in source.column_names)
    raw = raw.with_columns(pl.lit(None, pl.String).alias(name) for name in missing)
    if parsed.row_numbers is None:  # every record is a frame row: 1..n
        row_number = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_source_row_number")
    else:  # the reader set some records aside: their places stay theirs
        raw = raw.with_columns(pl.Series("_source_row_number", parsed.row_numbers, dtype=pl.Int64))
        row_number = pl.col("_source_row_number")
    lineage = [
        pl.lit(run_date, pl.Date).alias("_run_date"),
        pl.lit(load_time.replace(tzinfo=None), pl.Datetime("us")).alias("_load_time"),
        pl.lit(source_file, pl.String).alias("_source_file"),
        row_number,
    ]
    lineage_names = [column.name for column in LINEAGE_COLUMNS]
    typed = [column for column in source.columns if column.type != "string"]
    types = {column.name: column.type for column in source.columns}

    def parsed_name(name: str) -> str:
        return f"__parsed__{name}"

    def value(name: str) -> pl.Expr:
        """The column's value: parsed when typed, the stripped text otherwise."""
        return pl.col(parsed_name(name) if types[name] != "string" else name)

    def stripped(name: str) -> pl.Expr:
        return pl.col(name).str.strip_chars().replace("", None)

    problems: list[tuple[pl.Expr, pl.Expr]] = []  # (row fails, reason)
    for column in source.columns:
        text = pl.col(column.name)
        if column.type != "string":
            problems.append(
                (
                    text.is_not_null() & pl.col(parsed_name(column.name)).is_null(),
                    pl.format(f"{column.name}: not a valid {column.type}: '{{}}'", text),
                )
            )
        if column.required:
            problems.append((text.is_null(), pl.lit(f"{column.name}: required value missing")))
        if column.minimum is not None:
            problems.append(
                (
                    value(column.name) < column.minimum,
                    pl.format(
                        f"{column.name}: below the minimum of {column.minimum}: '{{}}'", text
                    ),
                )
            )
        if column.allowed:
            listed = ", ".join(column.allowed)
            problems.append(
                (
                    value(column.name).is_not_null()
                    & ~value(column.name).is_in(list(column.allowed)),
                    pl.format(f"{column.name}: not one of {listed}: '{{}}'", text),
                )
            )
    for earlier, later in source.date_ranges:
        problems.append(
            (
                value(later) <= value(earlier),
                pl.format(f"{later}: not after {earlier}: '{{}}'", pl.col(later)),
            )
        )
    # One pass: strip (an empty string is a missing value), parse each typed column once (the
    # columns in parallel) and flag failing rows; reasons are spelled out for the flagged rows
    # only, and the landed rows reuse the parsed values. The in-memory engine measured faster
    # than streaming here. A record with no value in any column (a blank line, or only
    # separators as spreadsheets write them) is not a row.
    checked = (
        raw.lazy()
        .select(
            *[stripped(name).alias(name) for name in source.column_names],
            *lineage,
            # Undeclared columns count for blankness only (usually there are none).
            pl.all_horizontal(stripped(name).is_null() for name in dropped).alias("__no_extra__")
            if dropped
            else pl.lit(True).alias("__no_extra__"),
        )
        .with_columns(
            pl.all_horizontal(
                pl.col("__no_extra__"), *(pl.col(name).is_null() for name in source.column_names)
            ).alias("__blank__"),
            *(
                pl.col(column.name)
                .map_batches(
                    partial(parse_values, column_type=column.type),
                    return_dtype=POLARS_TYPES[column.type],
                )
                .alias(parsed_name(column.name))
                for column in typed
            ),
        )
        .with_columns(
            pl.any_horizontal([fails for fails, _ in problems])
            .fill_null(False)
            .alias("__rejected__")
            if problems
            else pl.lit(False).alias("__rejected__")
        )
        .collect(engine="in-memory")
    )
    blank = checked.get_column("__blank__")
    blank_lines = int(blank.sum())
    if blank_lines:
        checked = checked.filter(~blank)
    rows_collapsed = 0
    if source.cadence == "static" and checked.height:
        checked, rows_collapsed = _flag_duplicates(checked, source, value)
        problems.append((pl.col("__conflict__"), _conflict_reason(source)))
    else:
        checked = checked.with_columns(
            pl.lit(False).alias("__conflict__"), pl.col("__rejected__").alias("__excluded__")
        )
    rejected = (
        checked.filter(pl.col("__rejected__") | pl.col("__conflict__"))
        .with_columns(
            pl.concat_str(
                [pl.when(fails).then(reason) for fails, reason in problems],
                separator="; ",
                ignore_nulls=True,
            ).alias(QUARANTINE_REASON),
            pl.lit(None, pl.Int64).alias(LINE_NUMBER),
            pl.lit(None, pl.String).alias(RAW_LINE),
        )
        .select(*source.column_names, *lineage_names, QUARANTINE_REASON, LINE_NUMBER, RAW_LINE)
    )
    if parsed.rejects:
        rejected = pl.concat([rejected, _line_rejects(parsed.rejects, rejected.schema, lineage)])
        rejected = rejected.sort("_source_row_number")
    accepted = checked.select(
        *[
            value(column.name).cast(POLARS_TYPES[column.type]).alias(column.name)
            for column in source.columns
        ],
        *lineage_names,
    )
    drop = checked.get_column("__excluded__")
    if drop.any():
        # Selected first, so the filter copies only the landed columns.
        accepted = accepted.filter(~drop)
    return Sanitized(
        rows=accepted,
        quarantine=rejected,
        rows_read=checked.height + len(parsed.rejects),
        dropped_columns=dropped,
        missing_columns=missing,
        rows_collapsed=rows_collapsed,
        encoding=parsed.encoding,
        undecodable_bytes=parsed.undecodable_bytes,
        blank_lines=blank_lines,
    )


def _natural_key(source: Source, value: Callable[[str], pl.Expr]) -> list[pl.Expr]:
    """The natural key as compared within a file: ids (text) case-insensitively."""
    types = {column.name: column.type for column in source.columns}
    return [
        pl.col(name).str.to_lowercase() if types[name] == "string" else value(name)
        for name in source.natural_key
    ]


def _flag_duplicates(
    checked: pl.DataFrame, source: Source, value: Callable[[str], pl.Expr]
) -> tuple[pl.DataFrame, int]:
    """Static files: among the valid rows repeating a natural key, exact repeats of a row
    collapse into its first occurrence; rows of one key that differ are all conflicts."""
    values = pl.struct([value(name) for name in source.column_names])
    group = [*_natural_key(source, value), pl.col("__rejected__")]
    flagged = checked.with_columns(
        (~pl.col("__rejected__") & (values.n_unique().over(group) > 1)).alias("__conflict__")
    ).with_columns(
        (
            ~pl.col("__rejected__")
            & ~pl.col("__conflict__")
            & ~pl.struct(values, pl.col("__rejected__")).is_first_distinct()
        ).alias("__collapsed__")
    )
    flagged = flagged.with_columns(
        (pl.col("__rejected__") | pl.col("__conflict__") | pl.col("__collapsed__")).alias(
            "__excluded__"
        )
    )
    return flagged, int(flagged.get_column("__collapsed__").sum())


def _conflict_reason(source: Source) -> pl.Expr:
    """`territory_id: conflicting duplicates of the natural key [T1]` (the key as written)."""
    return pl.format(
        f"{', '.join(source.natural_key)}: conflicting duplicates of the natural key [{{}}]",
        pl.concat_str([pl.col(name) for name in source.natural_key], separator=", "),
    )


def _line_rejects(
    rejects: tuple[LineReject, ...], schema: pl.Schema, lineage: list[pl.Expr]
) -> pl.DataFrame:
    """Quarantine rows of line-level rejects: no column values, the raw text and line."""
    frame = pl.DataFrame(
        {
            "_source_row_number": [reject.row_number for reject in rejects],
            QUARANTINE_REASON: [reject.reason for reject in rejects],
            LINE_NUMBER: [reject.line_number for reject in rejects],
            RAW_LINE: [reject.raw for reject in rejects],
        },
        schema={
            "_source_row_number": pl.Int64,
            QUARANTINE_REASON: pl.String,
            LINE_NUMBER: pl.Int64,
            RAW_LINE: pl.String,
        },
    )
    return frame.select(
        *[
            pl.lit(None, dtype).alias(name)
            for name, dtype in schema.items()
            if name not in frame.columns and not name.startswith("_")
        ],
        *lineage[:-1],  # run date, load time, file; the row number is the reject's own
        "_source_row_number",
        QUARANTINE_REASON,
        LINE_NUMBER,
        RAW_LINE,
    ).select(list(schema))
