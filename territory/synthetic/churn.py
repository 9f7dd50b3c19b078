"""Day-to-day churn: new, changed and removed records, and roster refreshes."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from territory.synthetic.names import (
    _choice,
    _ck,
    _draw_aum,
    _draw_cities,
    _draw_countries,
    _draw_langs,
    _draw_parts,
    _draw_postal,
    _draw_revenue,
    _resolve_names,
    _rng,
)
from territory.synthetic.noise import _free_text
from territory.synthetic.roster import _advisor_frame, _advisor_people, _assign_advisors
from territory.synthetic.vocabulary import (
    _FO,
    _LATE_TERRITORY,
    _REFRESH_EVERY,
    _S_CHURN,
    _S_ROSTER,
    _SEGMENT_UNKNOWN,
    _SEGMENT_WEIGHTS,
    SEGMENTS,
)
from territory.synthetic.world import _epoch, _make_records, _World

# --------------------------------------------------------------------------------------------
# Day-to-day churn
# --------------------------------------------------------------------------------------------


def _churn(world: _World, day_no: int, day: date) -> None:
    """~0.3% removed, ~2% updated, ~0.5% new (80% new companies, 20% new duplicates)."""
    rng = _rng(world.seed, _S_CHURN, day_no)
    rec = world.records
    n0 = rec.height
    keep = np.ones(n0, dtype=bool)
    keep[rng.choice(n0, round(0.003 * n0), replace=False)] = False
    rec = rec.filter(pl.Series(keep))

    # Updates: AUM drift, sometimes a segment change; last_modified moves to today.
    n = rec.height
    up = np.sort(rng.choice(n, round(0.02 * n), replace=False))
    k = len(up)
    now = _epoch(day)
    aum = rec["aum"].to_numpy().copy()
    old = aum[up]
    drifted = np.maximum((old * np.exp(rng.normal(0.005, 0.08, k))).round(), 100)
    fresh = _draw_aum(rng, rec["segment"].to_numpy()[up])
    aum[up] = np.where(old > 0, drifted, np.where(rng.random(k) < 0.3, fresh, -1)).astype(np.int64)
    modified = rec["modified"].to_numpy().copy()
    modified[up] = now + rng.integers(0, 18 * 60, k) * 60
    segment = rec["segment"].to_numpy().copy()
    moved = up[rng.random(k) < 0.1]
    segment[moved] = (segment[moved] + 1 + rng.integers(0, len(SEGMENTS) - 1, len(moved))) % len(
        SEGMENTS
    )
    seg_txt = rec["segment_txt"].clone()
    if len(moved):
        new_txt = _free_text(rng, SEGMENTS, _SEGMENT_UNKNOWN, segment[moved])
        seg_txt = seg_txt.scatter(moved, new_txt)
    rec = rec.with_columns(
        aum=pl.Series(aum, dtype=pl.Int64),
        modified=pl.Series(modified, dtype=pl.Int64),
        segment=pl.Series(segment, dtype=pl.Int64),
        segment_txt=seg_txt,
    )
    reassign = np.union1d(moved[rng.random(len(moved)) < 0.7], up[rng.random(k) < 0.05])
    if len(reassign):
        routed = world.territories.route(
            rec["country"].to_numpy()[reassign], segment[reassign], aum[reassign]
        )
        emails = _assign_advisors(rng, routed, world.territories, world.advisors, world.departed)
        rec = rec.with_columns(advisor=rec["advisor"].clone().scatter(reassign, emails))

    # New records: brand-new companies plus new duplicates of known ones.
    k_new = round(0.005 * n0)
    k_dup = round(0.2 * k_new)
    k_ent = k_new - k_dup
    cids = world.next_cid + rng.permutation(k_new).astype(np.int64)
    world.next_cid += k_new
    entities = world.entities
    n_e = entities.height
    live = rec["cid"].to_numpy()
    if k_ent:
        entities = _new_entities(rng, world, entities, live, cids[:k_ent])
    new_frames = []
    stamps = now + rng.integers(0, 18 * 60, k_new) * 60
    if k_ent:
        new_frames.append(
            _make_records(
                rng,
                entities,
                np.arange(n_e, n_e + k_ent),
                np.zeros(k_ent, dtype=bool),
                cids[:k_ent],
                day,
                world.taken,
                stamps[:k_ent],
            )
        )
    if k_dup:
        of = rec["entity"].to_numpy()[rng.integers(0, n, k_dup)]
        new_frames.append(
            _make_records(
                rng,
                entities,
                of,
                np.ones(k_dup, dtype=bool),
                cids[k_ent:],
                day,
                world.taken,
                stamps[k_ent:],
            )
        )
    if new_frames:
        added = pl.concat(new_frames)
        routed = world.territories.route(
            added["country"].to_numpy(), added["segment"].to_numpy(), added["aum"].to_numpy()
        )
        added = added.with_columns(
            advisor=_assign_advisors(rng, routed, world.territories, world.advisors, world.departed)
        )
        rec = pl.concat([rec, added])
        world.all_records.append(added.select("cid", "entity"))
    world.entities = entities
    world.records = rec


def _new_entities(
    rng: np.random.Generator,
    world: _World,
    entities: pl.DataFrame,
    live: np.ndarray,
    primary: np.ndarray,
) -> pl.DataFrame:
    k = len(primary)
    country = _draw_countries(rng, k)
    segment = _choice(rng, _SEGMENT_WEIGHTS, k)
    if world.profile == "family_offices":
        segment[:] = _FO
    parent = np.full(k, -1, dtype=np.int64)
    level = np.zeros(k, dtype=np.int64)
    # ~10% are subsidiaries of a live top-level company (parent = its primary record).
    pool = np.flatnonzero(
        (entities["level"].to_numpy() == 0) & np.isin(entities["primary_cid"].to_numpy(), live)
    )
    sub = np.flatnonzero(rng.random(k) < 0.1) if len(pool) else np.empty(0, dtype=np.int64)
    parent[sub] = pool[rng.integers(0, len(pool), len(sub))] if len(sub) else parent[sub]
    level[sub] = 1
    same = sub[rng.random(len(sub)) < 0.5]
    country[same] = entities["country"].to_numpy()[parent[same]]
    lang = _draw_langs(rng, country)
    parts = _draw_parts(rng, country, segment, lang, 0)
    priority = np.ones(k, dtype=np.int64)
    parts = _resolve_names(rng, parts, country, segment, lang, priority, world.taken)
    new = parts.with_columns(
        entity=pl.int_range(entities.height, entities.height + k, dtype=pl.Int64),
        country=pl.Series(country, dtype=pl.Int64),
        segment=pl.Series(segment, dtype=pl.Int64),
        lang=pl.Series(lang, dtype=pl.Int64),
        level=pl.Series(level, dtype=pl.Int64),
        parent=pl.Series(parent, dtype=pl.Int64),
        city=pl.Series(_draw_cities(rng, country), dtype=pl.Int64),
        postal=_draw_postal(rng, country),
        aum=pl.Series(_draw_aum(rng, segment), dtype=pl.Int64),
        revenue=pl.Series(_draw_revenue(rng, k), dtype=pl.Int64),
        primary_cid=pl.Series(primary, dtype=pl.Int64),
    ).select(entities.columns)
    world.taken = pl.concat(
        [world.taken, new.select(_ck(pl.col("country"), pl.col("key")).alias("ck")).to_series()]
    )
    return pl.concat([entities, new])


def _refresh_roster(world: _World, day_no: int) -> None:
    """Small roster changes: one advisor deactivated, one added (the first refresh also adds
    a territory and staffs it)."""
    rng = _rng(world.seed, _S_ROSTER, day_no)
    terr = world.territories
    new_terr = None
    if day_no == 1 + _REFRESH_EVERY:
        region, segment = _LATE_TERRITORY
        new_terr = terr.add(region, segment, terr.tiers[0][0])
    adv = world.advisors.with_row_index("i")
    active = adv.filter("is_active")
    crowded = active.group_by("territory_id").len().filter(pl.col("len") > 1)["territory_id"]
    candidates = active.filter(pl.col("territory_id").is_in(crowded.implode()))["i"].sort()
    if len(candidates):
        off = int(candidates[int(rng.integers(len(candidates)))])
        adv = adv.with_columns(is_active=pl.col("is_active") & (pl.col("i") != off))
    t = new_terr if new_terr is not None else int(rng.integers(len(terr.rows)))
    [(email, name)] = _advisor_people(rng, 1, set(adv["advisor_email"].to_list()))
    capacity = int(active["capacity"].median() or 100)
    world.advisors = _advisor_frame(
        {
            "advisor_email": [*adv["advisor_email"], email],
            "full_name": [*adv["full_name"], name],
            "territory_id": [*adv["territory_id"], terr.rows[t]["territory_id"]],
            "capacity": [*adv["capacity"], capacity],
            "is_active": [*adv["is_active"], True],
        }
    )
