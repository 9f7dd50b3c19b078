"""Tests for the synthetic CRM inbox generator (territory/synthetic/generate.py), on real files."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from loaders.sanitize import snake_case
from loaders.sources import SOURCES, TIMESTAMP_FORMATS
from territory.core.project import CHECKOUT_DIR
from territory.synthetic import GenerateReport, generate

START = date(2026, 1, 5)
CLIENTS = 3_000
DAYS = 9  # reaches the day-8 refresh of the static files
SEED = 11
DATES = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]
REFRESH_DATES = {DATES[0], DATES[7]}
STATIC_FILES = ["advisors.json", "territories.csv", "whitelist.csv", "blacklist.csv"]
# The clients.csv header as the README's source contract documents it (the spelling of case
# and spaces may vary per day); the loaders' registry names its columns.
CLIENT_HEADER = (
    re.search(r"Header\s+`(Client ID,[^`]+)`", (CHECKOUT_DIR / "README.md").read_text())
    .group(1)
    .split(",")
)
LEGAL_TOKENS = {
    "inc",
    "incorporated",
    "llc",
    "corp",
    "corporation",
    "lp",
    "ltd",
    "limited",
    "plc",
    "public",
    "company",
    "llp",
    "gmbh",
    "ag",
    "aktiengesellschaft",
    "sa",
    "sas",
    "nv",
    "bv",
    "sarl",
    "rl",
    "ab",
    "aktiebolag",
    "spa",
    "srl",
    "sl",
    "pjsc",
    "pty",
    "proprietary",
    "kk",
    "kabushiki",
    "kaisha",
    "co",
    "pte",
    "private",
    "pvt",
    "ltda",
    "limitada",
    "de",
    "cv",
}


def all_files(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def read_clients(path: Path) -> pl.DataFrame:
    """All-string frame with the header normalised to the contract's spelling."""
    frame = pl.read_csv(path, infer_schema=False)
    canon = {h.lower(): h for h in CLIENT_HEADER}
    return frame.rename({c: canon[c.strip().lower()] for c in frame.columns})


def core_name(name: str) -> str:
    """Lower-case, accent- and punctuation-free name without its legal suffix."""
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)
    )
    for ch in ".,'()":
        text = text.replace(ch, "")
    words = text.lower().replace("&", " and ").replace("-", " ").split()
    while words and words[-1] in LEGAL_TOKENS:
        words.pop()
    return " ".join(words)


def parses_as_amount(value: str | None) -> bool:
    if value is None or not value.strip():
        return True  # blank amounts are allowed
    try:
        float(value.strip().replace(",", ""))
    except ValueError:
        return False
    return True


def parses_as_timestamp(value: str | None) -> bool:
    for fmt in TIMESTAMP_FORMATS:
        try:
            datetime.strptime((value or "").strip(), fmt)
        except ValueError:
            continue
        return True
    return False


def malformed(frame: pl.DataFrame) -> pl.Series:
    """Rows a loader must quarantine: no id, no name, bad AUM or bad timestamp."""
    blank_id = frame["Client ID"].str.strip_chars().fill_null("") == ""
    blank_name = frame["Client Name"].str.strip_chars().fill_null("") == ""
    bad_aum = ~frame["AUM (USD)"].map_elements(parses_as_amount, return_dtype=pl.Boolean)
    bad_ts = ~frame["Last Modified"].map_elements(parses_as_timestamp, return_dtype=pl.Boolean)
    # map_elements skips nulls: a blank AUM is allowed, a blank Last Modified is not.
    return blank_id | blank_name | bad_aum.fill_null(False) | bad_ts.fill_null(True)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    out = tmp_path_factory.mktemp("inbox")
    return out, generate(out, clients=CLIENTS, days=DAYS, seed=SEED, start_date=START)


@pytest.fixture(scope="module")
def clients_by_day(run: tuple[Path, GenerateReport]) -> dict[str, pl.DataFrame]:
    out, _ = run
    return {d: read_clients(out / d / "clients.csv") for d in DATES}


@pytest.fixture(scope="module")
def truth(run: tuple[Path, GenerateReport]) -> pl.DataFrame:
    out, report = run
    assert report.truth_path == out / "truth" / "entities.csv"
    return pl.read_csv(report.truth_path, infer_schema=False)


@pytest.fixture(scope="module")
def day1(clients_by_day: dict[str, pl.DataFrame], truth: pl.DataFrame) -> pl.DataFrame:
    """Day-1 rows with a usable id, trimmed, joined to their entity."""
    frame = clients_by_day[DATES[0]].with_columns(pl.all().str.strip_chars())
    return frame.filter(pl.col("Client ID") != "").join(
        truth, left_on="Client ID", right_on="client_id", how="left"
    )


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(run: tuple[Path, GenerateReport], tmp_path: Path) -> None:
    out, _ = run
    generate(tmp_path, clients=CLIENTS, days=DAYS, seed=SEED, start_date=START)
    first, second = all_files(out), all_files(tmp_path)
    assert sorted(first) == sorted(second)
    for name, content in first.items():
        assert second[name] == content, name


def test_day_files_do_not_depend_on_number_of_days(
    run: tuple[Path, GenerateReport], tmp_path: Path
) -> None:
    out, _ = run
    generate(tmp_path, clients=CLIENTS, days=2, seed=SEED, start_date=START)
    for day in DATES[:2]:
        assert all_files(tmp_path / day) == all_files(out / day)


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("other_seed")
    generate(out, clients=CLIENTS, days=1, seed=SEED + 1, start_date=START)
    return out


@pytest.mark.parametrize(
    "file",
    ["clients.csv", "advisors.json", "whitelist.csv", "blacklist.csv", "../truth/entities.csv"],
    ids=["clients", "advisors", "whitelist", "blacklist", "truth"],
)
def test_different_seed_gives_different_data(
    run: tuple[Path, GenerateReport], other_seed: Path, file: str
) -> None:
    out, _ = run
    assert (other_seed / DATES[0] / file).read_bytes() != (out / DATES[0] / file).read_bytes()


def test_territory_definitions_are_structural(
    run: tuple[Path, GenerateReport], other_seed: Path
) -> None:
    """Territories are configuration, not sampled: the same for every seed."""
    out, _ = run
    path = f"{DATES[0]}/territories.csv"
    assert (other_seed / path).read_bytes() == (out / path).read_bytes()


# --- layout and schema -----------------------------------------------------------------------


def test_folder_per_run_date_plus_truth(run: tuple[Path, GenerateReport]) -> None:
    out, report = run
    assert sorted(p.name for p in out.iterdir()) == sorted([*DATES, "truth"])
    assert list(report.rows) == DATES
    assert (out / "truth" / "entities.csv").read_text().splitlines()[0] == "client_id,entity_id"


@pytest.mark.parametrize("file", STATIC_FILES, ids=lambda f: f)
def test_static_files_only_on_refresh_days(run: tuple[Path, GenerateReport], file: str) -> None:
    out, report = run
    for day in DATES:
        assert (out / day / "clients.csv").exists()
        assert (out / day / file).exists() == (day in REFRESH_DATES), day
        assert (file in report.rows[day]) == (day in REFRESH_DATES)


@pytest.mark.parametrize(
    "source", ["territories", "whitelist", "blacklist"], ids=lambda s: f"{s}.csv"
)
def test_csv_headers_match_registry(run: tuple[Path, GenerateReport], source: str) -> None:
    out, _ = run
    header = (out / DATES[0] / SOURCES[source].file).read_text().splitlines()[0]
    assert header.split(",") == SOURCES[source].column_names


@pytest.mark.parametrize("day", DATES, ids=lambda d: d)
def test_clients_header_is_the_contract_case_insensitively(
    run: tuple[Path, GenerateReport], day: str
) -> None:
    out, _ = run
    header = pl.read_csv(out / day / "clients.csv", n_rows=0).columns
    assert [h.strip().lower() for h in header] == [h.lower() for h in CLIENT_HEADER]
    assert [snake_case(h) for h in CLIENT_HEADER] == SOURCES["clients"].column_names


def test_clients_header_spelling_varies_between_days(run: tuple[Path, GenerateReport]) -> None:
    out, _ = run
    spellings = {tuple(pl.read_csv(out / day / "clients.csv", n_rows=0).columns) for day in DATES}
    assert len(spellings) > 1


def test_report_counts_match_files(
    run: tuple[Path, GenerateReport], clients_by_day: dict[str, pl.DataFrame]
) -> None:
    out, report = run
    for day in DATES:
        assert report.rows[day]["clients.csv"] == clients_by_day[day].height
    assert (
        report.rows[DATES[0]]["territories.csv"]
        == pl.read_csv(out / DATES[0] / "territories.csv").height
    )
    summary = report.summary()
    assert DATES[0] in summary and "entities" in summary


# --- entities and ground truth ---------------------------------------------------------------


def test_truth_covers_exactly_the_emitted_client_ids(
    clients_by_day: dict[str, pl.DataFrame], truth: pl.DataFrame
) -> None:
    emitted = set()
    for frame in clients_by_day.values():
        ids = frame["Client ID"].str.strip_chars().drop_nulls()
        emitted |= set(ids.filter(ids != "").to_list())
    assert set(truth["client_id"]) == emitted
    assert truth["client_id"].is_unique().all()
    assert truth["client_id"].to_list() == sorted(truth["client_id"])


def test_day1_record_count_and_entity_sizes(
    clients_by_day: dict[str, pl.DataFrame], truth: pl.DataFrame
) -> None:
    frame = clients_by_day[DATES[0]]
    # Exactly `clients` records, plus ~0.3% older-version rows of the same ids.
    assert frame.height == pytest.approx(CLIENTS * 1.003, abs=3)
    sizes = truth.group_by("entity_id").len()["len"]
    assert sizes.max() <= 5  # up to 4 on day 1, churn may add one
    multi = (sizes > 1).mean()
    assert 0.12 < multi < 0.30  # ~20% of entities have duplicate records
    assert 1.15 < truth.height / sizes.len() < 1.40


def test_duplicates_of_an_entity_mostly_share_country_and_city(day1: pl.DataFrame) -> None:
    records = day1.unique("Client ID").with_columns(n=pl.len().over("entity_id"))
    multi = records.filter(pl.col("n") > 1)
    assert multi.height > 100
    mode = multi.group_by("entity_id").agg(
        pl.col("Country").mode().first().alias("mode_country"),
        pl.col("City").mode().first().alias("mode_city"),
    )
    joined = multi.join(mode, on="entity_id")
    assert (joined["Country"] == joined["mode_country"]).mean() > 0.93
    assert (joined["City"] == joined["mode_city"]).mean() > 0.80


def test_duplicate_names_stay_recognisable(day1: pl.DataFrame) -> None:
    """Every duplicate shares most of its normalised characters with a sibling record."""
    records = day1.unique("Client ID").with_columns(n=pl.len().over("entity_id"))
    multi = records.filter((pl.col("n") > 1) & (pl.col("Client Name") != ""))
    names = multi.group_by("entity_id").agg("Client Name")["Client Name"].to_list()
    different = 0
    for group in names:
        cores = [core_name(n) for n in group]
        tokens = [set(c.split()) for c in cores]
        overlap = min(len(tokens[0] & t) / max(len(tokens[0] | t), 1) for t in tokens[1:])
        different += overlap < 0.25
    assert different / len(names) < 0.03
    # ...but they are not all exact copies.
    assert sum(len(set(g)) > 1 for g in names) / len(names) > 0.7


def test_distinct_entities_never_share_a_core_name_in_a_country(day1: pl.DataFrame) -> None:
    cores = day1.filter(pl.col("Client Name") != "").with_columns(
        core=pl.col("Client Name").map_elements(core_name, return_dtype=pl.String)
    )
    per_core = cores.group_by("Country", "core").agg(pl.col("entity_id").n_unique().alias("k"))
    shared = per_core.filter(pl.col("k") > 1)
    # Only a duplicate filed under a foreign country can, very rarely, meet a namesake.
    assert shared.height <= max(2, day1.height // 2000)


def test_realistic_look_alike_non_duplicates_exist(day1: pl.DataFrame) -> None:
    names = day1.select("Client Name", "Country", "entity_id", "Parent Client ID")
    funds = names.filter(pl.col("Client Name").str.contains(r" Fund (?:I|II|III|IV|V|VI)\b"))
    funds = funds.with_columns(
        series=pl.col("Client Name").str.replace(r" Fund (?:I|II|III|IV|V|VI)\b.*$", "")
    )
    series = funds.group_by("Country", "series").agg(pl.col("entity_id").n_unique().alias("k"))
    assert series.filter(pl.col("k") > 1).height > 0  # "X Capital Fund II" vs "... III"
    # Subsidiaries named after their parent ("Smith Capital Europe Ltd" under "Smith Capital").
    with_parent = day1.filter(pl.col("Parent Client ID").is_not_null()).join(
        day1.select(
            pl.col("Client ID").alias("Parent Client ID"),
            pl.col("Client Name").alias("parent_name"),
            pl.col("entity_id").alias("parent_entity"),
        ),
        on="Parent Client ID",
    )
    extended = with_parent.filter(
        pl.struct("Client Name", "parent_name").map_elements(
            lambda r: core_name(r["Client Name"]).startswith(core_name(r["parent_name"]) + " "),
            return_dtype=pl.Boolean,
        )
        & (pl.col("entity_id") != pl.col("parent_entity"))
    )
    assert extended.height > 0


def test_hierarchy_has_subsidiaries_and_a_two_cycle(day1: pl.DataFrame) -> None:
    records = day1.unique("Client ID")
    has_parent = records["Parent Client ID"].is_not_null() & (records["Parent Client ID"] != "")
    assert 0.05 < has_parent.mean() < 0.18
    parent_of = dict(records.filter(has_parent).select("Client ID", "Parent Client ID").iter_rows())
    cycles = [c for c, p in parent_of.items() if parent_of.get(p) == c]
    assert cycles
    depth = 0
    for start in parent_of:
        seen, node, steps = set(), start, 0
        while node in parent_of and node not in seen:
            seen.add(node)
            node, steps = parent_of[node], steps + 1
        if node not in seen:  # not a cycle: count the chain
            depth = max(depth, steps)
    assert depth <= 3  # at most four levels including the root


def test_amounts_and_free_text(day1: pl.DataFrame) -> None:
    aum = day1["AUM (USD)"].str.replace_all(",", "").cast(pl.Float64, strict=False)
    assert 30e6 < aum.median() < 200e6
    assert aum.max() > 1e11
    assert 0.005 < day1["AUM (USD)"].is_null().mean() < 0.05
    assert day1["AUM (USD)"].str.contains(",").any()  # thousands separators
    regions = set(day1["Region"].drop_nulls().str.strip_chars().str.to_lowercase())
    assert {"north america", "emea", "apac", "latam"} <= regions
    assert day1["Region"].drop_nulls().n_unique() > 4  # case/space noise
    assert day1["Advisor Email"].is_null().mean() == pytest.approx(0.15, abs=0.04)


# --- churn and quarantine cases ---------------------------------------------------------------


def test_day2_adds_and_removes_records(clients_by_day: dict[str, pl.DataFrame]) -> None:
    def ids(day: str) -> set[str]:
        col = clients_by_day[day]["Client ID"].str.strip_chars().drop_nulls()
        return set(col.filter(col != "").to_list())

    before, after = ids(DATES[0]), ids(DATES[1])
    added, removed = after - before, before - after
    assert 0 < len(added) < 0.02 * len(before)
    assert 0 < len(removed) < 0.02 * len(before)
    modified = clients_by_day[DATES[1]]["Last Modified"].str.strip_chars()
    assert modified.str.starts_with(DATES[1]).sum() > 0.01 * len(before)  # today's updates


def test_some_ids_appear_twice_with_older_versions(clients_by_day: dict[str, pl.DataFrame]) -> None:
    frame = clients_by_day[DATES[0]].filter(pl.col("Client ID").is_not_null())
    twice = frame.filter(pl.col("Client ID").is_duplicated())
    assert 0 < twice["Client ID"].n_unique() < 0.01 * frame.height
    per_id = twice.group_by("Client ID").agg(pl.col("Last Modified").n_unique().alias("k"))
    assert (per_id["k"] == 2).mean() > 0.9


@pytest.mark.parametrize("rate", [0.0, 0.01, 0.05], ids=["clean", "1pct", "5pct"])
def test_bad_rows_rate(tmp_path: Path, rate: float) -> None:
    generate(tmp_path, clients=4_000, days=1, seed=5, bad_rows_rate=rate)
    frame = read_clients(tmp_path / DATES[0] / "clients.csv")
    share = malformed(frame).mean()
    assert share == pytest.approx(rate, abs=0.002)
    if rate:
        assert frame["Client ID"].is_null().any()
        stamps = frame["Last Modified"].map_elements(parses_as_timestamp, return_dtype=pl.Boolean)
        assert not stamps.fill_null(False).all()


# --- static files -----------------------------------------------------------------------------


def test_advisors_json_is_column_oriented(run: tuple[Path, GenerateReport]) -> None:
    out, report = run
    data = json.loads((out / DATES[0] / "advisors.json").read_text())
    assert list(data) == SOURCES["advisors"].column_names
    rows = report.rows[DATES[0]]["advisors.json"]
    for column in data.values():
        assert list(column) == [str(i) for i in range(rows)]
    frame = pl.DataFrame({c: list(v.values()) for c, v in data.items()})
    assert frame.schema["capacity"] == pl.Int64
    assert frame.schema["is_active"] == pl.Boolean
    assert not frame["is_active"].all()
    assert frame["advisor_email"].is_duplicated().any()  # one advisor in two territories
    territories = pl.read_csv(out / DATES[0] / "territories.csv")
    assert set(frame["territory_id"]) <= set(territories["territory_id"])
    active = frame.filter("is_active")["capacity"].sum()
    assert 0.9 * CLIENTS < active < 1.3 * CLIENTS


def test_advisors_json_loads_with_pandas(run: tuple[Path, GenerateReport]) -> None:
    pd = pytest.importorskip("pandas")
    out, _ = run
    frame = pd.read_json(out / DATES[0] / "advisors.json", orient="columns")
    assert list(frame.columns) == SOURCES["advisors"].column_names


def test_advisor_roster_changes_on_refresh(run: tuple[Path, GenerateReport]) -> None:
    out, _ = run
    first = json.loads((out / DATES[0] / "advisors.json").read_text())
    later = json.loads((out / DATES[7] / "advisors.json").read_text())
    assert len(later["advisor_email"]) == len(first["advisor_email"]) + 1
    assert sum(later["is_active"].values()) == sum(first["is_active"].values())  # -1 +1


def test_territories(run: tuple[Path, GenerateReport]) -> None:
    out, _ = run
    frame = pl.read_csv(out / DATES[0] / "territories.csv", infer_schema=False)
    defaults = frame.filter(pl.col("tier").is_null())
    assert defaults.height == 4 * 7
    assert set(defaults["region"]) == {"North America", "EMEA", "APAC", "LATAM"}
    assert {"NA-PEN", "NA-PEN-PLATINUM"} <= set(frame["territory_id"])
    tiers = pl.read_csv(Path("dbt_territory/seeds/segmentation_tiers.csv"))["tier"]
    assert set(frame["tier"].drop_nulls()) <= set(tiers)
    later = pl.read_csv(out / DATES[7] / "territories.csv", infer_schema=False)
    assert later.height == frame.height + 1
    assert frame["territory_id"].is_unique().all()


def test_whitelist_and_blacklist_cases(
    run: tuple[Path, GenerateReport], truth: pl.DataFrame
) -> None:
    out, _ = run
    folder = out / DATES[0]
    white = pl.read_csv(folder / "whitelist.csv", infer_schema=False)
    black = pl.read_csv(folder / "blacklist.csv", infer_schema=False)
    territories = set(pl.read_csv(folder / "territories.csv")["territory_id"])
    known = set(truth["client_id"])
    assert white.height == pytest.approx(0.005 * CLIENTS, rel=0.5)
    assert black.height == pytest.approx(0.003 * CLIENTS, rel=0.5)
    today = DATES[0]
    active = white.filter(
        (pl.col("effective_from") <= today)
        & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= today))
    )
    conflicts = active.group_by("client_id").agg(pl.col("territory_id").n_unique().alias("k"))
    assert conflicts.filter(pl.col("k") > 1).height > 0
    assert (white["effective_to"] < today).any()  # expired
    assert (white["effective_from"] > DATES[-1]).any() or (white["effective_from"] > today).any()
    assert white["effective_to"].is_null().any()  # open-ended
    assert not set(white["territory_id"]) <= territories  # orphan territory
    assert not set(white["client_id"]) <= known  # orphan client
    clash = white.join(black, on=["client_id", "territory_id"])
    assert clash.height > 0
    key = ["client_id", "territory_id", "effective_from"]
    assert not white.select(key).is_duplicated().any()
    # Cumulative: the day-8 lists keep every day-1 entry.
    later = pl.read_csv(out / DATES[7] / "whitelist.csv", infer_schema=False)
    assert white.join(later, on=key, how="anti").is_empty()
    assert later.height > white.height


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clients": 0, "days": 1}, "clients"),
        ({"clients": 10, "days": 0}, "days"),
        ({"clients": 10, "days": 1, "bad_rows_rate": 1.5}, "bad_rows_rate"),
    ],
    ids=["no-clients", "no-days", "rate-above-one"],
)
def test_rejects_bad_arguments(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, seed=1, **kwargs)
