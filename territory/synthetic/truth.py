"""Scoring a clustering of the generated records against the generator's truth
(`truth/entities.csv`: client_id, entity_id): pairwise precision, recall and F1, shared by the
benchmarks and the tests so both measure the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int


def pairwise_scores(conn: duckdb.DuckDBPyConnection, assignments: str, truth_csv: Path) -> Scores:
    """Pairwise P/R/F1 of a (client_id, master_client_id) relation against the truth file,
    over the clients the relation holds (pairs counted from cluster sizes, never enumerated)."""
    row = conn.sql(
        f"""
        with joined as (
            select a.client_id, a.master_client_id, t.entity_id
            from ({assignments}) as a
            inner join read_csv('{truth_csv}', header = true, all_varchar = true) as t
                on a.client_id = t.client_id
        ),
        predicted as (
            select coalesce(sum(n * (n - 1) / 2), 0) as pairs
            from (select count(*) as n from joined group by master_client_id)
        ),
        actual as (
            select coalesce(sum(n * (n - 1) / 2), 0) as pairs
            from (select count(*) as n from joined group by entity_id)
        ),
        agreed as (
            select coalesce(sum(n * (n - 1) / 2), 0) as pairs
            from (select count(*) as n from joined group by master_client_id, entity_id)
        )
        select agreed.pairs, predicted.pairs, actual.pairs from agreed, predicted, actual
        """
    ).fetchall()[0]
    agreed, predicted, actual = (int(v) for v in row)
    precision = agreed / predicted if predicted else 1.0
    recall = agreed / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, actual, predicted)
