"""Territories, routing and advisors: the initial roster and the advisor assignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from loaders.sources import SOURCES
from territory.synthetic.names import _COUNTRY_REGION, _choice, _fold, _gather
from territory.synthetic.vocabulary import (
    _ADVISOR_DOMAIN,
    _FIRST_NAMES,
    _TIERED,
    REGION_CODES,
    REGIONS,
    SEGMENT_CODES,
    SEGMENTS,
    SURNAMES,
)

# --------------------------------------------------------------------------------------------
# Territories, routing, advisors
# --------------------------------------------------------------------------------------------


@dataclass
class _Territories:
    rows: list[dict[str, str | None]]
    tiers: tuple[tuple[str, float, float | None], ...]

    def route_table(self) -> np.ndarray:
        """[region, segment, tier] -> territory row; tier index len(tiers) = unknown AUM."""
        ids = {r["territory_id"]: i for i, r in enumerate(self.rows)}
        table = np.empty((len(REGIONS), len(SEGMENTS), len(self.tiers) + 1), dtype=np.int64)
        for ri, rc in enumerate(REGION_CODES):
            for si, sc in enumerate(SEGMENT_CODES):
                default = ids[f"{rc}-{sc}"]
                table[ri, si, :] = default
                for ti, (tier, _, _) in enumerate(self.tiers):
                    table[ri, si, ti] = ids.get(f"{rc}-{sc}-{tier.upper()}", default)
        return table

    def tier_index(self, aum_cents: np.ndarray) -> np.ndarray:
        tier = np.full(len(aum_cents), len(self.tiers), dtype=np.int64)
        usd = aum_cents / 100.0
        for ti in reversed(range(len(self.tiers))):  # best tier written last wins
            _, lo, hi = self.tiers[ti]
            inside = (aum_cents >= 0) & (usd >= lo) & ((usd < hi) if hi is not None else True)
            tier[inside] = ti
        return tier

    def route(self, country: np.ndarray, segment: np.ndarray, aum: np.ndarray) -> np.ndarray:
        return self.route_table()[_COUNTRY_REGION[country], segment, self.tier_index(aum)]

    def add(self, region: str, segment: str, tier: str) -> int:
        rc, sc = REGION_CODES[REGIONS.index(region)], SEGMENT_CODES[SEGMENTS.index(segment)]
        self.rows.append(
            {
                "territory_id": f"{rc}-{sc}-{tier.upper()}",
                "territory_name": f"{region} {segment} {tier}",
                "region": region,
                "segment": segment,
                "tier": tier,
            }
        )
        return len(self.rows) - 1

    def frame(self) -> pl.DataFrame:
        schema = dict.fromkeys(SOURCES["territories"].column_names, pl.String)
        return pl.DataFrame(self.rows, schema=schema)


def _initial_territories(tiers: tuple[tuple[str, float, float | None], ...]) -> _Territories:
    territories = _Territories(rows=[], tiers=tiers)
    for region, rc in zip(REGIONS, REGION_CODES, strict=True):
        for segment, sc in zip(SEGMENTS, SEGMENT_CODES, strict=True):
            territories.rows.append(
                {
                    "territory_id": f"{rc}-{sc}",
                    "territory_name": f"{region} {segment}",
                    "region": region,
                    "segment": segment,
                    "tier": None,
                }
            )
            if segment in _TIERED.get(region, ()):
                for tier, _, _ in tiers[:2]:
                    territories.add(region, segment, tier)
    return territories


def _advisor_people(rng: np.random.Generator, count: int, avoid: set[str]) -> list[tuple[str, str]]:
    """(email, full name) pairs with emails unique and not in ``avoid``."""
    last_names = [s for lang in ("en", "de", "fr", "it", "es", "ja", "zh") for s in SURNAMES[lang]]
    people: list[tuple[str, str]] = []
    while len(people) < count:
        first = _FIRST_NAMES[int(rng.integers(len(_FIRST_NAMES)))]
        last = last_names[int(rng.integers(len(last_names)))]
        local = _fold(f"{first}.{last}").lower().replace(" ", "").replace("'", "")
        email = f"{local}@{_ADVISOR_DOMAIN}"
        suffix = 2
        while email in avoid:
            email = f"{local}{suffix}@{_ADVISOR_DOMAIN}"
            suffix += 1
        avoid.add(email)
        people.append((email, f"{first} {last}"))
    return people


def _initial_advisors(
    rng: np.random.Generator, territories: _Territories, routed: np.ndarray, clients: int
) -> tuple[pl.DataFrame, list[str]]:
    """Roster with capacity ~1.1x clients overall but uneven, so some territories overflow."""
    n_terr = len(territories.rows)
    per_terr = _choice(rng, [0.20, 0.35, 0.30, 0.15], n_terr) + 1
    demand = np.bincount(routed, minlength=n_terr).astype(float)
    target = np.maximum(demand, 5.0) * np.exp(rng.normal(0.0, 0.3, n_terr))
    target *= 1.1 * max(clients, 1) / target.sum()
    taken: set[str] = set()
    emails: list[str] = []
    names: list[str] = []
    home: list[int] = []
    capacity: list[int] = []
    for t in range(n_terr):
        share = rng.dirichlet(np.full(per_terr[t], 2.0))
        people = _advisor_people(rng, int(per_terr[t]), taken)
        for (email, name), s in zip(people, share, strict=True):
            emails.append(email)
            names.append(name)
            home.append(t)
            capacity.append(max(1, round(float(target[t] * s))))
    active = [True] * len(emails)
    # ~5% inactive, only where the territory keeps another advisor.
    crowded = [i for i, t in enumerate(home) if per_terr[t] > 1]
    n_inactive = min(len(crowded), max(1, round(0.05 * len(emails))))
    if crowded:
        for i in rng.choice(crowded, n_inactive, replace=False).tolist():
            active[i] = False
    # One or two advisors also cover a second territory of the same region (same email twice).
    for i in sorted(rng.choice(len(emails), 1 if len(emails) < 100 else 2, replace=False).tolist()):
        region = territories.rows[home[i]]["region"]
        others = [
            j for j, r in enumerate(territories.rows) if r["region"] == region and j != home[i]
        ]
        emails.append(emails[i])
        names.append(names[i])
        home.append(others[int(rng.integers(len(others)))])
        capacity.append(max(1, capacity[i] // 3))
        active.append(True)
    departed = [email for email, _ in _advisor_people(rng, 25, set(taken))]
    frame = _advisor_frame(
        {
            "advisor_email": emails,
            "full_name": names,
            "territory_id": [territories.rows[t]["territory_id"] for t in home],
            "capacity": capacity,
            "is_active": active,
        }
    )
    return frame, departed


def _advisor_frame(columns: dict[str, list]) -> pl.DataFrame:
    schema = {
        "advisor_email": pl.String,
        "full_name": pl.String,
        "territory_id": pl.String,
        "capacity": pl.Int64,
        "is_active": pl.Boolean,
    }
    return pl.DataFrame(columns, schema=schema).sort("territory_id", "advisor_email")


def _assign_advisors(
    rng: np.random.Generator,
    territory: np.ndarray,
    territories: _Territories,
    advisors: pl.DataFrame,
    departed: list[str],
) -> pl.Series:
    """An advisor of the record's routed territory; ~15% blank, ~3% someone not on the roster."""
    n = len(territory)
    ids = [r["territory_id"] for r in territories.rows]
    pos = {tid: i for i, tid in enumerate(ids)}
    roster = (
        advisors.with_columns(
            t=pl.col("territory_id").replace_strict(pos, default=-1, return_dtype=pl.Int64)
        )
        .filter(pl.col("t") >= 0)
        .sort("t", "advisor_email")
    )
    t_of = roster["t"].to_numpy()
    count = np.bincount(t_of, minlength=len(ids))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    idx = start[territory] + (rng.random(n) * np.maximum(count[territory], 1)).astype(np.int64)
    email = _gather(roster["advisor_email"], np.minimum(idx, max(roster.height - 1, 0)))
    u = rng.random(n)
    stale = _gather(pl.Series(departed, dtype=pl.String), rng.integers(0, len(departed), n))
    email = stale.zip_with(pl.Series(u < 0.18), email)
    blank = np.flatnonzero((u < 0.15) | (count[territory] == 0))
    return email.scatter(blank, None) if len(blank) else email
