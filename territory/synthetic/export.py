"""Export: the daily files in the source contract, dirty rows included, and `generate`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from loaders.sources import SOURCES, TIMESTAMP_FORMATS
from territory.core import project
from territory.synthetic import family_offices
from territory.synthetic.churn import _churn, _refresh_roster
from territory.synthetic.names import (
    _CITY_NAMES,
    _COUNTRY_NAMES,
    _assemble_rows,
    _choice,
    _draw_aum,
    _gather,
    _groups,
    _rng,
    read_tiers,
)
from territory.synthetic.rules import _add_rules
from territory.synthetic.vocabulary import (
    _BAD_AUM,
    _BAD_TIMESTAMP,
    _REFRESH_EVERY,
    _S_EXPORT,
    CLIENT_HEADER,
    PROFILES,
)
from territory.synthetic.world import _RULE_COLUMNS, _build_world, _client_id_strings, _World

# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateReport:
    """What one ``generate`` call wrote."""

    out: Path
    rows: dict[str, dict[str, int]]  # run date (ISO) -> file name -> data rows written
    entities: int  # distinct real companies behind the emitted client ids
    client_ids: int  # distinct client ids emitted over all days
    truth_path: Path

    def summary(self) -> str:
        files = [SOURCES[name].file for name in SOURCES]
        width = max(len(f) for f in files)
        lines = [f"Synthetic CRM inbox in {self.out}: {len(self.rows)} day(s)"]
        for day, counts in self.rows.items():
            parts = ", ".join(f"{f}={counts[f]:,}" for f in files if f in counts)
            lines.append(f"  {day}: {parts}")
        lines.append(f"  {'client ids'.ljust(width)}  {self.client_ids:,}")
        lines.append(f"  {'entities'.ljust(width)}  {self.entities:,}")
        lines.append(f"  truth: {self.truth_path}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _thousands(whole: pl.Series) -> pl.Series:
    """1234567 -> "1,234,567" (groups inserted on the reversed digits)."""
    reversed_digits = whole.cast(pl.String).str.reverse()
    grouped = reversed_digits.str.replace_all(r"(\d{3})", "${1},").str.strip_chars_end(",")
    return grouped.str.reverse()


def _fmt_amounts(cents: np.ndarray, style: np.ndarray) -> pl.Series:
    """Plain "1234567.89" (style 0), "1,234,567.89" (1) or rounded "1234568" (2); -1 = blank.

    Each style is formatted only on its own rows.
    """
    pieces = []
    for value, rows in _groups(np.where(cents < 0, -1, style)):
        if value < 0:
            pieces.append((rows, pl.Series([None] * len(rows), dtype=pl.String)))
            continue
        c = pl.Series(cents[rows], dtype=pl.Int64)
        whole, frac = c // 100, (c % 100).cast(pl.String).str.zfill(2)
        if value == 0:
            text = whole.cast(pl.String) + "." + frac
        elif value == 1:
            text = _thousands(whole) + "." + frac
        else:
            text = ((c + 50) // 100).cast(pl.String)
        pieces.append((rows, text))
    return _assemble_rows(len(cents), pieces)


def _fmt_timestamps(seconds: np.ndarray, style: np.ndarray) -> pl.Series:
    pieces = []
    for value, rows in _groups(style):
        moments = pl.Series(seconds[rows], dtype=pl.Int64)
        text = pl.select(
            pl.from_epoch(pl.lit(moments), time_unit="s").dt.strftime(TIMESTAMP_FORMATS[value])
        ).to_series()
        pieces.append((rows, text))
    return _assemble_rows(len(seconds), pieces)


def _header(rng: np.random.Generator) -> list[str]:
    """The day's header spelling: canonical, or per-column case and spacing variants."""
    canonical = list(CLIENT_HEADER.values())
    if rng.random() < 0.4:
        return canonical
    variants = []
    for h in canonical:
        v = int(_choice(rng, [0.45, 0.20, 0.10, 0.10, 0.10, 0.05], 1)[0])
        variants.append(
            (h, h.lower(), h.upper(), h[0] + h[1:].lower(), f" {h} ", f"{h.lower()} ")[v]
        )
    return variants


def _export(world: _World, day_no: int, bad_rate: float) -> tuple[pl.DataFrame, np.ndarray]:
    """The day's clients.csv frame (canonical column names) and the client numbers it names."""
    rng = _rng(world.seed, _S_EXPORT, day_no)
    rec = world.records
    n = rec.height
    # ~0.3% of ids also appear as an older version (earlier last_modified, other AUM).
    old_idx = np.sort(rng.choice(n, round(0.003 * n), replace=False))
    k_old = len(old_idx)
    old_aum = rec["aum"].to_numpy()[old_idx]
    old_aum = np.where(
        old_aum > 0,
        (old_aum * rng.uniform(0.85, 0.99, k_old)).round(),
        _draw_aum(rng, rec["segment"].to_numpy()[old_idx]),
    ).astype(np.int64)
    older = rec[old_idx].with_columns(
        modified=pl.col("modified") - pl.Series(rng.integers(60, 60 * 24 * 60, k_old) * 60),
        aum=pl.Series(np.where(old_aum < 0, 100_000_000, old_aum), dtype=pl.Int64),
        pos=pl.Series(rng.integers(0, 2, k_old) * 2, dtype=pl.Int64),  # before or after
    )
    frame = (
        pl.concat([rec.with_columns(pos=pl.lit(1, dtype=pl.Int64)), older])
        .with_columns(order=pl.col("cid") * 4 + pl.col("pos"))
        .sort("order")
    )
    if world.profile == family_offices.PROFILE:
        frame = family_offices.dress(world, frame, day_no)
    total = frame.height
    cid = frame["cid"].to_numpy()
    parent = frame["parent"].to_numpy()
    amt_style = frame["amt_style"].to_numpy()
    parent_ids = _client_id_strings(np.maximum(parent, 0))
    if (parent < 0).any():
        parent_ids = parent_ids.scatter(np.flatnonzero(parent < 0), None)
    columns = {
        "client_id": _client_id_strings(cid),
        "client_name": frame["name"],
        "parent_client_id": parent_ids,
        "country": _gather(_COUNTRY_NAMES, frame["country"].to_numpy()),
        "region": frame["region_txt"],
        "segment": frame["segment_txt"],
        "city": (
            frame["city_txt"]
            if "city_txt" in frame.columns
            else _gather(_CITY_NAMES, frame["city"].to_numpy())
        ),
        "postal_code": frame["postal"],
        "aum_usd": _fmt_amounts(frame["aum"].to_numpy(), amt_style),
        "annual_revenue_usd": _fmt_amounts(frame["revenue"].to_numpy(), amt_style),
        "advisor_email": frame["advisor"],
        "last_modified": _fmt_timestamps(
            frame["modified"].to_numpy(), frame["ts_style"].to_numpy()
        ),
    }
    # Stray whitespace on one column of ~1.5% of records, side picked by id parity.
    ws_col = frame["ws_col"].to_numpy()
    for j, name in enumerate(columns):
        rows = np.flatnonzero(ws_col == j)
        if not len(rows):
            continue
        values = columns[name].gather(rows)
        padded = (" " + values).zip_with(pl.Series(cid[rows] % 2 == 0), values + "  ")
        keep = values.is_null() | (values == "")
        columns[name] = columns[name].scatter(rows, values.zip_with(keep, padded))

    # Malformed rows the loader must quarantine: bad AUM, bad timestamp, no id, no name.
    k_bad = min(total, round(bad_rate * total))
    bad_rows = rng.choice(total, k_bad, replace=False)
    kind = rng.integers(0, 4, k_bad)
    pick = rng.integers(0, 1000, k_bad)
    for value, name, junk in (
        (0, "aum_usd", _BAD_AUM),
        (1, "last_modified", _BAD_TIMESTAMP),
        (2, "client_id", (None,)),
        (3, "client_name", (None, "   ")),
    ):
        rows = bad_rows[kind == value]
        if len(rows):
            junk_s = pl.Series(junk, dtype=pl.String)
            values = _gather(junk_s, pick[kind == value] % len(junk))
            columns[name] = columns[name].scatter(rows, values)
    named = np.ones(total, dtype=bool)
    named[bad_rows[kind == 2]] = False
    return pl.DataFrame(columns), np.unique(cid[named])


def _write_json_columns(path: Path, frame: pl.DataFrame) -> None:
    """What pandas ``DataFrame.to_json(orient="columns")`` writes."""
    data = {
        col: {str(i): value for i, value in enumerate(frame[col].to_list())}
        for col in frame.columns
    }
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def _check_registry() -> None:
    """Fail loudly if the source registry drifted from what this generator writes."""
    expected = {
        "clients": list(CLIENT_HEADER),
        "advisors": ["advisor_email", "full_name", "territory_id", "capacity", "is_active"],
        "territories": ["territory_id", "territory_name", "region", "segment", "tier"],
        "whitelist": list(_RULE_COLUMNS),
        "blacklist": list(_RULE_COLUMNS),
    }
    for name, columns in expected.items():
        if SOURCES[name].column_names != columns:
            raise RuntimeError(
                f"loaders.sources {name!r} columns changed; update territory/synthetic/"
            )


def generate(
    out: Path,
    clients: int,
    days: int,
    seed: int,
    start_date: date = date(2026, 1, 5),
    bad_rows_rate: float = 0.002,
    tiers_seed: Path | None = None,
    profile: str = "default",
) -> GenerateReport:
    """Write ``days`` inbox folders of a synthetic CRM with ``clients`` records on day 1.

    ``profile`` picks the kind of CRM: ``default`` (institutions of every segment) or
    ``family_offices`` (person-named family offices and trusts with typos in name, city and
    postcode, transposed tokens, AUM blank on about half the records and namesakes; see
    ``territory.synthetic.family_offices``). Same arguments give byte-identical files; day
    N's files do not depend on ``days``.
    """
    if clients < 1 or days < 1:
        raise ValueError("clients and days must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if not 0.0 <= bad_rows_rate < 1.0:
        raise ValueError("bad_rows_rate must be in [0, 1)")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    _check_registry()
    out = Path(out)
    tiers = read_tiers(tiers_seed or project.dbt_project_dir() / "seeds" / "segmentation_tiers.csv")
    world = _build_world(seed, clients, start_date, tiers, profile)
    files = {name: SOURCES[name].file for name in SOURCES}
    rows: dict[str, dict[str, int]] = {}
    emitted: list[np.ndarray] = []
    for day_no in range(1, days + 1):
        day = start_date + timedelta(days=day_no - 1)
        refresh = day_no == 1 or (day_no - 1) % _REFRESH_EVERY == 0
        if day_no > 1:
            _churn(world, day_no, day)
            if refresh:
                _refresh_roster(world, day_no)
        if refresh:
            _add_rules(world, day_no, day)
        folder = out / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        frame, ids = _export(world, day_no, bad_rows_rate)
        emitted.append(ids)
        frame.columns = _header(_rng(seed, _S_EXPORT, day_no, 1))
        frame.write_csv(folder / files["clients"])
        counts = {files["clients"]: frame.height}
        written = {files["clients"]}
        if refresh:
            _write_json_columns(folder / files["advisors"], world.advisors)
            world.territories.frame().write_csv(folder / files["territories"])
            world.whitelist.write_csv(folder / files["whitelist"])
            world.blacklist.write_csv(folder / files["blacklist"])
            counts[files["advisors"]] = world.advisors.height
            counts[files["territories"]] = len(world.territories.rows)
            counts[files["whitelist"]] = world.whitelist.height
            counts[files["blacklist"]] = world.blacklist.height
            written |= set(counts)
        for stale in sorted(set(files.values()) - written):
            (folder / stale).unlink(missing_ok=True)  # a static file is absent, not left over
        rows[day.isoformat()] = counts

    # Ground truth: every client id that appeared in some clients.csv, with its company.
    ids = np.unique(np.concatenate(emitted))
    known = pl.concat(world.all_records).filter(pl.col("cid").is_in(pl.Series(ids).implode()))
    known = known.sort("cid")
    truth = pl.DataFrame(
        {
            "client_id": _client_id_strings(known["cid"].to_numpy()),
            "entity_id": "E" + (known["entity"] + 1).cast(pl.String).str.zfill(8),
        }
    )
    truth_path = out / "truth" / "entities.csv"
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth.write_csv(truth_path)
    return GenerateReport(
        out=out,
        rows=rows,
        entities=truth["entity_id"].n_unique(),
        client_ids=truth.height,
        truth_path=truth_path,
    )
