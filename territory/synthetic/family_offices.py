"""The ``family_offices`` profile: person-named family offices and trusts, noisy records.

Entities are named after people ("Johann Müller Family Office", "The Smith Family Trust",
"Müller & Weber Private Office", "J. A. Tanaka Family Holdings"). The person part of a name
is unique per country, except for ~2.5% namesakes: distinct entities that copy another
entity's family-name-only name in the same country ("The Smith Family Trust" twice), told
apart only by city, postcode and AUM.

Every CRM record gets its noise once, when it first appears, and keeps it on later days
(churn never renames a record): duplicates often, primary records rarely, so every field has
typos. Name: one-character typos (substitute, delete, insert, transpose) in a surname or a
given name, a given name cut to its initial or dropped, a middle initial dropped, tokens
transposed ("Müller Johann Family Office", "Family Office Müller"), another form word ("FO",
"Fam. Trust", "Family Office Ltd"), "The " toggled, accents dropped, case. City: typos,
accents dropped, blanks. Postcode: a character changed, two transposed, blanks. AUM: blank
on about half the records; postcode blank on about a tenth.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from territory.synthetic.names import (
    _CITY_NAMES,
    _CITY_START,
    _LANGS,
    _SURNAME_COUNT,
    _SURNAME_FLAT,
    _SURNAME_START,
    _choice,
    _ck,
    _gather,
    _groups,
    _normalised,
    _pair,
    _rng,
)
from territory.synthetic.vocabulary import (
    _FO_FORMS,
    _S_PROFILE,
    COUNTRIES,
    GIVEN_NAMES,
    LEGAL_FAMILIES,
    SURNAMES,
)
from territory.synthetic.world import _World

PROFILE = "family_offices"

# --------------------------------------------------------------------------------------------
# Lookup tables
# --------------------------------------------------------------------------------------------

_GIVEN_FLAT = pl.Series([g for lang in _LANGS for g in GIVEN_NAMES[lang]], dtype=pl.String)
_GIVEN_START = np.cumsum([0] + [len(GIVEN_NAMES[lang]) for lang in _LANGS])[:-1]
_GIVEN_COUNT = np.array([len(GIVEN_NAMES[lang]) for lang in _LANGS])
_FORM_P = np.array([f[1] for f in _FO_FORMS])
_FORM_THE = np.array([f[2] for f in _FO_FORMS])
# Per form: the canonical spelling first, then the variants a duplicate may carry.
_FORM_SPELLINGS = pl.Series([s for f in _FO_FORMS for s in (f[0], *f[3])], dtype=pl.String)
_FORM_START = np.cumsum([0] + [1 + len(f[3]) for f in _FO_FORMS])[:-1]
_FORM_VARIANTS = np.array([len(f[3]) for f in _FO_FORMS])
_LEGAL_OK = np.array(["Trust" not in f[0] and "Foundation" not in f[0] for f in _FO_FORMS])
_NATIVE_LEGAL = pl.Series(
    [" " + LEGAL_FAMILIES[c.families[0]][0] for c in COUNTRIES], dtype=pl.String
)
_CITY_COUNT = np.array([len(c.cities) for c in COUNTRIES])
_NO_POSTAL = np.array([not c.postal for c in COUNTRIES])
_LETTERS = pl.Series(list("ABCDEFGHJKLMNPRSTW"), dtype=pl.String)
_TYPO_LETTERS = pl.Series(list("aeiounrstlcmdhpkgb"), dtype=pl.String)
_DOUBLE_SPACE_LANGS = np.array([lang in ("es", "pt") for lang in _LANGS])  # "García López"

# Name patterns: 0 "John Smith", 1 "J. Smith", 2 "Smith" (family name only), 3 "Smith & Jones",
# 4 "John A. Smith", 5 "John and Mary Smith", 6 "John [A.] Smith-Jones". Redraws of a taken
# name move to the roomier patterns, so names stay unique at a million records.
_PATTERN_P = (
    [0.32, 0.10, 0.16, 0.10, 0.12, 0.08, 0.12],
    [0.10, 0.03, 0.02, 0.10, 0.30, 0.15, 0.30],
    [0.0, 0.0, 0.0, 0.0, 0.30, 0.0, 0.70],
)
_SURNAME_ONLY = 2
_NAMESAKE_SHARE = 0.025
_PEOPLE_SCHEMA = {
    "pattern": pl.Int8,
    "first": pl.String,
    "first2": pl.String,
    "middle": pl.String,
    "surname": pl.String,
    "surname2": pl.String,
    "sep": pl.String,
    "form": pl.Int16,
    "the": pl.Boolean,
    "legal": pl.String,
}


@cache
def _accent_map() -> tuple[list[str], list[str]]:
    """Accented letters of the vocabulary and their plain spellings, case kept."""
    words = [
        *(s for names in SURNAMES.values() for s in names),
        *(g for names in GIVEN_NAMES.values() for g in names),
        *(city for c in COUNTRIES for city in c.cities),
    ]
    accented = sorted({ch for w in words for ch in w if ord(ch) > 127})
    plain = [
        "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        for ch in accented
    ]
    return accented, plain


def _unaccented(s: pl.Series) -> pl.Series:
    accented, plain = _accent_map()
    return s.str.replace_many(accented, plain)


# --------------------------------------------------------------------------------------------
# Entities: person names, unique per country but for the namesakes
# --------------------------------------------------------------------------------------------


def _draw_people(
    rng: np.random.Generator, country: np.ndarray, lang: np.ndarray, attempt: int
) -> pl.DataFrame:
    n = len(country)
    pattern = _choice(rng, _PATTERN_P[min(attempt, 6) // 3], n)
    s_start, s_count = _SURNAME_START[lang], _SURNAME_COUNT[lang]
    s_a, s_b = _pair(rng, s_start, s_count)
    single = s_start + (rng.random(n) * s_count).astype(np.int64)
    g_a, g_b = _pair(rng, _GIVEN_START[lang], _GIVEN_COUNT[lang])
    g_order = rng.random(n) < 0.5  # couples are written either way round
    g_first, g_second = np.where(g_order, g_a, g_b), np.where(g_order, g_b, g_a)
    two = (pattern == 3) | (pattern == 6)
    given = _gather(_GIVEN_FLAT, g_first)
    letter = _gather(_LETTERS, rng.integers(0, len(_LETTERS), n))
    has_middle = (pattern == 4) | ((pattern == 6) & ((attempt >= 6) | (rng.random(n) < 0.4)))
    blank = pl.Series([""] * n, dtype=pl.String)
    first = given.zip_with(pl.Series(np.isin(pattern, (0, 4, 5, 6))), blank)
    first = (given.str.slice(0, 1) + ".").zip_with(pl.Series(pattern == 1), first)
    form = _choice(rng, _FORM_P, n)
    legal = _gather(_NATIVE_LEGAL, country).zip_with(
        pl.Series(_LEGAL_OK[form] & (rng.random(n) < 0.12)), blank
    )
    sep = pl.Series(np.where(_DOUBLE_SPACE_LANGS[lang], " ", "-"), dtype=pl.String)
    sep = pl.Series(np.where(pattern == 3, " & ", np.where(pattern == 6, sep, "")))
    return pl.DataFrame(
        {
            "pattern": pattern.astype(np.int8),
            "first": first,
            "first2": _gather(_GIVEN_FLAT, g_second).zip_with(pl.Series(pattern == 5), blank),
            "middle": letter.zip_with(pl.Series(has_middle), blank),
            "surname": _gather(_SURNAME_FLAT, np.where(two, s_a, single)),
            "surname2": _gather(_SURNAME_FLAT, s_b).zip_with(pl.Series(two), blank),
            "sep": sep,
            "form": form.astype(np.int16),
            "the": _FORM_THE[form] & (rng.random(n) < 0.5),
            "legal": legal,
        },
        schema=_PEOPLE_SCHEMA,
    )


def _person_key(people: pl.DataFrame) -> pl.Series:
    """The person part of a name, normalised: two entities with one key look like one person."""
    parts = ["first", "first2", "middle", "surname", "surname2"]
    joined = pl.concat_str([pl.col(c) for c in parts], separator=" ")
    key = _normalised(joined).str.replace_all(r"\s+", " ").str.strip_chars()
    return people.select(key.alias("key"))["key"]


def _scatter_rows(frame: pl.DataFrame, rows: np.ndarray, values: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {c: frame[c].scatter(rows, values[c]) for c in frame.columns}, schema=frame.schema
    )


def _resolve_people(
    rng: np.random.Generator, country: np.ndarray, lang: np.ndarray, taken: pl.Series
) -> tuple[pl.DataFrame, pl.Series]:
    """Redraw until no two entities (nor an earlier one) share a country and person key."""
    people = _draw_people(rng, country, lang, 0)
    pending = np.arange(len(country))
    for attempt in range(1, 60):
        sub = people[pending]
        probe = pl.DataFrame({"c": country[pending], "k": _person_key(sub)})
        ck = probe.select(_ck(pl.col("c"), pl.col("k")).alias("ck"))["ck"]
        ok = (~ck.is_in(taken.implode()) & ck.is_first_distinct()).to_numpy()
        taken = pl.concat([taken, ck.filter(pl.Series(ok)).rename(taken.name)])
        pending = pending[~ok]
        if not len(pending):
            return people, taken
        fresh = _draw_people(rng, country[pending], lang[pending], attempt)
        people = _scatter_rows(people, pending, fresh)
    raise RuntimeError("could not draw unique family office names")


def _new_entities(rng: np.random.Generator, state: _State | None, entities: pl.DataFrame) -> _State:
    """Profile names and places for the world's entities the profile has not seen yet."""
    done = 0 if state is None else state.entities.height
    new = entities[done:]
    country = new["country"].to_numpy()
    lang = new["lang"].to_numpy()
    taken = pl.Series("ck", [], dtype=pl.UInt64) if state is None else state.taken
    people, taken = _resolve_people(rng, country, lang, taken)
    city = new["city"].to_numpy().copy()
    postal = new["postal"]
    people = people.with_columns(
        country=pl.Series(country, dtype=pl.Int64),
        city=pl.Series(city, dtype=pl.Int64),
        postal=postal,
    )
    every = people if state is None else pl.concat([state.entities, people])

    # Namesakes: copy a family-name-only name of another entity in the same country.
    n = len(country)
    candidates = np.flatnonzero(people["pattern"].to_numpy() != _SURNAME_ONLY)
    k = min(len(candidates), round(_NAMESAKE_SHARE * n))
    chosen = np.sort(rng.choice(candidates, k, replace=False)) if k else candidates[:0]
    all_country = every["country"].to_numpy()
    pool_rows = np.flatnonzero(every["pattern"].to_numpy() == _SURNAME_ONLY)
    src = np.full(len(chosen), -1, dtype=np.int64)
    for c, rows in _groups(country[chosen]):
        pool = pool_rows[all_country[pool_rows] == c]
        if len(pool):
            src[rows] = pool[rng.integers(0, len(pool), len(rows))]
    keep = src >= 0
    chosen, src = chosen[keep], src[keep]
    if len(chosen):
        copied = every[src].select(*_PEOPLE_SCHEMA)
        # Without postcodes, a namesake sits in another city than its twin (when there is one).
        src_city = every["city"].to_numpy()[src]
        start, count = _CITY_START[country[chosen]], _CITY_COUNT[country[chosen]]
        shift = 1 + (rng.random(len(chosen)) * np.maximum(count - 1, 1)).astype(np.int64)
        moved = start + (src_city - start + shift) % count
        city_now = people["city"].to_numpy()[chosen]
        new_city = np.where(_NO_POSTAL[country[chosen]] & (count > 1), moved, city_now)
        people = _scatter_rows(
            people,
            chosen,
            copied.with_columns(
                country=pl.Series(country[chosen], dtype=pl.Int64),
                city=pl.Series(new_city, dtype=pl.Int64),
                postal=people["postal"].gather(chosen),
            ),
        )
        every = people if state is None else pl.concat([state.entities, people])
    records = _empty_records() if state is None else state.records
    return _State(entities=every, taken=taken, records=records)


# --------------------------------------------------------------------------------------------
# Records: noise drawn once per client id
# --------------------------------------------------------------------------------------------

_RECORD_SCHEMA = {
    "cid": pl.Int64,
    "country": pl.Int64,
    "name": pl.String,
    "city_txt": pl.String,
    "postal": pl.String,
    "aum_blank": pl.Boolean,
}
# (duplicate record, primary record) probabilities of each edit.
_RATES = {
    "initial": (0.15, 0.03),  # given name(s) cut to the initial
    "drop_first": (0.05, 0.01),  # given name(s) and middle initial dropped
    "first_typo": (0.12, 0.03),
    "drop_middle": (0.30, 0.05),
    "surname_typo": (0.25, 0.05),
    "transpose": (0.10, 0.02),
    "form": (0.40, 0.10),  # another spelling of the form words
    "the": (0.25, 0.05),  # "The " added or dropped (trusts and foundations)
    "legal": (0.15, 0.03),  # legal suffix added or dropped (offices and holdings)
    "accents": (0.30, 0.06),
    "upper": (0.04, 0.01),
    "lower": (0.02, 0.005),
    "city_typo": (0.10, 0.03),
    "city_accents": (0.20, 0.05),
    "city_blank": (0.08, 0.02),
    "postal_typo": (0.10, 0.03),
    "postal_blank": (0.15, 0.04),
}
_AUM_BLANK = 0.5  # AUM blank on about half the records
_ABROAD_KEPT = 0.25


def _empty_records() -> pl.DataFrame:
    return pl.DataFrame(schema=_RECORD_SCHEMA)


def _typo(rng: np.random.Generator, s: pl.Series) -> pl.Series:
    """One substituted, deleted, inserted or transposed letter inside a word (at two
    neighbouring lower-case letters, so never a word's first letter nor a space)."""
    m = len(s)
    if not m:
        return s
    span = np.maximum(s.str.len_chars().fill_null(0).to_numpy() - 2, 1)
    frame = pl.DataFrame(
        {
            "s": s,
            **{f"c{i}": 1 + (rng.random(m) * span).astype(np.int64) for i in range(3)},
            "kind": rng.integers(0, 4, m),
            "letter": _gather(_TYPO_LETTERS, rng.integers(0, len(_TYPO_LETTERS), m)),
        }
    )
    s_, kind, letter = pl.col("s"), pl.col("kind"), pl.col("letter")

    def fits(i: int) -> pl.Expr:
        return s_.str.slice(pl.col(f"c{i}"), 2).str.contains(r"^\p{Ll}{2}$")

    frame = frame.with_columns(
        pos=pl.when(fits(0)).then("c0").when(fits(1)).then("c1").when(fits(2)).then("c2")
    )
    pos = pl.col("pos")
    head, a, b = s_.str.slice(0, pos), s_.str.slice(pos, 1), s_.str.slice(pos + 1, 1)
    tail = s_.str.slice(pos + 2)
    return frame.select(
        pl.when(pos.is_null())
        .then(s_)
        .when((kind == 0) & (letter != a))
        .then(pl.concat_str([head, letter, b, tail]))  # substitute
        .when((kind == 1) | (kind == 0))
        .then(pl.concat_str([head, b, tail]))  # delete
        .when((kind == 3) & (a != b))
        .then(pl.concat_str([head, b, a, tail]))  # transpose
        .otherwise(pl.concat_str([head, letter, a, b, tail]))  # insert
        .alias("s")
    )["s"]


_SHIFT_TABLE = {
    **{f"{d}{r}": str((d + r) % 10) for d in range(10) for r in range(1, 10)},
    **{f"{chr(65 + x)}{r}": chr(65 + (x + r) % 26) for x in range(26) for r in range(1, 10)},
}


def _postal_typo(rng: np.random.Generator, s: pl.Series) -> pl.Series:
    """A letter or digit changed, or two neighbouring characters transposed."""
    m = len(s)
    if not m:
        return s
    length = s.str.len_chars().fill_null(0).to_numpy()
    frame = pl.DataFrame(
        {
            "s": s,
            "pos": (rng.random(m) * np.maximum(length - 1, 1)).astype(np.int64),
            "swap": rng.random(m) < 0.4,
            "shift": pl.Series(rng.integers(1, 10, m)).cast(pl.String),
        }
    )
    s_, pos = pl.col("s"), pl.col("pos")
    alnum = r"^[0-9A-Z]$"
    frame = frame.with_columns(
        pos=pl.when(s_.str.slice(pos, 1).str.contains(alnum)).then(pos).otherwise(pos + 1)
    )
    head, a, b = s_.str.slice(0, pos), s_.str.slice(pos, 1), s_.str.slice(pos + 1, 1)
    tail = s_.str.slice(pos + 2)
    changed = pl.concat_str([a, pl.col("shift")]).replace_strict(
        _SHIFT_TABLE, default=a, return_dtype=pl.String
    )
    swap = pl.col("swap") & b.str.contains(alnum) & (a != b)
    return frame.select(
        pl.when(swap)
        .then(pl.concat_str([head, b, a, tail]))
        .otherwise(pl.concat_str([head, changed, b, tail]))
        .alias("s")
    )["s"]


def _edit_rows(
    rng: np.random.Generator,
    s: pl.Series,
    rows: np.ndarray,
    fn: Callable[[np.random.Generator, pl.Series], pl.Series],
) -> pl.Series:
    rows = np.flatnonzero(rows)
    return s.scatter(rows, fn(rng, s.gather(rows))) if len(rows) else s


def _assemble(people: pl.DataFrame, transposed: np.ndarray, form_text: pl.Series) -> pl.Series:
    first, first2, middle = pl.col("first"), pl.col("first2"), pl.col("middle")
    surname, surname2, sep = pl.col("surname"), pl.col("surname2"), pl.col("sep")
    given = (
        pl.when(first2 != "")
        .then(pl.concat_str([first, first2], separator=" and "))
        .otherwise(first)
    )
    given = (
        pl.when(middle != "")
        .then(pl.concat_str([given, pl.lit(" "), middle, pl.lit(".")]))
        .otherwise(given)
    )
    fam = pl.concat_str([surname, sep, surname2])
    the = pl.when("the").then(pl.lit("The ")).otherwise(pl.lit(""))
    form, legal = pl.col("form_text"), pl.col("legal")
    person = (
        pl.when(pl.col("g") != "")
        .then(pl.concat_str([pl.col("g"), pl.lit(" "), fam]))
        .otherwise(fam)
    )
    swapped = (
        pl.when(pl.col("g") != "")
        .then(pl.concat_str([fam, pl.lit(" "), pl.col("g")]))
        .when(sep == " & ")
        .then(pl.concat_str([surname2, pl.lit(" & "), surname]))
        .otherwise(fam)
    )
    plain = pl.concat_str([the, person, pl.lit(" "), form, legal])
    swapped_name = (
        pl.when((pl.col("g") == "") & (sep != " & "))
        .then(pl.concat_str([form, pl.lit(" "), fam, legal]))  # "Family Office Müller"
        .otherwise(pl.concat_str([the, swapped, pl.lit(" "), form, legal]))
    )
    return people.with_columns(
        g=given, form_text=form_text, transposed=pl.Series(transposed, dtype=pl.Boolean)
    ).select(pl.when("transposed").then(swapped_name).otherwise(plain).alias("name"))["name"]


def _new_records(
    rng: np.random.Generator,
    state: _State,
    records: pl.DataFrame,
    primary_cid: np.ndarray,
) -> pl.DataFrame:
    """Profile name, city, postcode and AUM blanking for records not dressed before."""
    n = records.height
    cid = records["cid"].to_numpy()
    ent = records["entity"].to_numpy()
    dup = cid != primary_cid[ent]
    people = state.entities[ent]

    def flag(edit: str) -> np.ndarray:
        p_dup, p_primary = _RATES[edit]
        return rng.random(n) < np.where(dup, p_dup, p_primary)

    pattern = people["pattern"].to_numpy()
    has_given = np.isin(pattern, (0, 4, 5, 6))
    u = rng.random(n)
    r_init = np.where(dup, _RATES["initial"][0], _RATES["initial"][1])
    r_drop = np.where(dup, _RATES["drop_first"][0], _RATES["drop_first"][1])
    initial = has_given & (u < r_init)
    dropped = has_given & (u >= r_init) & (u < r_init + r_drop)
    first_typo = has_given & ~initial & ~dropped & flag("first_typo")
    drop_middle = flag("drop_middle") | dropped
    surname_typo = flag("surname_typo")
    on_second = (people["surname2"] != "").to_numpy() & (rng.random(n) < 0.5)
    transposed = flag("transpose")

    first = _edit_rows(rng, people["first"], first_typo, _typo)
    first = (first.str.slice(0, 1) + ".").zip_with(pl.Series(initial), first)
    first2 = people["first2"]
    first2 = (first2.str.slice(0, 1) + ".").zip_with(
        pl.Series(initial & (first2 != "").to_numpy()), first2
    )
    blank = pl.Series([""] * n, dtype=pl.String)
    first = blank.zip_with(pl.Series(dropped), first)
    first2 = blank.zip_with(pl.Series(dropped), first2)
    middle = blank.zip_with(pl.Series(drop_middle), people["middle"])
    surname = _edit_rows(rng, people["surname"], surname_typo & ~on_second, _typo)
    surname2 = _edit_rows(rng, people["surname2"], surname_typo & on_second, _typo)

    form = people["form"].to_numpy().astype(np.int64)
    variant = 1 + (rng.random(n) * _FORM_VARIANTS[form]).astype(np.int64)
    spelling = _FORM_START[form] + np.where(flag("form"), variant, 0)
    the = people["the"].to_numpy() ^ (flag("the") & _FORM_THE[form])
    legal = people["legal"]
    toggle = flag("legal") & _LEGAL_OK[form]
    native = _gather(_NATIVE_LEGAL, people["country"].to_numpy())
    legal = pl.select(
        pl.when(pl.lit(pl.Series(toggle)))
        .then(pl.when(pl.lit(legal) == "").then(pl.lit(native)).otherwise(pl.lit("")))
        .otherwise(pl.lit(legal))
        .alias("legal")
    )["legal"]
    edited = pl.DataFrame(
        {
            "first": first,
            "first2": first2,
            "middle": middle,
            "surname": surname,
            "surname2": surname2,
            "sep": people["sep"],
            "the": pl.Series(the, dtype=pl.Boolean),
            "legal": legal,
        }
    )
    name = _assemble(edited, transposed, _gather(_FORM_SPELLINGS, spelling))
    name = _edit_rows(rng, name, flag("accents"), lambda _, s: _unaccented(s))
    name = _edit_rows(rng, name, flag("upper"), lambda _, s: s.str.to_uppercase())
    name = _edit_rows(rng, name, flag("lower"), lambda _, s: s.str.to_lowercase())

    # Places: the entity's; a quarter of the world's duplicates filed abroad stay abroad.
    abroad = records["country"].to_numpy() != people["country"].to_numpy()
    abroad &= rng.random(n) < _ABROAD_KEPT
    home = ~abroad
    country = np.where(home, people["country"].to_numpy(), records["country"].to_numpy())
    city = np.where(home, people["city"].to_numpy(), records["city"].to_numpy())
    city_txt = _gather(_CITY_NAMES, city)
    city_txt = _edit_rows(rng, city_txt, flag("city_typo"), _typo)
    city_txt = _edit_rows(rng, city_txt, flag("city_accents"), lambda _, s: _unaccented(s))
    city_txt = city_txt.scatter(np.flatnonzero(flag("city_blank")), None)
    postal = people["postal"].zip_with(pl.Series(home), records["postal"])
    postal = _edit_rows(
        rng, postal, flag("postal_typo") & postal.is_not_null().to_numpy(), _postal_typo
    )
    postal = postal.scatter(np.flatnonzero(flag("postal_blank")), None)
    return pl.DataFrame(
        {
            "cid": cid,
            "country": country,
            "name": name,
            "city_txt": city_txt,
            "postal": postal,
            "aum_blank": rng.random(n) < _AUM_BLANK,
        },
        schema=_RECORD_SCHEMA,
    ).sort("cid")


# --------------------------------------------------------------------------------------------
# The profile's state and its hook into the export
# --------------------------------------------------------------------------------------------


@dataclass
class _State:
    entities: pl.DataFrame  # row i: entity i's person name parts, country, city, postal
    taken: pl.Series  # hashed (country, person key) of every entity's drawn name
    records: pl.DataFrame  # every dressed client id, sorted by cid


def dress(world: _World, frame: pl.DataFrame, day_no: int) -> pl.DataFrame:
    """The export frame with the profile's name, city, postal code and AUM blanks.

    New entities and new client ids are dressed from this day's stream and kept in
    ``world.dressing``; earlier ones keep what they got.
    """
    state = world.dressing
    entities = world.entities
    if state is None or state.entities.height < entities.height:
        state = _new_entities(_rng(world.seed, _S_PROFILE, day_no, 0), state, entities)
    fresh = world.records.filter(~pl.col("cid").is_in(state.records["cid"].implode()))
    if fresh.height:
        rng = _rng(world.seed, _S_PROFILE, day_no, 1)
        added = _new_records(rng, state, fresh, entities["primary_cid"].to_numpy())
        state.records = pl.concat([state.records, added]).sort("cid")
    world.dressing = state
    where = np.searchsorted(state.records["cid"].to_numpy(), frame["cid"].to_numpy())
    dressed = state.records[where]
    aum = np.where(dressed["aum_blank"].to_numpy(), -1, frame["aum"].to_numpy())
    return frame.with_columns(
        country=dressed["country"],
        name=dressed["name"],
        city_txt=dressed["city_txt"],
        postal=dressed["postal"],
        aum=pl.Series(aum, dtype=pl.Int64),
    )
