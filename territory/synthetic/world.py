"""The simulated CRM: entities, their records (duplicates included) and the hierarchy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from loaders.sources import SOURCES
from territory.synthetic.names import (
    _COUNTRY_REGION,
    _GEO_COUNT,
    _GEO_FLAT,
    _GEO_START,
    _NC,
    _PARTS_SCHEMA,
    _choice,
    _ck,
    _draw_aum,
    _draw_cities,
    _draw_countries,
    _draw_langs,
    _draw_legal,
    _draw_parts,
    _draw_postal,
    _draw_revenue,
    _gather,
    _resolve_names,
    _rng,
    _variants,
    _with_name_and_key,
)
from territory.synthetic.noise import _free_text
from territory.synthetic.roster import (
    _assign_advisors,
    _initial_advisors,
    _initial_territories,
    _Territories,
)
from territory.synthetic.vocabulary import (
    _AM,
    _FO,
    _LOOKALIKE_EXT,
    _REGION_UNKNOWN,
    _ROMAN,
    _S_WORLD,
    _SEGMENT_UNKNOWN,
    _SEGMENT_WEIGHTS,
    REGIONS,
    SEGMENTS,
)

# --------------------------------------------------------------------------------------------
# The simulated CRM
# --------------------------------------------------------------------------------------------

_RECORD_SCHEMA = {
    "cid": pl.Int64,
    "entity": pl.Int64,
    "name": pl.String,
    "parent": pl.Int64,  # parent client number, -1 = top level
    "country": pl.Int64,
    "city": pl.Int64,
    "postal": pl.String,
    "region_txt": pl.String,
    "segment": pl.Int64,
    "segment_txt": pl.String,
    "aum": pl.Int64,  # cents, -1 = blank
    "revenue": pl.Int64,  # cents, -1 = blank
    "advisor": pl.String,
    "modified": pl.Int64,  # epoch seconds, whole minutes
    "amt_style": pl.Int8,  # how this record's amounts are printed
    "ts_style": pl.Int8,  # how this record's Last Modified is printed
    "ws_col": pl.Int8,  # column with stray whitespace, -1 none
}


@dataclass
class _World:
    seed: int
    start: date
    entities: pl.DataFrame
    records: pl.DataFrame
    taken: pl.Series  # hashed (country, key) of every entity ever, see _ck
    territories: _Territories
    advisors: pl.DataFrame
    departed: list[str]
    whitelist: pl.DataFrame
    blacklist: pl.DataFrame
    next_cid: int
    all_records: list[pl.DataFrame] = field(default_factory=list)  # (cid, entity) ever
    emitted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    profile: str = "default"  # see vocabulary.PROFILES
    dressing: Any = None  # the profile's own state (family_offices._State), if it has one


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _records_per_entity(rng: np.random.Generator, clients: int) -> np.ndarray:
    counts = _choice(rng, [0.80, 0.14, 0.05, 0.01], clients) + 1
    total = np.cumsum(counts)
    last = int(np.searchsorted(total, clients))
    counts = counts[: last + 1].copy()
    counts[-1] -= int(total[last]) - clients  # trim so records sum to exactly `clients`
    return counts


def _hierarchy(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """~10% subsidiaries, chains at most 4 levels deep (root + 3)."""
    level = _choice(rng, [0.90, 0.065, 0.025, 0.01], n)
    parent = np.full(n, -1, dtype=np.int64)
    for k in (1, 2, 3):
        kids = np.flatnonzero(level == k)
        pool = np.flatnonzero(level == k - 1)
        if not len(pool):
            level[kids] = 0
            continue
        parent[kids] = pool[rng.integers(0, len(pool), len(kids))]
    return level, parent


def _build_world(
    seed: int,
    clients: int,
    start: date,
    tiers: tuple[tuple[str, float, float | None], ...],
    profile: str = "default",
) -> _World:
    rng = _rng(seed, _S_WORLD)
    counts = _records_per_entity(rng, clients)
    n_e = len(counts)
    country = _draw_countries(rng, n_e)
    segment = _choice(rng, _SEGMENT_WEIGHTS, n_e)
    only_fo = profile == "family_offices"  # every client a family office (same draws)
    if only_fo:
        segment[:] = _FO
    aum = _draw_aum(rng, segment)
    revenue = _draw_revenue(rng, n_e)
    level, parent = _hierarchy(rng, n_e)

    # Look-alike non-duplicates: fund series of one manager and same-stem firms abroad.
    has_child = np.zeros(n_e, dtype=bool)
    has_child[parent[parent >= 0]] = True
    free = rng.permutation(np.flatnonzero((level == 0) & ~has_child))
    n_series = max(1, round(0.003 * n_e))
    sizes = rng.integers(2, 4, n_series)
    n_look = max(1, round(0.004 * n_e))
    if len(free) < 2 * (n_series + sizes.sum() + 2 * n_look):
        n_series, sizes, n_look = 0, sizes[:0], 0
    cut = np.cumsum([n_series, int(sizes.sum()), n_look, n_look])
    seeds, members, look_src, look = np.split(free[: cut[-1]], cut[:-1])
    member_seed = np.repeat(seeds, sizes)
    first_numeral = np.repeat(rng.integers(1, 3, n_series), sizes)  # II or III
    ordinal = np.arange(len(members)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    segment[np.concatenate([seeds, members, look_src, look])] = _FO if only_fo else _AM
    country[members] = country[member_seed]
    moved = _draw_countries(rng, n_look)
    country[look] = np.where(moved == country[look_src], (moved + 1) % _NC, moved)
    fund_aum = aum[member_seed] // rng.integers(3, 20, len(members))  # funds < their manager
    aum[members] = np.where(aum[member_seed] > 0, fund_aum, -1)
    special = np.zeros(n_e, dtype=bool)
    special[np.concatenate([seeds, members, look_src, look])] = True

    # Subsidiaries often sit in the parent's country and segment.
    for k in (1, 2, 3):
        kids = np.flatnonzero(level == k)
        same = rng.random(len(kids)) < 0.5
        country[kids[same]] = country[parent[kids[same]]]
        same_seg = rng.random(len(kids)) < 0.6
        segment[kids[same_seg]] = segment[parent[kids[same_seg]]]
    lang = _draw_langs(rng, country)
    city = _draw_cities(rng, country)
    postal = _draw_postal(rng, country)
    city[members] = city[member_seed]  # funds share the manager's office
    postal = postal.scatter(members, _gather(postal, member_seed)) if len(members) else postal

    parts = _draw_parts(rng, country, segment, lang, 0)
    if len(members):
        src = parts[member_seed]
        tags = _gather(pl.Series([f" Fund {r}" for r in _ROMAN]), first_numeral + ordinal)
        parts = _scatter_parts(parts, members, src.with_columns(tag=tags))
    if len(look):
        src = parts[look_src]
        ext_idx = rng.integers(0, len(_LOOKALIKE_EXT), len(look))
        ext = _gather(pl.Series(_LOOKALIKE_EXT), ext_idx)
        alt = _gather(pl.Series(_LOOKALIKE_EXT), (ext_idx + 1) % len(_LOOKALIKE_EXT))
        ext = pl.select(
            pl.when(pl.lit(src["suffix"]).str.ends_with(pl.lit(ext)))
            .then(pl.lit(alt))
            .otherwise(pl.lit(ext))
            .alias("e")
        )["e"]
        legal = parts[look].select("legal_fam", "legal_var", "comma")
        mine = src.select("prefix", "stem", pl.col("suffix") + pl.lit(ext), "tag").hstack(legal)
        parts = _scatter_parts(parts, look, mine)
    priority = np.where(special, 0, 1)
    empty = pl.Series("ck", [], dtype=pl.UInt64)
    parts = _resolve_names(rng, parts, country, segment, lang, priority, empty)

    # Subsidiaries named after their parent plus a place ("Smith Capital Europe Ltd").
    kids = np.flatnonzero((level == 1) & ~special)
    kids = kids[~special[parent[kids]] & (rng.random(len(kids)) < 0.5)]
    if len(kids):
        src = parts[parent[kids]]
        geo_pick = (rng.random(len(kids)) * _GEO_COUNT[country[kids]]).astype(np.int64)
        geo = _gather(_GEO_FLAT, _GEO_START[country[kids]] + geo_pick)
        fam, var = _draw_legal(rng, country[kids], segment[kids])
        renamed = _with_name_and_key(
            src.select("prefix", "stem", "suffix").with_columns(
                tag=" " + geo,
                legal_fam=pl.Series(fam, dtype=pl.Int16),
                legal_var=pl.Series(var, dtype=pl.Int16),
                comma=pl.lit(False),
            )
        ).with_columns(ck=_ck(pl.lit(pl.Series(country[kids])), pl.col("key")))
        taken_ck = parts.select(_ck(pl.lit(pl.Series(country)), pl.col("key")).alias("ck"))
        taken_ck = taken_ck.to_series()
        fresh = ~renamed["ck"].is_in(taken_ck.implode()) & renamed["ck"].is_first_distinct()
        ok = fresh.to_numpy()
        parts = _scatter_parts(parts, kids[ok], renamed.filter(pl.Series(ok)).drop("ck"))
        parts = _with_name_and_key(parts.select(*_PARTS_SCHEMA))

    # A handful of 2-cycles (A's parent is B and B's is A) for cycle detection to find.
    loose = np.flatnonzero((level == 0) & ~has_child & ~special)
    n_cycles = max(1, n_e // 200_000)
    if len(loose) >= 2 * n_cycles and n_e >= 20:
        pair = rng.choice(loose, 2 * n_cycles, replace=False).reshape(-1, 2)
        parent[pair[:, 0]], parent[pair[:, 1]] = pair[:, 1], pair[:, 0]
        level[pair.ravel()] = 1

    # Records: one per entity plus its duplicates, client ids handed out in shuffled order.
    n = int(counts.sum())
    rec_e = np.repeat(np.arange(n_e), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(n) - np.repeat(starts, counts)
    span = n + n // 5 + 10
    cids = rng.choice(span, n, replace=False).astype(np.int64) + 1
    primary = cids[starts]

    entities = parts.with_columns(
        entity=pl.int_range(pl.len(), dtype=pl.Int64),
        country=pl.Series(country, dtype=pl.Int64),
        segment=pl.Series(segment, dtype=pl.Int64),
        lang=pl.Series(lang, dtype=pl.Int64),
        level=pl.Series(level, dtype=pl.Int64),
        parent=pl.Series(parent, dtype=pl.Int64),
        city=pl.Series(city, dtype=pl.Int64),
        postal=postal,
        aum=pl.Series(aum, dtype=pl.Int64),
        revenue=pl.Series(revenue, dtype=pl.Int64),
        primary_cid=pl.Series(primary, dtype=pl.Int64),
    )
    territories = _initial_territories(tiers)
    taken = entities.select(_ck(pl.col("country"), pl.col("key")).alias("ck")).to_series()
    records = _make_records(rng, entities, rec_e, rank > 0, cids, start, taken, None)
    routed = territories.route(
        records["country"].to_numpy(), records["segment"].to_numpy(), records["aum"].to_numpy()
    )
    advisors, departed = _initial_advisors(rng, territories, routed, clients)
    records = records.with_columns(
        advisor=_assign_advisors(rng, routed, territories, advisors, departed)
    )
    world = _World(
        seed=seed,
        start=start,
        entities=entities,
        records=records,
        taken=taken,
        territories=territories,
        advisors=advisors,
        departed=departed,
        whitelist=_empty_rules(),
        blacklist=_empty_rules(),
        next_cid=span + 1,
        profile=profile,
    )
    world.all_records.append(records.select("cid", "entity"))
    return world


def _scatter_parts(parts: pl.DataFrame, rows: np.ndarray, values: pl.DataFrame) -> pl.DataFrame:
    if not len(rows):
        return parts
    out = {}
    for col in _PARTS_SCHEMA:
        out[col] = parts[col].clone().scatter(rows, values[col].cast(_PARTS_SCHEMA[col]))
    extra = [c for c in parts.columns if c not in _PARTS_SCHEMA]
    return pl.DataFrame(out).hstack(parts.select(extra)) if extra else pl.DataFrame(out)


def _make_records(
    rng: np.random.Generator,
    entities: pl.DataFrame,
    rec_e: np.ndarray,
    is_dup: np.ndarray,
    cids: np.ndarray,
    now: date,
    taken: pl.Series,
    modified: np.ndarray | None,
) -> pl.DataFrame:
    """CRM records of the given entities; duplicates get variant names and drifted fields.

    ``modified`` defaults to random moments in the three years before ``now``.
    """
    n = len(rec_e)
    ent = entities.select(
        "country", "city", "postal", "segment", "aum", "revenue", "parent", "name"
    )[rec_e]
    country = ent["country"].to_numpy().copy()
    moved = is_dup & (rng.random(n) < 0.05)
    country[moved] = _draw_countries(rng, int(moved.sum()))
    # A duplicate filed abroad must not share its distinctive words with a company there.
    abroad = np.flatnonzero(moved)
    if len(abroad):
        keys = _gather(entities["key"], rec_e[abroad])
        probe = pl.DataFrame({"country": country[abroad], "key": keys})
        clash = probe.select(_ck(pl.col("country"), pl.col("key")).is_in(taken.implode()))
        home = abroad[clash.to_series().to_numpy()]
        country[home] = ent["country"].to_numpy()[home]
        moved[home] = False
    city = ent["city"].to_numpy().copy()
    new_city = moved | (is_dup & (rng.random(n) < 0.15))
    city[new_city] = _draw_cities(rng, country[new_city])
    postal = ent["postal"]
    if new_city.any():
        postal = postal.scatter(np.flatnonzero(new_city), _draw_postal(rng, country[new_city]))
    blank_postal = np.where(is_dup, rng.random(n) < 0.3, rng.random(n) < 0.04)
    postal = postal.scatter(np.flatnonzero(blank_postal), None) if blank_postal.any() else postal

    segment = ent["segment"].to_numpy().copy()
    seg_flip = is_dup & (rng.random(n) < 0.02)
    segment[seg_flip] = _choice(rng, _SEGMENT_WEIGHTS, int(seg_flip.sum()))
    aum = ent["aum"].to_numpy().copy()
    u = rng.random(n)
    drift = np.exp(rng.normal(0.0, 0.15, n))
    aum = np.where(is_dup & (u < 0.30) & (aum > 0), (aum * drift).round(), aum).astype(np.int64)
    aum[is_dup & (u >= 0.97)] = -1
    revenue = ent["revenue"].to_numpy().copy()
    revenue[is_dup & (rng.random(n) < 0.5)] = -1
    parent_e = ent["parent"].to_numpy()
    primary = entities["primary_cid"].to_numpy()
    parent = np.where(parent_e >= 0, primary[np.maximum(parent_e, 0)], -1)

    name = ent["name"]
    dup_rows = np.flatnonzero(is_dup)
    if len(dup_rows):
        parts = entities.select(*_PARTS_SCHEMA, "name", "key")[rec_e[dup_rows]].with_columns(
            country=pl.Series(country[dup_rows], dtype=pl.Int64)
        )
        name = name.scatter(dup_rows, _variants(rng, parts, taken))
    if modified is None:
        modified = _epoch(now) - rng.integers(1, 3 * 365 * 1440, n) * 60
    ws_col = np.where(rng.random(n) < 0.015, rng.integers(0, 12, n), -1)
    return pl.DataFrame(
        {
            "cid": cids,
            "entity": rec_e,
            "name": name,
            "parent": parent,
            "country": country,
            "city": city,
            "postal": postal,
            "region_txt": _free_text(rng, REGIONS, _REGION_UNKNOWN, _COUNTRY_REGION[country]),
            "segment": segment,
            "segment_txt": _free_text(rng, SEGMENTS, _SEGMENT_UNKNOWN, segment),
            "aum": aum,
            "revenue": revenue,
            "advisor": pl.Series([None] * n, dtype=pl.String),
            "modified": modified,
            "amt_style": _choice(rng, [0.55, 0.30, 0.15], n),
            "ts_style": _choice(rng, [0.50, 0.30, 0.20], n),
            "ws_col": ws_col,
        },
        schema=_RECORD_SCHEMA,
    )


_RULE_COLUMNS = tuple(SOURCES["whitelist"].column_names)  # blacklist has the same


def _empty_rules() -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.String for c in _RULE_COLUMNS})


def _client_id_strings(cids: np.ndarray) -> pl.Series:
    return "C" + pl.Series(cids, dtype=pl.Int64).cast(pl.String).str.zfill(8)
