"""The watcher's node results (territory/orchestration/watcher.py): what the producer records
from dbt's events and how a node task ends from it. The whole path (producer, triggerer, API) is
exercised under a real scheduler by test_airflow_scheduler.py."""

from __future__ import annotations

import pytest
from airflow.triggers.base import TaskSkippedEvent, TaskSuccessEvent

from territory.orchestration.watcher import NodeResults, outcome, result_key

MODEL = "model.territory.stg_crm__clients"
CHILD = "model.territory.int_clients_normalized"
TESTS = ["test.territory.not_null_clients_id", "test.territory.unique_clients_id"]


def results() -> NodeResults:
    return NodeResults(tests_per_model={MODEL: TESTS})


def test_only_a_finished_node_is_a_result() -> None:
    nodes = results()
    assert not nodes.record("NodeStart", MODEL, "model", "started")
    assert not nodes.record("NodeExecuting", MODEL, "model", "executing")
    assert nodes.record("NodeFinished", MODEL, "model", "success")
    assert nodes.results == {MODEL: "success"}


def test_a_models_tests_report_once_all_have_finished_and_fail_if_any_failed() -> None:
    nodes = results()
    assert not nodes.record("NodeFinished", TESTS[0], "test", "pass")
    assert result_key(MODEL, tests=True) not in nodes.results
    assert nodes.record("NodeFinished", TESTS[1], "test", "fail")
    assert nodes.results == {result_key(MODEL, tests=True): "fail"}


def test_a_node_skipped_because_upstream_failed_is_a_failure_not_a_skip() -> None:
    nodes = results()
    nodes.record("NodeFinished", MODEL, "model", "error")
    nodes.record("SkippingDetails", CHILD, "model", "skipped")
    nodes.record("NodeFinished", CHILD, "model", "skipped")
    assert nodes.results == {MODEL: "error", CHILD: "failed"}


@pytest.mark.parametrize(
    ("status", "producer", "ends"),
    [
        ("success", "running", TaskSuccessEvent),
        ("pass", "running", TaskSuccessEvent),
        ("skipped", "success", TaskSkippedEvent),
        (None, "skipped", TaskSkippedEvent),  # no night to build: the producer never ran
        (None, "success", TaskSuccessEvent),  # an ephemeral model: dbt reports nothing
        (None, "running", None),
        (None, None, None),
    ],
)
def test_success_and_skip_end_in_the_triggerer(
    status: str | None, producer: str | None, ends: type | None
) -> None:
    event = outcome(status, producer)
    assert (type(event) if event is not None else None) is ends


@pytest.mark.parametrize(
    ("status", "producer", "reason"),
    [
        ("error", "running", "node_failed"),
        ("fail", "failed", "node_failed"),
        (None, "failed", "producer_failed"),
        (None, "upstream_failed", "producer_failed"),
    ],
)
def test_a_failure_resumes_on_a_worker_to_fail_through_airflow(
    status: str | None, producer: str, reason: str
) -> None:
    event = outcome(status, producer)
    assert not isinstance(event, (TaskSuccessEvent, TaskSkippedEvent))
    assert event is not None and event.payload == {"status": "failed", "reason": reason}


def _run_triggers(monkeypatch: pytest.MonkeyPatch, states, xcom, *triggers) -> list:
    """Run triggers of one DAG run to their first event, with Airflow's task-state and XCom
    reads (the triggerer's calls to the API server) answered by `states` and `xcom`."""
    import asyncio
    from types import SimpleNamespace

    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time import xcom as sdk_xcom

    monkeypatch.setattr(task_runner.RuntimeTaskInstance, "get_task_states", staticmethod(states))
    monkeypatch.setattr(sdk_xcom.XCom, "get_one", staticmethod(xcom))
    for trigger in triggers:
        trigger.task_instance = SimpleNamespace(
            dag_id="territory_transform", run_id="run-1", task_id=f"dbt.{trigger.unique_id}.run"
        )

    async def first_events() -> list:
        async def first(trigger):
            async for event in trigger.run():
                return event

        return await asyncio.gather(*(first(t) for t in triggers), return_exceptions=True)

    return asyncio.run(first_events())


def test_the_triggers_of_a_run_share_one_poll_and_end_from_the_published_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from territory.orchestration.watcher import RESULTS_KEY, NodeResultTrigger

    reads = []

    def states(dag_id, task_ids, run_ids):
        return {"run-1": {"dbt.producer": "success"}}

    def xcom(run_id, key, task_id, dag_id, map_index):
        reads.append(key)
        return {MODEL: "success", result_key(MODEL, tests=True): "fail"}

    events = _run_triggers(
        monkeypatch,
        states,
        xcom,
        NodeResultTrigger(MODEL, tests=False, producer_task_id="dbt.producer"),
        NodeResultTrigger(MODEL, tests=True, producer_task_id="dbt.producer"),
    )
    assert isinstance(events[0], TaskSuccessEvent)
    assert events[1].payload == {"status": "failed", "reason": "node_failed"}
    assert reads == [RESULTS_KEY]  # one read served both triggers


def test_a_failed_read_fails_every_trigger_of_the_run_instead_of_leaving_them_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from territory.orchestration.watcher import NodeResultTrigger

    def states(dag_id, task_ids, run_ids):
        raise ConnectionError("API server unreachable")

    events = _run_triggers(
        monkeypatch,
        states,
        lambda **_: None,
        NodeResultTrigger(MODEL, tests=False, producer_task_id="dbt.producer"),
        NodeResultTrigger(CHILD, tests=False, producer_task_id="dbt.producer"),
    )
    for event in events:
        assert isinstance(event, RuntimeError), event
        assert "API server unreachable" in str(event)
