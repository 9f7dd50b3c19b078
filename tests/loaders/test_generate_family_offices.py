"""The generator's `family_offices` profile: person-named family offices and trusts with noisy
records, on real files; and the default profile unchanged by it."""

from __future__ import annotations

import argparse
import hashlib
import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from rapidfuzz.distance import Levenshtein

from territory import cli
from territory.synthetic import GenerateReport, generate
from territory.synthetic.vocabulary import PROFILES, SURNAMES

START = date(2026, 1, 5)
CLIENTS = 4_000
DAYS = 3
SEED = 23
DATES = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]
# Words of a family office's form ("Family Office", "FO", "Fam. Trust", "Private Office"...).
FORM_WORDS = {
    "family",
    "fam",
    "office",
    "offices",
    "fo",
    "trust",
    "tr",
    "foundation",
    "fdn",
    "private",
    "privat",
    "po",
    "holdings",
    "holding",
    "investments",
    "investment",
    "invest",
}
FAMILY_NAMES = {w for names in SURNAMES.values() for s in names for w in s.lower().split()}


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", fold(name).replace("-", " ").replace("&", " "))


def all_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def read_clients(path: Path) -> pl.DataFrame:
    """All-string frame, header lower-cased and trimmed, values trimmed."""
    frame = pl.read_csv(path, infer_schema=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    return frame.with_columns(pl.all().str.strip_chars())


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    out = tmp_path_factory.mktemp("fo_inbox")
    report = generate(
        out, clients=CLIENTS, days=DAYS, seed=SEED, start_date=START, profile="family_offices"
    )
    return out, report


@pytest.fixture(scope="module")
def days(run: tuple[Path, GenerateReport]) -> dict[str, pl.DataFrame]:
    out, _ = run
    return {d: read_clients(out / d / "clients.csv") for d in DATES}


@pytest.fixture(scope="module")
def truth(run: tuple[Path, GenerateReport]) -> pl.DataFrame:
    _, report = run
    return pl.read_csv(report.truth_path, infer_schema=False)


@pytest.fixture(scope="module")
def records(days: dict[str, pl.DataFrame], truth: pl.DataFrame) -> pl.DataFrame:
    """Day-1 records, one row per client id, with their entity, primary (lowest id) first."""
    frame = days[DATES[0]].filter(
        pl.col("client id").fill_null("") != "", pl.col("client name").fill_null("") != ""
    )
    frame = frame.unique("client id", keep="first", maintain_order=True)
    frame = frame.join(truth, left_on="client id", right_on="client_id").sort("client id")
    return frame.with_columns(
        n=pl.len().over("entity_id"),
        primary=pl.col("client id") == pl.col("client id").min().over("entity_id"),
    )


@pytest.fixture(scope="module")
def pairs(records: pl.DataFrame) -> pl.DataFrame:
    """Each duplicate next to its entity's primary record."""
    primary = records.filter("primary").select(
        "entity_id", *(pl.col(c).alias(f"p_{c}") for c in ("client name", "city", "postal code"))
    )
    return records.filter(~pl.col("primary")).join(primary, on="entity_id")


# --- determinism and the default profile ------------------------------------------------------


def test_same_seed_gives_identical_bytes(run: tuple[Path, GenerateReport], tmp_path: Path) -> None:
    out, _ = run
    generate(
        tmp_path, clients=CLIENTS, days=DAYS, seed=SEED, start_date=START, profile="family_offices"
    )
    assert all_files(tmp_path) == all_files(out)


def test_day_files_do_not_depend_on_number_of_days(
    run: tuple[Path, GenerateReport], tmp_path: Path
) -> None:
    out, _ = run
    generate(
        tmp_path, clients=CLIENTS, days=2, seed=SEED, start_date=START, profile="family_offices"
    )
    for day in DATES[:2]:
        assert all_files(tmp_path / day) == all_files(out / day)


def test_default_profile_is_the_default_and_differs_from_family_offices(
    run: tuple[Path, GenerateReport], tmp_path: Path
) -> None:
    out, _ = run
    implicit, explicit = tmp_path / "implicit", tmp_path / "explicit"
    generate(implicit, clients=500, days=2, seed=SEED, start_date=START)
    generate(explicit, clients=500, days=2, seed=SEED, start_date=START, profile="default")
    assert all_files(implicit) == all_files(explicit)
    default_names = read_clients(implicit / DATES[0] / "clients.csv")["client name"]
    assert not default_names.drop_nulls().str.contains(r"(?i)family (office|trust)").all()
    # Territories are structural: the same whatever the profile.
    same = f"{DATES[0]}/territories.csv"
    assert (implicit / same).read_bytes() == (out / same).read_bytes()


# sha256 of every file `generate(clients=500, days=2, seed=23)` writes on the default profile,
# taken before profiles existed (commit cc2088e): the default profile stays byte for byte,
# but for the rule_id column the rule files gained later (issue #32), left out of the digest.
# pragma: allowlist nextline secret (a digest)
DEFAULT_PROFILE_SHA256 = "813e3a71c1f6105582dc1fabcba841389225fcaf0c5c1d7bccc742c6df6dbf08"


def test_the_default_profile_writes_the_bytes_it_wrote_before_profiles(tmp_path: Path) -> None:
    generate(tmp_path, clients=500, days=2, seed=23, start_date=START)
    digest = hashlib.sha256()
    for name, content in all_files(tmp_path).items():
        if name.endswith(("whitelist.csv", "blacklist.csv")):
            assert content.startswith(b"rule_id,")
            content = b"".join(line.split(b",", 1)[1] for line in content.splitlines(keepends=True))
        digest.update(name.encode() + b"\0" + content + b"\0")
    assert digest.hexdigest() == DEFAULT_PROFILE_SHA256


def test_rejects_an_unknown_profile(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="profile"):
        generate(tmp_path, clients=10, days=1, seed=1, profile="hedge_funds")


def test_cli_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["generate", "--out", "x"]).profile == "default"
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    (action,) = [a for a in sub.choices["generate"]._actions if "--profile" in a.option_strings]
    assert tuple(action.choices) == PROFILES
    argv = ["generate", "--out", str(tmp_path), "--clients", "300", "--days", "1"]
    assert cli.main([*argv, "--profile", "family_offices"]) == 0
    assert "entities" in capsys.readouterr().out
    names = read_clients(tmp_path / DATES[0] / "clients.csv")["client name"].drop_nulls()
    assert sum(bool(FORM_WORDS & set(words(n))) for n in names) / len(names) > 0.97


# --- names -----------------------------------------------------------------------------------


def test_names_are_person_named_family_offices_and_trusts(records: pl.DataFrame) -> None:
    tokens = [words(n) for n in records["client name"]]
    assert sum(bool(FORM_WORDS & set(t)) for t in tokens) / len(tokens) > 0.99
    # A family name of the country's people in nearly every name (typos spare most).
    assert sum(bool(FAMILY_NAMES & set(t)) for t in tokens) / len(tokens) > 0.85
    trusts = records["client name"].str.contains(r"(?i)\btrust\b").mean()
    assert 0.10 < trusts < 0.45
    # Given names or initials make most names more than a family name.
    with_initial = records["client name"].str.contains(r"\b\p{Lu}\. ").mean()
    assert with_initial > 0.08
    segments = records["segment"].str.to_lowercase()
    assert (segments == "family office").mean() > 0.95


def test_distinct_entities_share_an_exact_name_in_one_country(records: pl.DataFrame) -> None:
    primary = records.filter("primary")
    groups = primary.group_by("country", "client name").agg(
        pl.col("entity_id").n_unique().alias("k"),
        pl.col("city").n_unique().alias("cities"),
        pl.col("postal code").n_unique().alias("codes"),
        pl.col("postal code").null_count().alias("no_code"),
    )
    shared = groups.filter(pl.col("k") > 1)
    share = shared["k"].sum() / primary.height
    assert 0.01 < share < 0.08, share
    # They are namesakes, not copies: city or postcode tells most of them apart.
    told_apart = (shared["cities"] > 1) | ((shared["codes"] > 1) & (shared["no_code"] == 0))
    assert told_apart.mean() > 0.85


def test_duplicates_differ_from_their_primary_by_small_edits(pairs: pl.DataFrame) -> None:
    assert pairs.height > 400
    name, primary = pairs["client name"].to_list(), pairs["p_client name"].to_list()
    assert sum(a != b for a, b in zip(name, primary, strict=True)) / len(name) > 0.6
    # A typo: one edit apart, letters only.
    typos = sum(
        Levenshtein.distance(a, b) == 1 and words(a) != words(b)
        for a, b in zip(name, primary, strict=True)
    )
    assert typos / len(name) > 0.05
    # Tokens transposed: the same words in another order.
    transposed = sum(
        sorted(words(a)) == sorted(words(b)) and words(a) != words(b)
        for a, b in zip(name, primary, strict=True)
    )
    assert transposed > 0
    # ...but a duplicate still shares its family name with the primary in most cases.
    kept = sum(
        bool(FAMILY_NAMES & set(words(a)) & set(words(b)))
        for a, b in zip(name, primary, strict=True)
    )
    assert kept / len(name) > 0.6


def test_city_and_postcode_have_typos_and_blanks(
    pairs: pl.DataFrame, records: pl.DataFrame
) -> None:
    both = pairs.filter(pl.col("city").is_not_null() & pl.col("p_city").is_not_null())
    city_typo = [
        Levenshtein.distance(fold(a), fold(b)) in (1, 2)
        for a, b in both.select("city", "p_city").rows()
    ]
    assert 0.03 < sum(city_typo) / len(city_typo) < 0.3
    coded = pairs.filter(
        pl.col("postal code").is_not_null() & pl.col("p_postal code").is_not_null()
    )
    code_typo = [
        0 < Levenshtein.distance(a, b) <= 2 and len(a) == len(b)
        for a, b in coded.select("postal code", "p_postal code").rows()
    ]
    assert 0.03 < sum(code_typo) / len(code_typo) < 0.3
    dup = records.filter(~pl.col("primary"))
    assert 0.08 < dup["postal code"].is_null().mean() < 0.3
    # About a tenth of all records without a postcode (the profile's documented rate).
    assert 0.07 < records["postal code"].is_null().mean() < 0.14
    assert 0.03 < dup["city"].is_null().mean() < 0.2
    assert records.filter("primary")["city"].is_null().mean() < 0.05


def test_aum_is_missing_on_about_half_the_records(days: dict[str, pl.DataFrame]) -> None:
    aum = days[DATES[0]]["aum (usd)"]
    assert 0.45 < aum.is_null().mean() < 0.55  # about half (family_offices._AUM_BLANK)


# --- days and ground truth -------------------------------------------------------------------


def test_unchanged_records_keep_their_name_city_and_postcode(
    days: dict[str, pl.DataFrame],
) -> None:
    def fields(day: str) -> pl.DataFrame:
        frame = days[day].filter(
            pl.col("client id").fill_null("") != "", pl.col("client name").fill_null("") != ""
        )
        return frame.select("client id", "client name", "city", "postal code").unique()

    first, second, third = (fields(d) for d in DATES)
    for later in (second, third):
        joined = first.join(later, on="client id", suffix="_later")
        assert joined.height > 0.95 * first.height
        for column in ("client name", "city", "postal code"):
            same = joined[column].eq_missing(joined[f"{column}_later"])
            assert same.all(), column
    # Records new on day 2 keep theirs on day 3 too.
    new = second.join(first, on="client id", how="anti")
    assert new.height > 0
    kept = new.join(third, on="client id", suffix="_later")
    assert kept["client name"].eq_missing(kept["client name_later"]).all()


def test_truth_covers_every_record(days: dict[str, pl.DataFrame], truth: pl.DataFrame) -> None:
    emitted: set[str] = set()
    for frame in days.values():
        ids = frame["client id"].drop_nulls()
        emitted |= set(ids.filter(ids != "").to_list())
    assert set(truth["client_id"]) == emitted
    assert truth["client_id"].is_unique().all()
    sizes = truth.group_by("entity_id").len()["len"]
    assert 0.12 < (sizes > 1).mean() < 0.30


def test_malformed_rows_are_still_injected(tmp_path: Path) -> None:
    generate(tmp_path, clients=4_000, days=1, seed=5, bad_rows_rate=0.02, profile="family_offices")
    frame = read_clients(tmp_path / DATES[0] / "clients.csv")
    blank = (frame["client id"].fill_null("") == "") | (frame["client name"].fill_null("") == "")
    assert blank.mean() == pytest.approx(0.02 / 2, abs=0.004)  # two of the four kinds
