"""The learned matcher's expectation-maximisation (int_client_match_model) on a hand-computed
example: candidate pairs drawn from a known two-class mixture (a share λ of matches, every
attribute independent within each class), given as the exact expected pattern counts. A real
`dbt run` of the model over hand-made input tables must give back the m, u and λ that made them.

The example knows name, location and AUM (two levels each; parent unknown on every pair), so
each of the model's training sessions has attributes to learn from: pairs with the same
postcode (location 7) teach name and AUM, pairs whose AUM is the same teach location and name.
The records are just enough that their pairs are (about) the candidate pairs: blocking leaves
none out, so u among all pairs is u among the candidates.
"""

from __future__ import annotations

import itertools
from datetime import date

import duckdb
import pytest

from territory.config import build_config
from territory.nightly.dbt import TransformError, run_dbt

pytestmark = pytest.mark.slow  # a real dbt run

RUN_DATE = date(2026, 1, 5)
PAIRS = 10_000_000
ITERATIONS = 100
MATCH_SHARE = 0.2  # λ: the share of candidate pairs that are one company
# P(level | match) and P(level | non-match) of the known attributes, at the two levels used
# two levels of each attribute.
M = {"name": {0: 0.1, 12: 0.9}, "location": {1: 0.2, 7: 0.8}, "aum": {0: 0.3, 3: 0.7}}
U = {"name": {0: 0.95, 12: 0.05}, "location": {1: 0.9, 7: 0.1}, "aum": {0: 0.8, 3: 0.2}}
LEVELS = {"name": 13, "location": 8, "aum": 4, "parent": 2}
# Records whose n (n - 1) / 2 pairs are PAIRS to within 0.02%.
RECORDS = 4_473


def expected_patterns() -> list[tuple]:
    """Every comparison vector of the example with its expected count under the mixture."""
    rows = []
    known = list(M)
    for pattern_id, levels in enumerate(itertools.product(*(M[name] for name in known)), 1):
        match, non_match = MATCH_SHARE, 1 - MATCH_SHARE
        for name, level in zip(known, levels, strict=True):
            match *= M[name][level]
            non_match *= U[name][level]
        by_name = dict(zip(known, levels, strict=True))
        rows.append(
            (
                pattern_id,
                *(by_name.get(name) for name in LEVELS),
                False,
                round(PAIRS * (match + non_match)),
            )
        )
    return rows


def random_pair_u() -> list[tuple]:
    """The u the random sample would give: the non-match distribution (0 at unused levels)."""
    rows = []
    for name, count in LEVELS.items():
        for level in range(count):
            rows.append((name, level, count, U.get(name, {}).get(level, 0.0), 1000, 0.0))
    rows.append(("prior", 0, 1, None, None, None))
    return rows


@pytest.fixture(scope="module")
def learned_home(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The hand-made inputs and the parameters estimated from them on RUN_DATE."""
    home = tmp_path_factory.mktemp("em_home")
    config = build_config({"home": home}, environ={}, load_secrets=False)
    with duckdb.connect(str(config.duckdb_path)) as conn:
        conn.execute("create schema intermediate")
        level_columns = ", ".join(f"{name}_level integer" for name in LEVELS)
        conn.execute(
            "create table intermediate.int_client_comparison_patterns "
            f"(pattern_id bigint, {level_columns}, is_number_conflict boolean, pair_count bigint)"
        )
        conn.executemany(
            "insert into intermediate.int_client_comparison_patterns values "
            f"({', '.join('?' * (len(LEVELS) + 3))})",
            expected_patterns(),
        )
        conn.execute(
            "create table intermediate.int_client_u_probabilities (comparison varchar, "
            "comparison_level integer, level_count integer, u_probability double, "
            "random_pairs_known bigint, non_candidate_pair_share double)"
        )
        conn.executemany(
            "insert into intermediate.int_client_u_probabilities values (?, ?, ?, ?, ?, ?)",
            random_pair_u(),
        )
        conn.execute(
            "create table intermediate.int_clients_profiled as "
            f"select 'C' || range as client_id from range({RECORDS})"
        )
    run_dbt(
        ["run", "--select", "int_client_match_model"],
        config,
        run_date=RUN_DATE,
        extra_vars={"er_em_iterations": ITERATIONS},
    )
    return config, config.duckdb_path


@pytest.fixture(scope="module")
def learned(learned_home: tuple) -> dict[tuple[str, int], dict]:
    return _model_rows(learned_home[1], RUN_DATE)


def test_em_recovers_the_match_share(learned) -> None:
    prior = learned[("prior", 0)]
    assert prior["m_probability"] == pytest.approx(MATCH_SHARE, abs=1e-3)
    assert prior["candidate_pairs"] == pytest.approx(PAIRS, abs=10)


@pytest.mark.parametrize("attribute", list(M))
def test_em_recovers_m_and_u(learned, attribute: str) -> None:
    for level in M[attribute]:
        row = learned[(attribute, level)]
        assert row["m_probability"] == pytest.approx(M[attribute][level], abs=1e-3)
        assert row["u_probability"] == pytest.approx(U[attribute][level], abs=1e-3)
        assert row["random_u_probability"] == pytest.approx(U[attribute][level])


def test_em_converged_and_says_so(learned) -> None:
    assert {row["em_iterations"] for row in learned.values()} == {ITERATIONS}
    assert max(row["em_last_change"] for row in learned.values()) < 1e-6
    assert {row["run_date"] for row in learned.values()} == {RUN_DATE}


def test_the_weights_are_log_likelihood_ratios(learned) -> None:
    import math

    name_agrees = learned[("name", 12)]
    assert name_agrees["match_weight"] == pytest.approx(math.log2(0.9 / 0.05), abs=1e-2)
    prior = learned[("prior", 0)]
    assert prior["match_weight"] == pytest.approx(math.log2(0.2 / 0.8), abs=1e-2)


def _model_rows(warehouse, night: date) -> dict[tuple[str, int], dict]:
    with duckdb.connect(str(warehouse)) as conn:
        result = conn.execute(
            "select * from intermediate.int_client_match_model where run_date = ?", [night]
        )
        names = [column[0] for column in result.description]
        rows = (dict(zip(names, values, strict=True)) for values in result.fetchall())
        return {(row["comparison"], row["comparison_level"]): row for row in rows}


def test_a_pinned_version_is_reused_and_a_missing_one_fails_the_night(
    learned_home: tuple,
) -> None:
    """GIVEN parameters estimated on RUN_DATE and other candidate pairs the next night,
    WHEN the next night pins `er_model_parameters_version` to RUN_DATE, THEN its parameters are
    RUN_DATE's, estimated_on RUN_DATE; WHEN a night pins a version that does not exist, THEN
    `dbt build` fails at the coverage test instead of scoring with no weights."""
    config, warehouse = learned_home
    pinned_night, missing_night, estimated_night = (date(2026, 1, d) for d in (6, 7, 8))
    with duckdb.connect(str(warehouse)) as conn:  # other pairs: a smaller share of matches
        conn.execute(
            "update intermediate.int_client_comparison_patterns "
            "set pair_count = pair_count * case when name_level = 0 then 3 else 1 end"
        )
    pin = {"er_em_iterations": 20, "er_model_parameters_version": RUN_DATE.isoformat()}
    run_dbt(
        ["run", "--select", "int_client_match_model"], config, run_date=pinned_night, extra_vars=pin
    )
    run_dbt(
        ["run", "--select", "int_client_match_model"],
        config,
        run_date=estimated_night,
        extra_vars={"er_em_iterations": 20},
    )

    original, pinned = _model_rows(warehouse, RUN_DATE), _model_rows(warehouse, pinned_night)
    assert pinned.keys() == original.keys()
    for key, row in pinned.items():
        assert row["estimated_on"] == RUN_DATE
        assert {k: v for k, v in row.items() if k != "run_date"} == {
            k: v for k, v in original[key].items() if k != "run_date"
        }
    estimated = _model_rows(warehouse, estimated_night)
    assert {row["estimated_on"] for row in estimated.values()} == {estimated_night}
    assert estimated[("prior", 0)]["m_probability"] < original[("prior", 0)]["m_probability"]

    with pytest.raises(TransformError, match="assert_match_model_covers_the_run_date"):
        run_dbt(
            ["build", "--select", "int_client_match_model assert_match_model_covers_the_run_date"],
            config,
            run_date=missing_night,
            extra_vars={**pin, "er_model_parameters_version": "2025-01-01"},
        )
    assert _model_rows(warehouse, missing_night) == {}
