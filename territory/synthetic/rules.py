"""Sales-ops rules: whitelist and blacklist rows over the simulated clients."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from territory.synthetic.names import _choice, _gather, _rng
from territory.synthetic.vocabulary import (
    _BLACKLIST_REASONS,
    _HORIZON_DAYS,
    _S_RULES,
    _UNKNOWN_TERRITORIES,
    _WHITELIST_REASONS,
)
from territory.synthetic.world import _RULE_COLUMNS, _client_id_strings, _World

# --------------------------------------------------------------------------------------------
# Sales-ops rules
# --------------------------------------------------------------------------------------------


def _rule_dates(
    rng: np.random.Generator, anchor: date, category: np.ndarray
) -> tuple[pl.Series, pl.Series]:
    """ISO from/to dates around the run; categories: 0 expired, 1 open-ended and active,
    2 bounded and active, 3 future, 4 starting within the run."""
    n = len(category)
    h = _HORIZON_DAYS
    frm = np.zeros(n, dtype=np.int64)
    to = np.zeros(n, dtype=np.int64)
    has_to = np.zeros(n, dtype=bool)
    expired_to = -rng.integers(1, 60, n)
    frm = np.select(
        [category == 0, category == 1, category == 2, category == 3],
        [
            expired_to - rng.integers(30, 365, n),
            -rng.integers(0, 365, n),
            -rng.integers(0, 180, n),
            h + rng.integers(1, 90, n),
        ],
        default=rng.integers(1, h, n),
    )
    future_to = rng.random(n) < 0.5
    to = np.select(
        [category == 0, category == 2, category == 3],
        [expired_to, h + rng.integers(0, 365, n), frm + rng.integers(30, 365, n)],
        default=0,
    )
    has_to = (category == 0) | (category == 2) | ((category == 3) & future_to)
    base = np.datetime64(anchor.isoformat(), "D")
    frm_s = pl.Series((base + frm).astype(str), dtype=pl.String)
    to_s = pl.Series((base + to).astype(str), dtype=pl.String)
    if (~has_to).any():
        to_s = to_s.scatter(np.flatnonzero(~has_to), None)
    return frm_s, to_s


def _rules(
    rng: np.random.Generator,
    client: pl.Series,
    territory: pl.Series,
    category: np.ndarray,
    anchor: date,
    reasons: tuple[str, ...],
) -> pl.DataFrame:
    frm, to = _rule_dates(rng, anchor, category)
    pick = rng.integers(0, len(reasons), len(client))
    reason = _gather(pl.Series(reasons, dtype=pl.String), pick)
    return pl.DataFrame(
        {
            "rule_id": pl.Series([None] * len(client), dtype=pl.String),
            "client_id": client,
            "territory_id": territory,
            "effective_from": frm,
            "effective_to": to,
            "reason": reason,
        },
        schema={c: pl.String for c in _RULE_COLUMNS},
    )


def _add_rules(world: _World, day_no: int, day: date) -> None:
    """Day 1: ~0.5% whitelisted, ~0.3% blacklisted, with conflicts, orphans and clashes.
    Refresh days: a few more entries; the files stay cumulative."""
    rng = _rng(world.seed, _S_RULES, day_no)
    rec = world.records
    n = rec.height
    first = day_no == 1
    n_white = min(n // 2, max(2, round((0.005 if first else 0.0005) * n)))
    n_black = min(n // 4, max(2, round((0.003 if first else 0.0003) * n)))
    if n_white + n_black == 0:
        return
    terr = world.territories
    ids = pl.Series([r["territory_id"] for r in terr.rows], dtype=pl.String)
    n_terr = len(ids)
    pick = rng.choice(n, n_white + n_black, replace=False)
    w_idx, b_idx = pick[:n_white], pick[n_white:]
    country, segment, aum = (rec[c].to_numpy()[pick] for c in ("country", "segment", "aum"))
    routed = terr.route(country, segment, aum)
    w_route, b_route = routed[:n_white], routed[n_white:]
    cids = rec["cid"].to_numpy()

    # Whitelist: pinned to some territory other than the natural one.
    w_terr = (w_route + 1 + rng.integers(0, n_terr - 1, n_white)) % n_terr
    w_cat = _choice(rng, [0.20, 0.30, 0.25, 0.15, 0.10], n_white)
    b_cat = _choice(rng, [0.10, 0.60, 0.15, 0.10, 0.05], n_black)
    n_conflict = max(1, n_white // 20) if first else 0
    n_clash = min(n_black, max(1, n_black // 10)) if first else 0
    w_cat[:n_conflict] = 1  # conflicts and clashes need active entries
    b_cat[:n_clash] = 1
    frames = [
        _rules(
            rng,
            _client_id_strings(cids[w_idx]),
            _gather(ids, w_terr),
            w_cat,
            day,
            _WHITELIST_REASONS,
        )
    ]
    if n_conflict:
        # Same client, a second active pin to yet another territory.
        c_terr = (w_terr[:n_conflict] + 1 + rng.integers(0, n_terr - 2, n_conflict)) % n_terr
        c_terr = np.where(c_terr == w_route[:n_conflict], (c_terr + 1) % n_terr, c_terr)
        c_terr = np.where(c_terr == w_terr[:n_conflict], (c_terr + 1) % n_terr, c_terr)
        frames.append(
            _rules(
                rng,
                _client_id_strings(cids[w_idx[:n_conflict]]),
                _gather(ids, c_terr),
                np.ones(n_conflict, dtype=np.int64),
                day,
                _WHITELIST_REASONS,
            )
        )
    blacklist = _rules(
        rng, _client_id_strings(cids[b_idx]), _gather(ids, b_route), b_cat, day, _BLACKLIST_REASONS
    )
    if n_clash:
        # The same (client, territory) both whitelisted and blacklisted.
        frames.append(
            blacklist.head(n_clash).with_columns(
                effective_to=pl.lit(None, dtype=pl.String),
                reason=pl.lit(_WHITELIST_REASONS[0]),
            )
        )
    if first:
        n_orphan = max(1, n_white // 50)
        unknown_terr = _gather(
            pl.Series(_UNKNOWN_TERRITORIES), rng.integers(0, len(_UNKNOWN_TERRITORIES), n_orphan)
        )
        frames.append(
            _rules(
                rng,
                _client_id_strings(cids[rng.integers(0, n, n_orphan)]),
                unknown_terr,
                np.ones(n_orphan, dtype=np.int64),
                day,
                _WHITELIST_REASONS,
            )
        )
        # Client numbers from 90,000,000 up are never issued by the simulated CRM.
        ghosts = 90_000_000 + rng.choice(9_999_999, n_orphan, replace=False)
        frames.append(
            _rules(
                rng,
                _client_id_strings(ghosts),
                _gather(ids, rng.integers(0, n_terr, n_orphan)),
                np.ones(n_orphan, dtype=np.int64),
                day,
                _WHITELIST_REASONS,
            )
        )
    key = ["client_id", "territory_id", "effective_from"]
    world.whitelist = _named(
        pl.concat([world.whitelist, *frames]).unique(subset=key, keep="first", maintain_order=True),
        "WL",
    ).sort(key)
    world.blacklist = _named(
        pl.concat([world.blacklist, blacklist]).unique(
            subset=key, keep="first", maintain_order=True
        ),
        "BL",
    ).sort(key)


def _named(rules: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Sales-ops name three rules in four (WL-00001, ...), numbered in the order they were
    added, so a refresh day's file keeps every earlier name; the fourth is left blank, as a
    person would, and gets the default id."""
    number = pl.int_range(1, pl.len() + 1)
    given = pl.format(f"{prefix}-{{}}", number.cast(pl.String).str.zfill(5))
    return rules.with_columns(
        rule_id=pl.when(pl.col("rule_id").is_not_null() | (number % 4 == 0))
        .then(pl.col("rule_id"))
        .otherwise(given)
    )
