"""Master ids persist across nights: a cluster keeps its id while any of its records lives, a
merge keeps the older id (MERGED in the audit), a split leaves the id on the larger part
(SPLIT), and no company is reported REMOVED and NEW on the same night for a re-keying.

Four nights built from one generated CRM export, edited night by night:
  1. the export with a cluster K made of a record and two exact copies;
  2. the master record of a 3+ record cluster K deleted;
  3. a new record with a smaller id than K's master, a copy of a K record, joins K; a new
     singleton `A0000002` arrives;
  4. `A0000002` becomes a copy of an old singleton S (so the two merge: S's id is older), and
     one K record is renamed out of K (a split)."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from shared_builds import shared_build
from territory_cli import territory

pytestmark = pytest.mark.slow

START = date(2026, 4, 6)
NIGHTS = [START + timedelta(days=offset) for offset in range(4)]
JOINER, NEWCOMER = "A0000001", "A0000002"


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def masters(home: Path, night: date) -> dict[str, str]:
    return dict(
        query(
            home,
            "select client_id, master_client_id from analytics.client_identity_history "
            f"where run_date = date '{night}'",
        )
    )


def write_night(inbox: Path, night: date, clients: pl.DataFrame) -> None:
    folder = inbox / night.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    clients.write_csv(folder / "clients.csv")


@pytest.fixture(scope="session")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The four nights, built once for the session (read-only: a test that runs a night copies
    the home)."""
    folder = shared_build(tmp_path_factory, "identity_nights", build_four_nights)
    facts = json.loads((folder / "nights.json").read_text())
    return {**facts, "home": folder / "home", "inbox": folder / "inbox"}


def build_four_nights(folder: Path) -> None:
    from territory.synthetic import generate

    inbox, home = folder / "inbox", folder / "home"
    generate(out=inbox, clients=400, days=1, seed=5, start_date=START, bad_rows_rate=0)
    generated = pl.read_csv(inbox / START.isoformat() / "clients.csv", infer_schema=False)
    id_column, name_column, city_column = generated.columns[0], generated.columns[1], "City"

    def row(frame: pl.DataFrame, client_id: str, new_id: str) -> pl.DataFrame:
        return frame.filter(pl.col(id_column) == client_id).with_columns(
            pl.lit(new_id).alias(id_column)
        )

    # Cluster K: a generated record and two exact copies under larger ids (linked pairwise by
    # the exact-name rule, so deleting or renaming one cannot break the rest apart).
    ids = generated.get_column(id_column).sort().to_list()
    master, singleton = ids[10], ids[20]
    cluster = [master, "C9000001", "C9000002"]
    export = pl.concat(
        [generated, row(generated, master, cluster[1]), row(generated, master, cluster[2])]
    )
    write_night(inbox, NIGHTS[0], export)
    territory(home, "run", "--inbox", str(inbox), "--date", str(NIGHTS[0]))
    first = masters(home, NIGHTS[0])
    assert {first[client] for client in cluster} == {master}
    assert first[singleton] == singleton

    second = export.filter(pl.col(id_column) != master)
    write_night(inbox, NIGHTS[1], second)
    # Another company: nothing of the singleton's row left to match on (the learned matcher
    # weighs postcode and AUM too, not the name alone).
    elsewhere = {
        city_column: "Reykjavik",
        "Postal Code": "IS-101",
        "AUM (USD)": "123456789",
        "Annual Revenue (USD)": "",
    }
    newcomer = row(export, singleton, NEWCOMER).with_columns(
        pl.lit("Zyxquor Wombatique Holdings").alias(name_column),
        *(pl.lit(value).alias(column) for column, value in elsewhere.items()),
    )
    third = pl.concat([second, row(export, master, JOINER), newcomer])
    write_night(inbox, NIGHTS[2], third)
    leaver = cluster[2]
    fourth = pl.concat(
        [third.filter(pl.col(id_column) != NEWCOMER), row(export, singleton, NEWCOMER)]
    ).with_columns(
        pl.when(pl.col(id_column) == leaver)
        .then(pl.lit(value))
        .otherwise(pl.col(column))
        .alias(column)
        for column, value in {name_column: "Qwopzle Brindlecomb Pension Fund", **elsewhere}.items()
    )
    write_night(inbox, NIGHTS[3], fourth)
    for night in NIGHTS[1:]:
        territory(home, "run", "--inbox", str(inbox), "--date", str(night))
    facts = {"cluster": cluster, "master": master, "singleton": singleton, "leaver": leaver}
    (folder / "nights.json").write_text(json.dumps(facts))


def test_the_id_survives_its_master_record_disappearing(nights: dict) -> None:
    second = masters(nights["home"], NIGHTS[1])
    assert nights["master"] not in second
    assert {second[client] for client in nights["cluster"][1:]} == {nights["master"]}


def test_a_record_with_a_smaller_id_joins_without_rekeying(nights: dict) -> None:
    third = masters(nights["home"], NIGHTS[2])
    assert nights["master"] > JOINER
    assert third[JOINER] == nights["master"]
    assert third[NEWCOMER] == NEWCOMER  # a new cluster: its own smallest id


def test_a_merge_keeps_the_older_id_and_is_reported_merged(nights: dict) -> None:
    fourth = masters(nights["home"], NIGHTS[3])
    singleton = nights["singleton"]
    assert singleton > NEWCOMER, "the retired id is the smaller one: age decides, not order"
    assert fourth[NEWCOMER] == fourth[singleton] == singleton
    changes = query(
        nights["home"],
        "select change_type, related_master_client_id from analytics.fct_assignment_change "
        f"where run_date = date '{NIGHTS[3]}' and master_client_id = '{NEWCOMER}'",
    )
    assert changes == [("MERGED", singleton)]


def test_a_split_leaves_the_id_on_the_larger_part(nights: dict) -> None:
    fourth = masters(nights["home"], NIGHTS[3])
    leaver, master = nights["leaver"], nights["master"]
    assert fourth[nights["cluster"][1]] == fourth[JOINER] == master
    assert fourth[leaver] != master
    changes = query(
        nights["home"],
        "select change_type, related_master_client_id from analytics.fct_assignment_change "
        f"where run_date = date '{NIGHTS[3]}' and master_client_id = '{fourth[leaver]}'",
    )
    assert changes == [("SPLIT", master)]


def test_no_company_is_removed_and_new_on_the_same_night(nights: dict) -> None:
    """Across the four nights, no master id is REMOVED while another is NEW for a record of
    the same cluster: the records that remain keep their id."""
    same_night = query(
        nights["home"],
        """
        select count(*)
        from analytics.fct_assignment_change as removed
        inner join analytics.client_identity_history as before
            on before.master_client_id = removed.master_client_id
            and before.run_date < removed.run_date
        inner join analytics.client_identity_history as after
            on after.client_id = before.client_id and after.run_date = removed.run_date
        inner join analytics.fct_assignment_change as added
            on added.master_client_id = after.master_client_id
            and added.run_date = removed.run_date
        where removed.change_type = 'REMOVED' and added.change_type = 'NEW'
        """,
    )
    assert same_night == [(0,)]


def test_a_replayed_night_reissues_the_same_ids(nights: dict, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(nights["home"], home)
    territory(home, "run", "--inbox", str(nights["inbox"]), "--date", str(NIGHTS[1]))
    for night in NIGHTS:
        assert masters(home, night) == masters(nights["home"], night)
