"""Company names: the derived lookup tables, the vectorised draws of places, AUM and
name parts, the de-duplication key, and the duplicate variants (typos, abbreviations, swaps)."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from territory.core.errors import ConfigError
from territory.synthetic.vocabulary import (
    _ABBREVIATIONS,
    _ENDINGS,
    _FILLER_WORDS,
    _MIDS,
    _ONSETS,
    _SEGMENT_AUM_FACTOR,
    _SEGMENT_LEGAL_P,
    _TEMPLATES,
    _VOWELS,
    COUNTRIES,
    DESCRIPTORS,
    LEGAL_FAMILIES,
    PLACES,
    REGIONS,
    SEGMENTS,
    SURNAMES,
)

# --------------------------------------------------------------------------------------------
# Derived lookup tables (small, built once at import)
# --------------------------------------------------------------------------------------------

_NC = len(COUNTRIES)
_COUNTRY_NAMES = pl.Series([c.name for c in COUNTRIES], dtype=pl.String)
_COUNTRY_REGION = np.array([REGIONS.index(c.region) for c in COUNTRIES])
_COUNTRY_P = np.array([c.weight for c in COUNTRIES]) / sum(c.weight for c in COUNTRIES)
_CITY_NAMES = pl.Series([city for c in COUNTRIES for city in c.cities], dtype=pl.String)
_CITY_START = np.cumsum([0] + [len(c.cities) for c in COUNTRIES])[:-1]
_LANGS = tuple(SURNAMES)
_SURNAME_FLAT = pl.Series([s for lang in _LANGS for s in SURNAMES[lang]], dtype=pl.String)
_SURNAME_START = np.cumsum([0] + [len(SURNAMES[lang]) for lang in _LANGS])[:-1]
_SURNAME_COUNT = np.array([len(SURNAMES[lang]) for lang in _LANGS])
_FAMILY_NAMES = tuple(LEGAL_FAMILIES)
_LEGAL_FLAT = pl.Series([v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f]], dtype=pl.String)
_FAMILY_START = np.cumsum([0] + [len(LEGAL_FAMILIES[f]) for f in _FAMILY_NAMES])[:-1]
_FAMILY_SIZE = np.array([len(LEGAL_FAMILIES[f]) for f in _FAMILY_NAMES])
_COUNTRY_FAMILIES = [np.array([_FAMILY_NAMES.index(f) for f in c.families]) for c in COUNTRIES]
_TEMPLATE_PREFIX = pl.Series([t[1] for t in _TEMPLATES], dtype=pl.String)
_TEMPLATE_SUFFIX = pl.Series([t[2] for t in _TEMPLATES], dtype=pl.String)
_GEO_FLAT = pl.Series([g for c in COUNTRIES for g in c.geo], dtype=pl.String)
_GEO_START = np.cumsum([0] + [len(c.geo) for c in COUNTRIES])[:-1]
_GEO_COUNT = np.array([len(c.geo) for c in COUNTRIES])

_PARTS_SCHEMA = {
    "prefix": pl.String,
    "stem": pl.String,
    "suffix": pl.String,
    "tag": pl.String,
    "legal_fam": pl.Int16,
    "legal_var": pl.Int16,
    "comma": pl.Boolean,
}


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _gather(values: pl.Series, idx: np.ndarray) -> pl.Series:
    return values.gather(np.asarray(idx, dtype=np.int64))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _vocabulary() -> list[str]:
    """Every string a company name can be assembled from."""
    return [
        *(s for names in SURNAMES.values() for s in names),
        *DESCRIPTORS,
        *PLACES,
        *(city for c in COUNTRIES for city in c.cities),
        *(g for c in COUNTRIES for g in c.geo),
        *(t[1] + t[2] for t in _TEMPLATES),
        *(v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f]),
    ]


@cache
def _fold_map() -> dict[str, str]:
    """Single-character replacements that leave only ASCII letters, digits and spaces."""
    mapping = {".": "", ",": "", "'": "", "’": "", "(": "", ")": "", "&": "and", "-": " "}
    accented = sorted({ch for text in _vocabulary() for ch in text if ord(ch) > 127})
    for ch in accented:
        for variant in sorted({ch, ch.lower(), ch.upper()}):
            if len(variant) == 1:
                mapping.setdefault(variant, _fold(variant))
    return mapping


def _normalised(e: pl.Expr) -> pl.Expr:
    """Lower-case ASCII words: accents folded, punctuation dropped, & spelled "and"."""
    mapping = _fold_map()
    return e.str.replace_many(list(mapping), list(mapping.values())).str.to_lowercase()


@cache
def _generic_regex() -> str:
    """Matches a non-distinctive word (industry, legal form, filler) and the spaces before it."""
    mapping = _fold_map()
    words = (
        [t[1] + " " + t[2] for t in _TEMPLATES]
        + [v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f]]
        + [a for pair in _ABBREVIATIONS for a in pair]
        + list(_FILLER_WORDS)
    )
    tokens = {
        token
        for word in words
        for token in "".join(mapping.get(ch, ch) for ch in word).lower().split()
    }
    alternation = "|".join(sorted(tokens, key=lambda t: (-len(t), t)))
    return rf"(?:^| +)(?:{alternation})(?-u:\b)"


def name_key(e: pl.Expr) -> pl.Expr:
    """The distinctive words of a company name, in order, normalised.

    Legal forms, industry words, case, accents and punctuation are dropped, so two names
    with the same key in one country would be indistinguishable; the generator never gives
    two entities the same key in a country (canonical "A & B" pairs are always drawn in one
    order, so a word-swapped duplicate cannot collide with a real company either).
    """
    return _normalised(e).str.replace_all(_generic_regex(), "").str.strip_chars()


def read_tiers(path: Path) -> tuple[tuple[str, float, float | None], ...]:
    """Tier bands from the dbt seed (`segmentation_tiers.csv`), best tier first."""
    if not path.exists():
        raise ConfigError(f"no segmentation tiers seed at {path}")
    with path.open(newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["priority"]))
    return tuple(
        (r["tier"], float(r["min_aum_usd"]), float(r["max_aum_usd"]) if r["max_aum_usd"] else None)
        for r in rows
    )


# --------------------------------------------------------------------------------------------
# Entities and names
# --------------------------------------------------------------------------------------------


def _groups(values: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(value, row indices) per distinct value, values ascending, rows in order."""
    if len(values) and values.min() >= -1 and values.max() < 32_000:
        values = values.astype(np.int16)  # numpy radix-sorts 16-bit keys: linear time
    order = np.argsort(values, kind="stable")
    uniq, first = np.unique(values[order], return_index=True)
    bounds = np.append(first, len(values))
    return [(int(u), order[bounds[i] : bounds[i + 1]]) for i, u in enumerate(uniq)]


def _choice(rng: np.random.Generator, p: np.ndarray | list[float], size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _draw_countries(rng: np.random.Generator, size: int) -> np.ndarray:
    return _choice(rng, _COUNTRY_P, size)


def _draw_langs(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    lang = np.empty(len(country), dtype=np.int64)
    for c, rows in _groups(country):
        langs = COUNTRIES[c].langs
        pick = _choice(rng, [share for _, share in langs], len(rows))
        lang[rows] = np.array([_LANGS.index(lg) for lg, _ in langs])[pick]
    return lang


def _draw_cities(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    city = np.empty(len(country), dtype=np.int64)
    for c, rows in _groups(country):
        weights = 1.0 / np.arange(1, len(COUNTRIES[c].cities) + 1) ** 0.8  # big cities dominate
        city[rows] = _CITY_START[c] + _choice(rng, weights, len(rows))
    return city


def _draw_postal(rng: np.random.Generator, country: np.ndarray) -> pl.Series:
    pieces = []
    for c, rows in _groups(country):
        fmt = COUNTRIES[c].postal
        if not fmt:  # e.g. UAE and Hong Kong have no postal codes
            pieces.append((rows, pl.Series([None] * len(rows), dtype=pl.String)))
            continue
        codes = np.empty((len(rows), len(fmt)), dtype=np.uint32)
        for j, ch in enumerate(fmt):
            if ch == "9":
                codes[:, j] = 48 + rng.integers(0, 10, len(rows))
            elif ch == "A":
                codes[:, j] = 65 + rng.integers(0, 26, len(rows))
            else:
                codes[:, j] = ord(ch)
        # Code points viewed as fixed-width numpy strings.
        pieces.append((rows, pl.Series(codes.view(f"<U{len(fmt)}")[:, 0], dtype=pl.String)))
    return _assemble_rows(len(country), pieces)


def _draw_aum(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """AUM in cents: lognormal, median about $80M overall, tail into the hundreds of billions."""
    usd = np.exp(rng.normal(np.log(6.5e7), 1.9, len(segment))) * _SEGMENT_AUM_FACTOR[segment]
    cents = (np.clip(usd, 5e4, 9.5e11) * 100).round().astype(np.int64)
    cents[rng.random(len(segment)) < 0.015] = -1  # -1 = blank
    return cents


def _draw_revenue(rng: np.random.Generator, size: int) -> np.ndarray:
    cents = (np.clip(np.exp(rng.normal(np.log(5e6), 1.5, size)), 1e4, 5e10) * 100).round()
    cents = cents.astype(np.int64)
    cents[rng.random(size) < 0.6] = -1  # the CRM rarely has revenue
    return cents


def _draw_brands(rng: np.random.Generator, size: int, long_share: float) -> pl.Series:
    """Invented brand words from syllables ("Velorant", "Kastrovix")."""

    def pick(vocab: tuple[str, ...]) -> pl.Series:
        return _gather(pl.Series(vocab, dtype=pl.String), rng.integers(0, len(vocab), size))

    short = pick(_ONSETS) + pick(_VOWELS) + pick(_MIDS)
    extra = pick(_VOWELS) + pick(_MIDS)
    word = (short + extra).zip_with(pl.Series(rng.random(size) < long_share), short) + pick(
        _ENDINGS
    )
    return word.str.slice(0, 1).str.to_uppercase() + word.str.slice(1)


def _assemble_rows(n: int, pieces: list[tuple[np.ndarray, pl.Series]]) -> pl.Series:
    """One Series of length n from (rows, values) pieces that cover every row once."""
    if not pieces:
        return pl.Series([None] * n, dtype=pl.String)
    rows = np.concatenate([r for r, _ in pieces])
    where = np.empty(n, dtype=np.int64)
    where[rows] = np.arange(n)
    return pl.concat([v.cast(pl.String) for _, v in pieces]).gather(where)


def _pair(
    rng: np.random.Generator, start: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two different indices per row within [start, start + count), smaller first, so each
    unordered pair has one canonical spelling ("A & B", never also "B & A")."""
    n = len(start)
    a = (rng.random(n) * count).astype(np.int64)
    b = (a + 1 + (rng.random(n) * np.maximum(count - 1, 1)).astype(np.int64)) % count
    return start + np.minimum(a, b), start + np.maximum(a, b)


_DESCRIPTOR_S = pl.Series(DESCRIPTORS, dtype=pl.String)
_PLACE_S = pl.Series(PLACES, dtype=pl.String)


def _draw_stems(
    rng: np.random.Generator, lang: np.ndarray, country: np.ndarray, attempt: int
) -> pl.Series:
    """The distinctive part of a name: surnames, places, descriptors or an invented brand."""
    if attempt == 0:
        p = [0.20, 0.17, 0.13, 0.40, 0.10]
    elif attempt < 4:
        p = [0.05, 0.15, 0.05, 0.70, 0.05]
    else:
        p = [0.0, 0.0, 0.0, 1.0, 0.0]  # the brand space is huge, so this always converges
    pattern = _choice(rng, p, len(lang))
    pieces: list[tuple[np.ndarray, pl.Series]] = []
    for k, rows in _groups(pattern):
        m = len(rows)
        start, count = _SURNAME_START[lang[rows]], _SURNAME_COUNT[lang[rows]]
        surname = _gather(_SURNAME_FLAT, start + (rng.random(m) * count).astype(np.int64))
        if k == 0:  # "Harper"
            stem = surname
        elif k == 1:  # "Crawford & Cooper"
            a, b = _pair(rng, start, count)
            stem = _gather(_SURNAME_FLAT, a) + " & " + _gather(_SURNAME_FLAT, b)
        elif k == 2:  # "Granite Harbor", "Zürich", "Hudson"
            a, b = _pair(rng, np.zeros(m, dtype=np.int64), np.full(m, len(DESCRIPTORS)))
            two = _gather(_DESCRIPTOR_S, a) + " " + _gather(_DESCRIPTOR_S, b)
            city = _gather(_CITY_NAMES, _draw_cities(rng, country[rows]))
            place = _gather(_PLACE_S, rng.integers(0, len(PLACES), m))
            place = city.zip_with(pl.Series(rng.random(m) < 0.4), place)
            stem = two.zip_with(pl.Series(rng.random(m) < 0.35), place)
        elif k == 3:  # "Velorant"
            stem = _draw_brands(rng, m, 0.3 if attempt < 4 else 1.0)
        else:  # "Harper Ridge"
            stem = surname + " " + _gather(_DESCRIPTOR_S, rng.integers(0, len(DESCRIPTORS), m))
        pieces.append((rows, stem))
    return _assemble_rows(len(lang), pieces)


def _draw_templates(rng: np.random.Generator, segment: np.ndarray, lang: np.ndarray) -> np.ndarray:
    out = np.empty(len(segment), dtype=np.int64)
    for combo, rows in _groups(segment * len(_LANGS) + lang):
        seg, lg = SEGMENTS[combo // len(_LANGS)], _LANGS[combo % len(_LANGS)]
        allowed = [i for i, t in enumerate(_TEMPLATES) if t[0] == seg and t[4] in ("", lg)]
        weights = [_TEMPLATES[i][3] for i in allowed]
        out[rows] = np.array(allowed)[_choice(rng, weights, len(rows))]
    return out


def _draw_legal(
    rng: np.random.Generator, country: np.ndarray, segment: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Legal suffix family (-1 = none) and variant index, by country habits."""
    n = len(country)
    fam = np.full(n, -1, dtype=np.int64)
    u = rng.random(n) ** 1.6  # skew towards the country's most common family
    for c, rows in _groups(country):
        families = _COUNTRY_FAMILIES[c]
        fam[rows] = families[(u[rows] * len(families)).astype(np.int64)]
    fam[rng.random(n) >= _SEGMENT_LEGAL_P[segment]] = -1
    var = np.where(rng.random(n) < 0.75, 0, (rng.random(n) * _FAMILY_SIZE[fam]).astype(np.int64))
    var[fam < 0] = 0
    return fam, var


def _draw_parts(
    rng: np.random.Generator,
    country: np.ndarray,
    segment: np.ndarray,
    lang: np.ndarray,
    attempt: int,
) -> pl.DataFrame:
    n = len(country)
    template = _draw_templates(rng, segment, lang)
    fam, var = _draw_legal(rng, country, segment)
    return pl.DataFrame(
        {
            "prefix": _gather(_TEMPLATE_PREFIX, template),
            "stem": _draw_stems(rng, lang, country, attempt),
            "suffix": _gather(_TEMPLATE_SUFFIX, template),
            "tag": pl.Series([""] * n, dtype=pl.String),
            "legal_fam": fam,
            "legal_var": var,
            "comma": rng.random(n) < 0.08,
        },
        schema=_PARTS_SCHEMA,
    )


# " Inc", ", Inc", " Inc.", ... then "" for no legal suffix; see _legal_part.
_LEGAL_PARTS = pl.Series(
    [sep + v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f] for sep in (" ", ", ")] + [""],
    dtype=pl.String,
)


def _legal_part(fam: np.ndarray, var: np.ndarray, comma: np.ndarray) -> pl.Series:
    fam = fam.astype(np.int64)
    flat = _FAMILY_START[np.maximum(fam, 0)] + var.astype(np.int64)
    return _gather(_LEGAL_PARTS, np.where(fam >= 0, 2 * flat + comma, len(_LEGAL_PARTS) - 1))


def _core_expr() -> pl.Expr:
    return pl.concat_str(["prefix", "stem", "suffix", "tag"])


def _names(parts: pl.DataFrame) -> pl.Series:
    legal = _legal_part(
        parts["legal_fam"].to_numpy(), parts["legal_var"].to_numpy(), parts["comma"].to_numpy()
    )
    return parts.select(_core_expr().alias("name"))["name"] + legal


def _with_name_and_key(parts: pl.DataFrame) -> pl.DataFrame:
    # Prefix, suffix and legal form are generic words by construction, so the key of the
    # whole name is the key of stem + tag (shorter strings, same answer).
    key = parts.select(name_key(pl.concat_str(["stem", "tag"])).alias("key"))["key"]
    return parts.with_columns(name=_names(parts), key=key)


def _ck(country: pl.Expr, key: pl.Expr) -> pl.Expr:
    """(country, key) as one 64-bit hash: membership tests on integers are cheap. A collision
    can only make a name look taken (and be redrawn), never let a clash through."""
    return pl.struct(country.cast(pl.Int64).alias("c"), key.alias("k")).hash(20260105)


def _resolve_names(
    rng: np.random.Generator,
    parts: pl.DataFrame,
    country: np.ndarray,
    segment: np.ndarray,
    lang: np.ndarray,
    priority: np.ndarray,
    taken: pl.Series,
) -> pl.DataFrame:
    """Redraw names until no two entities (nor an existing one) share a country and key."""
    pending = _with_name_and_key(parts).with_columns(
        row=pl.int_range(pl.len(), dtype=pl.Int64),
        country=pl.Series(country, dtype=pl.Int64),
        priority=pl.Series(priority, dtype=pl.Int64),
    )
    accepted: list[pl.DataFrame] = []
    for attempt in range(1, 40):
        ranked = pending.sort("priority", "row").with_columns(
            ck=_ck(pl.col("country"), pl.col("key"))
        )
        ok = (
            (pl.col("key") != "")
            & ~pl.col("ck").is_in(taken.implode())
            & pl.col("ck").is_first_distinct()
        )
        ranked = ranked.with_columns(ok=ok)
        good = ranked.filter("ok")
        accepted.append(good.drop("ck", "ok"))
        taken = pl.concat([taken, good["ck"].rename(taken.name)])
        bad = ranked.filter(~pl.col("ok")).sort("row")
        if bad.is_empty():
            break
        rows = bad["row"].to_numpy()
        fresh = _with_name_and_key(
            _draw_parts(rng, country[rows], segment[rows], lang[rows], attempt)
        )
        pending = fresh.with_columns(
            row=bad["row"], country=bad["country"], priority=pl.lit(1, dtype=pl.Int64)
        )
    else:
        raise RuntimeError("could not draw unique company names")
    return pl.concat(accepted).sort("row").drop("row", "country", "priority")


def _typo(rng: np.random.Generator, s: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """One swap/drop/replace at a pair of lower-case letters (so never a word's first
    letter); returns the edited strings and which rows had a place for it."""
    m = len(s)
    span = np.maximum(s.str.len_chars().to_numpy() - 2, 1)
    frame = pl.DataFrame(
        {
            "s": s,
            **{f"c{i}": 1 + (rng.random(m) * span).astype(np.int64) for i in range(3)},
            "kind": rng.integers(0, 3, m),
            "letter": _gather(pl.Series(list("aeiounrstlcmdhp")), rng.integers(0, 15, m)),
        }
    )
    s_ = pl.col("s")
    frame = frame.with_columns(pl.col(f"c{i}").alias(f"ok{i}") for i in range(3)).with_columns(
        s_.str.slice(pl.col(f"c{i}"), 2).str.contains(r"^\p{Ll}{2}$").alias(f"ok{i}")
        for i in range(3)
    )
    frame = frame.with_columns(
        pos=pl.when("ok0").then("c0").when("ok1").then("c1").when("ok2").then("c2")
    )
    pos = pl.col("pos")
    frame = frame.with_columns(
        head=s_.str.slice(0, pos),
        a=s_.str.slice(pos, 1),
        b=s_.str.slice(pos + 1, 1),
        tail=s_.str.slice(pos + 2),
    )
    a, b, head, tail, letter = (pl.col(c) for c in ("a", "b", "head", "tail", "letter"))
    edited = frame.select(
        pl.when(pos.is_null())
        .then(s_)
        .when((pl.col("kind") == 0) & (a != b))
        .then(pl.concat_str([head, b, a, tail]))
        .when((pl.col("kind") == 2) & (letter != a))
        .then(pl.concat_str([head, letter, b, tail]))
        .otherwise(pl.concat_str([head, b, tail]))
        .alias("s")
    )["s"]
    return edited, frame["pos"].is_not_null().to_numpy()


_SWAP_AMP = r"^(\S+) & (\S+)$"
_SWAP_WORDS = r"^(\p{Lu}\S*) (\p{Lu}\S*)$"
_ABBREVIABLE = r"\b(?:" + "|".join(a for a, _ in _ABBREVIATIONS) + r")\b"


def _abbreviate(s: pl.Series) -> pl.Series:
    for word, short in _ABBREVIATIONS:
        s = s.str.replace_all(rf"\b{word}\b", short)
    return s


def _swap_and(s: pl.Series) -> pl.Series:
    to_word = s.str.replace(" & ", " and ", literal=True)
    return to_word.zip_with(s.str.contains(" & ", literal=True), s.str.replace(" and ", " & "))


def _swap_words(stem: pl.Series) -> pl.Series:
    """ "Crawford & Cooper" -> "Cooper & Crawford", "Harper Ridge" -> "Ridge Harper"."""
    around_amp = stem.str.replace(_SWAP_AMP, "${2} & ${1}")
    swapped = stem.str.replace(_SWAP_WORDS, "${2} ${1}")
    return around_amp.zip_with(stem.str.contains(_SWAP_AMP), swapped)


def _variants(rng: np.random.Generator, parts: pl.DataFrame, taken: pl.Series) -> pl.Series:
    """Recognisable name variants for duplicate CRM records of one company.

    ``parts`` holds the entity's name parts, ``name`` and ``key`` plus the record's
    ``country``. Each variant gets one or two edits: legal-suffix variant or drop, case and
    punctuation noise, a typo, an abbreviation, "&" <-> "and", or two words swapped. A variant
    whose key would name another company in that country falls back to the canonical name,
    so ground truth stays knowable.
    """
    n = parts.height
    if n == 0:
        return pl.Series("name", [], dtype=pl.String)
    # 0 none, 1 legal suffix, 2 case/punctuation, 3 typo, 4 abbreviation, 5 &/and, 6 swap
    weights = [0.08, 0.28, 0.20, 0.20, 0.10, 0.06, 0.08]
    first = _choice(rng, weights, n)
    second = np.where(rng.random(n) < 0.4, _choice(rng, weights, n), 0)
    second[second == first] = 0
    want = [(first == t) | (second == t) for t in range(len(weights))]
    fallback = np.zeros(n, dtype=bool)  # edit had nowhere to apply: vary the suffix instead

    def edit(
        text: pl.Series, t: int, applies: str, fn: Callable[[pl.Series], pl.Series]
    ) -> pl.Series:
        rows = np.flatnonzero(want[t])
        if not len(rows):
            return text
        sub = text.gather(rows)
        ok = sub.str.contains(applies).to_numpy()
        fallback[rows[~ok]] = True
        rows, sub = rows[ok], sub.filter(pl.Series(ok))
        return text.scatter(rows, fn(sub)) if len(rows) else text

    # Word swaps stay inside the distinctive stem so the result still reads as a name.
    stem = edit(parts["stem"].clone(), 6, f"{_SWAP_AMP}|{_SWAP_WORDS}", _swap_words)
    core = parts.with_columns(stem=stem).select(_core_expr().alias("name"))["name"]
    core = edit(core, 4, _ABBREVIABLE, _abbreviate)
    core = edit(core, 5, r" (?:&|and) ", _swap_and)
    typo_rows = np.flatnonzero(want[3])
    if len(typo_rows):
        edited, ok = _typo(rng, core.gather(typo_rows))
        core = core.scatter(typo_rows, edited)
        fallback[typo_rows[~ok]] = True

    # Legal suffix: another spelling of the same family, dropped, or added when absent.
    fam = parts["legal_fam"].to_numpy().astype(np.int64)
    var = parts["legal_var"].to_numpy().astype(np.int64)
    size = _FAMILY_SIZE[np.maximum(fam, 0)]
    other = (var + 1 + (rng.random(n) * np.maximum(size - 1, 1)).astype(np.int64)) % size
    drop = (rng.random(n) < 0.4) | (size == 1)
    native = np.array([_COUNTRY_FAMILIES[c][0] for c in range(_NC)])[parts["country"].to_numpy()]
    vary = want[1] | fallback
    new_fam = np.where(fam >= 0, np.where(drop, -1, fam), native)
    new_var = np.where(fam >= 0, np.where(drop, 0, other), 0)
    fam, var = np.where(vary, new_fam, fam), np.where(vary, new_var, var)
    # Case and punctuation noise: 0 upper, 1 lower, 2 no dots/commas, 3 double space, 4 comma.
    noise = np.where(want[2], _choice(rng, [0.25, 0.15, 0.25, 0.15, 0.20], n), -1)
    noise[(noise == 4) & (fam < 0)] = 3
    comma = parts["comma"].to_numpy() ^ (noise == 4)
    name = core + _legal_part(fam, var, comma)
    for value, fn in (
        (0, lambda s: s.str.to_uppercase()),
        (1, lambda s: s.str.to_lowercase()),
        (2, lambda s: s.str.replace_all(r"[.,]", "")),
        (3, lambda s: s.str.replace(" ", "  ", literal=True)),
    ):
        rows = np.flatnonzero(noise == value)
        if len(rows):
            name = name.scatter(rows, fn(name.gather(rows)))

    check = pl.DataFrame({"name": name, "key": parts["key"], "country": parts["country"]})
    check = check.with_columns(vkey=name_key(pl.col("name")), row=pl.int_range(pl.len()))
    changed = check.filter(pl.col("vkey") != pl.col("key"))
    hit = changed.filter(_ck(pl.col("country"), pl.col("vkey")).is_in(taken.implode()))
    clash = np.zeros(n, dtype=bool)
    clash[hit["row"].to_numpy()] = True
    return parts["name"].zip_with(pl.Series(clash), name).rename("name")
