"""Free-text noise: the CRM's spelling variants of regions and segments."""

from __future__ import annotations

import numpy as np
import polars as pl

from territory.synthetic.names import _choice, _gather

# --------------------------------------------------------------------------------------------
# Free-text noise
# --------------------------------------------------------------------------------------------


def _text_variants(canonical: str) -> list[str]:
    return [
        canonical,
        canonical.lower(),
        canonical.upper(),
        canonical.capitalize(),
        f" {canonical.lower()} ",
        f"{canonical} ",
        f" {canonical}",
    ]


_TEXT_VARIANT_P = [0.80, 0.05, 0.04, 0.04, 0.03, 0.02, 0.02]


def _free_text(
    rng: np.random.Generator,
    canon: tuple[str, ...],
    unknown: tuple[str | None, ...],
    index: np.ndarray,
) -> pl.Series:
    """CRM free text for a canonical value: case/whitespace noise, ~0.5% unknown or blank."""
    n = len(index)
    table = pl.Series([v for c in canon for v in _text_variants(c)], dtype=pl.String)
    text = _gather(table, index * len(_TEXT_VARIANT_P) + _choice(rng, _TEXT_VARIANT_P, n))
    junk = _gather(pl.Series(unknown, dtype=pl.String), rng.integers(0, len(unknown), n))
    return junk.zip_with(pl.Series(rng.random(n) < 0.005), text)
