"""Cosmos watcher mode at the cost of one `dbt build`: a producer that reports each node's final
result once, and per-node tasks that are settled in the triggerer without a worker process.

Cosmos' watcher runs one `dbt build` (the producer) and renders one sensor task per dbt node
(the consumers). As shipped it costs several times the build itself on a small machine
(measured in benchmarks/airflow_benchmark.py):
- the producer turns every dbt event, debug events included, into JSON and pushes an XCom for
  each node event (about a thousand API calls a night);
- every consumer is a worker process (a Python start-up and a DAG parse) that defers and is
  resumed in a second process, and consumers wait for each other along dbt's lineage, so the
  night ends one task start-up per node after dbt has finished.

Here the producer reads dbt's events as objects, keeps only node results, and publishes all of
them in one XCom (`RESULTS_KEY`, a dict rewritten at most every `PUBLISH_SECONDS`). Each
consumer starts in the triggerer (`start_from_trigger`); one poller per DAG run reads that XCom
and the producer's state for every consumer trigger of the run, and a success or a skip ends
the task there (`TaskSuccessEvent`, `TaskSkippedEvent`). Only a failure resumes the task on a
worker, so that it fails through the normal path (retries, failure callbacks, the alert).

Lives in the package, not the DAG folder: the triggerer imports triggers by class path and does
not put the DAG folder on `sys.path`. It is the one module that touches Cosmos internals (the
`cosmos.operators._watcher` modules, the producer's `_StdoutFilter`, and the class of the tasks
Cosmos renders: `report_node_tasks_from_the_triggerer`), so only the Cosmos releases in
`cosmos_version.SUPPORTED` are accepted. No documented Cosmos hook replaces the class swap:
`operator_args` only passes keyword arguments to Cosmos' own classes, and `node_converters`
build a node's task but not the producer, which the consumers' sensors are tied to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from airflow.triggers.base import (
    BaseTrigger,
    StartTriggerArgs,
    TaskSkippedEvent,
    TaskSuccessEvent,
    TriggerEvent,
)
from asgiref.sync import sync_to_async

from territory.orchestration.cosmos_version import require_supported_cosmos

require_supported_cosmos()  # before the private imports below: a clear message, not an ImportError

from cosmos.listeners.dag_run_listener import EventStatus  # noqa: E402
from cosmos.operators._watcher.aggregation import (  # noqa: E402
    accumulate_test_result,
    get_aggregated_test_status,
)
from cosmos.operators._watcher.base import BaseConsumerSensor  # noqa: E402
from cosmos.operators._watcher.state import (  # noqa: E402
    DBT_UPSTREAM_FAILURE_SKIP_EVENT_NAMES,
    DbtNodeStatus,
    ProducerTaskState,
    is_dbt_node_status_failed,
    is_dbt_node_status_skipped,
    is_dbt_node_status_success,
    is_dbt_node_status_terminal,
    safe_xcom_push,
)
from cosmos.operators._watcher.triggerer import WatcherEventReason  # noqa: E402
from cosmos.operators.local import DbtLocalBaseOperator  # noqa: E402
from cosmos.operators.watcher import DbtProducerWatcherOperator, _StdoutFilter  # noqa: E402

log = logging.getLogger(__name__)

RESULTS_KEY = "territory_node_results"
TRIGGER_CLASSPATH = f"{__name__}.NodeResultTrigger"
PUBLISH_SECONDS = 0.5
# Every consumer trigger of a run shares one poller: two API calls per interval for the run.
POLL_SECONDS = 1.0
_TESTS_SUFFIX = "#tests"
# dbt's human-readable lines (its debug events are not logged, as on dbt's own console).
_LOG_LEVELS = {"info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


def result_key(unique_id: str, tests: bool) -> str:
    """A node's entry in RESULTS_KEY: its own status, or the aggregate of its model's tests."""
    return unique_id + _TESTS_SUFFIX if tests else unique_id


@dataclass
class NodeResults:
    """The node results of one `dbt build`, as the consumers read them."""

    tests_per_model: dict[str, list[str]]
    results: dict[str, str] = field(default_factory=dict)
    test_results_per_model: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped_by_failure: set[str] = field(default_factory=set)

    def record(self, event_name: str, unique_id: str, resource_type: str, status: str) -> bool:
        """Fold one dbt event in; True when a result changed."""
        if not unique_id:
            return False
        if event_name in DBT_UPSTREAM_FAILURE_SKIP_EVENT_NAMES:
            # dbt skipped the node because something upstream failed: its task fails (and can
            # be retried), it is not a "nothing to do" skip.
            self.skipped_by_failure.add(unique_id)
        if event_name != "NodeFinished" or not is_dbt_node_status_terminal(status):
            return False
        if is_dbt_node_status_skipped(status) and unique_id in self.skipped_by_failure:
            status = DbtNodeStatus.FAILED.value
        if resource_type == "test":
            changed = False
            for model in accumulate_test_result(
                unique_id, status, self.tests_per_model, self.test_results_per_model
            ):
                aggregated = get_aggregated_test_status(
                    model, self.tests_per_model, self.test_results_per_model
                )
                if aggregated is not None:
                    # An enum member: its value is what the status checks compare with.
                    self.results[result_key(model, tests=True)] = str(
                        getattr(aggregated, "value", aggregated)
                    )
                    changed = True
            return changed
        self.results[result_key(unique_id, tests=False)] = status
        return True


class _Publisher:
    """Pushes the results dict when it changed, at most every PUBLISH_SECONDS, from one thread
    (dbt calls back from its worker threads; an API call there would slow the build)."""

    def __init__(
        self, push: Callable[[dict[str, str]], None], snapshot: Callable[[], dict[str, str]]
    ) -> None:
        self._push = push
        self._snapshot = snapshot
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="node-results", daemon=True)

    def start(self) -> None:
        self._push(self._snapshot())
        self._thread.start()

    def changed(self) -> None:
        self._changed.set()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            if self._changed.wait(timeout=PUBLISH_SECONDS):
                self._changed.clear()
                self._push(self._snapshot())
                self._stopped.wait(PUBLISH_SECONDS)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._push(self._snapshot())  # the final word, whatever the loop last sent


class NodeResultsProducer(DbtProducerWatcherOperator):
    """The watcher producer (`dbt build` of the whole selection) publishing node results once,
    in RESULTS_KEY, instead of an XCom per dbt event."""

    def execute(self, context: Any, **kwargs: Any) -> Any:
        if context["ti"].try_number > 1:
            # Cosmos would skip a retried producer and let each node task rebuild its node
            # alone, out of order and against the other nodes' old tables. A night is built
            # whole: by a new run of the transform DAG, which plans it again.
            raise AirflowFailException(
                "the dbt build of a night is not retried or cleared task by task: trigger "
                'territory_transform with conf {"run_date": "YYYY-MM-DD"} to build the '
                "night again (later nights are replayed after it)"
            )
        return super().execute(context, **kwargs)

    def _start_results(self, context: Any) -> tuple[Callable[..., None], _Publisher]:
        """A `record(event_name, unique_id, resource_type, status)` for dbt's callbacks (any
        thread) and the publisher that pushes what it recorded."""
        results = NodeResults(tests_per_model=self.tests_per_model)
        lock = threading.Lock()
        ti = context["ti"]

        def snapshot() -> dict[str, str]:
            with lock:
                return dict(results.results)

        publisher = _Publisher(lambda value: safe_xcom_push(ti, RESULTS_KEY, value), snapshot)
        publisher.start()

        def record(event_name: str, unique_id: str, resource_type: str, status: str) -> None:
            with lock:
                changed = results.record(event_name, unique_id, resource_type, status)
            if changed:
                publisher.changed()

        return record, publisher

    def run_dbt_runner(
        self, command: list[str], env: dict[str, str], cwd: str, **kwargs: Any
    ) -> Any:
        context = kwargs.get("context")
        if context is None or context.get("_check_source_freshness"):
            return super().run_dbt_runner(command, env, cwd, **kwargs)
        record, publisher = self._start_results(context)

        def on_event(event: Any) -> None:
            # dbt calls this for every event, debug ones included: read fields, never JSON.
            info = event.info
            if info.level in _LOG_LEVELS and info.msg:
                log.log(_LOG_LEVELS[info.level], "%s", info.msg)
            node = getattr(event.data, "node_info", None)
            if node is not None:
                record(info.name, node.unique_id, node.resource_type, node.node_status)

        self._dbt_runner_callbacks = [*(self._dbt_runner_callbacks or []), on_event]
        try:
            with contextlib.redirect_stdout(_StdoutFilter()):
                return DbtLocalBaseOperator.run_dbt_runner(self, command, env, cwd, **kwargs)
        finally:
            self._dbt_runner_callbacks = [
                callback for callback in self._dbt_runner_callbacks if callback is not on_event
            ]
            publisher.stop()

    def run_subprocess(
        self, command: list[str], env: dict[str, str], cwd: str, **kwargs: Any
    ) -> Any:
        context = kwargs.get("context")
        if context is None or context.get("_check_source_freshness"):
            return super().run_subprocess(command, env, cwd, **kwargs)
        record, publisher = self._start_results(context)

        def on_line(line: str, _extra: Any) -> None:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                log.info("%s", line)
                return
            info = event.get("info", {})
            if info.get("msg"):
                log.info("%s", info["msg"])
            node = event.get("data", {}).get("node_info") or {}
            record(
                info.get("name", ""),
                node.get("unique_id", ""),
                node.get("resource_type", ""),
                node.get("node_status", ""),
            )

        self._process_log_line_callable = on_line
        try:
            return DbtLocalBaseOperator.run_subprocess(self, command, env, cwd, **kwargs)
        finally:
            publisher.stop()


def start_trigger_args(consumer: BaseConsumerSensor) -> StartTriggerArgs:
    """How a consumer starts in the triggerer: the trigger and its (static) arguments."""
    return StartTriggerArgs(
        trigger_cls=TRIGGER_CLASSPATH,
        trigger_kwargs=NodeResultTrigger.arguments_for(consumer),
        next_method="execute_complete",
        next_kwargs=None,
        timeout=None,
    )


class ReportsNodeResult:
    """Mixin for a Cosmos consumer that the DAG starts in the triggerer (`start_from_trigger`,
    `start_trigger_args`). If it runs on a worker all the same (`dag.test()`, an executor that
    ignores start_from_trigger), it defers to the same trigger: it never runs dbt itself. A
    node is rebuilt by building its night again, not by its task."""

    def execute(self, context: Any, **kwargs: Any) -> None:
        self.defer(  # type: ignore[attr-defined]
            trigger=NodeResultTrigger(**NodeResultTrigger.arguments_for(self)),  # type: ignore[arg-type]
            method_name="execute_complete",
        )


@dataclass
class _RunPoller:
    """The producer's results and state for one DAG run, polled once for all its triggers."""

    dag_id: str
    run_id: str
    producer_task_id: str
    results: dict[str, str] = field(default_factory=dict)
    producer_state: str | None = None
    polled: asyncio.Event = field(default_factory=asyncio.Event)
    users: int = 0
    task: asyncio.Task[None] | None = None
    # A failed read ends the poller; every trigger of the run then fails with it rather than
    # wait for polls that will never come.
    error: Exception | None = None

    async def run(self) -> None:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
        from airflow.sdk.execution_time.xcom import XCom

        def read() -> tuple[dict[str, str] | None, str | None]:
            states = RuntimeTaskInstance.get_task_states(
                dag_id=self.dag_id, task_ids=[self.producer_task_id], run_ids=[self.run_id]
            )
            found = states.get(self.run_id, {}).get(self.producer_task_id)
            state = None if found is None else str(found)
            if state not in _PRODUCER_STARTED:
                # Not started (or cleared and not started again): nothing of this try to read.
                return None, state
            value = XCom.get_one(
                run_id=self.run_id,
                key=RESULTS_KEY,
                task_id=self.producer_task_id,
                dag_id=self.dag_id,
                map_index=-1,
            )
            return value, state

        while self.users:
            try:
                value, self.producer_state = await sync_to_async(read)()
            except Exception as error:
                self.error = error
            else:
                self.results = dict(value or {})
            done, self.polled = self.polled, asyncio.Event()
            done.set()
            if self.error is not None:
                return
            await asyncio.sleep(POLL_SECONDS)


_PRODUCER_STARTED = frozenset({"running", "success", "failed"})
_POLLERS: dict[tuple[str, str, str], _RunPoller] = {}


@asynccontextmanager
async def _poller(dag_id: str, run_id: str, producer_task_id: str) -> AsyncIterator[_RunPoller]:
    key = (dag_id, run_id, producer_task_id)
    poller = _POLLERS.get(key)
    if poller is None or poller.task is None or poller.task.done():
        poller = _POLLERS[key] = _RunPoller(dag_id, run_id, producer_task_id)
        poller.task = asyncio.create_task(poller.run())  # runs once this coroutine yields
    poller.users += 1
    try:
        yield poller
    finally:
        poller.users -= 1
        if not poller.users:
            _POLLERS.pop(key, None)


class NodeResultTrigger(BaseTrigger):
    """Waits for one dbt node's result (or its model's tests' aggregate) in the producer's
    RESULTS_KEY and ends the task: success or skip in the triggerer, failure on a worker."""

    def __init__(self, unique_id: str, tests: bool, producer_task_id: str) -> None:
        super().__init__()
        self.unique_id = unique_id
        self.tests = tests
        self.producer_task_id = producer_task_id

    @staticmethod
    def arguments_for(consumer: Any) -> dict[str, Any]:
        return {
            "unique_id": consumer.model_unique_id,
            "tests": bool(consumer.is_test_sensor),
            "producer_task_id": consumer.producer_task_id,
        }

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return TRIGGER_CLASSPATH, {
            "unique_id": self.unique_id,
            "tests": self.tests,
            "producer_task_id": self.producer_task_id,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        ti = self.task_instance
        key = result_key(self.unique_id, self.tests)
        async with _poller(ti.dag_id, ti.run_id, self.producer_task_id) as poller:
            while True:
                if poller.error is None:
                    await poller.polled.wait()
                if poller.error is not None:
                    raise RuntimeError(
                        f"reading the results of {self.producer_task_id} failed: {poller.error}"
                    ) from poller.error
                event = outcome(poller.results.get(key), poller.producer_state)
                if event is not None:
                    yield event
                    return


def _failed(reason: WatcherEventReason) -> TriggerEvent:
    """Resume the task on a worker, where Cosmos' execute_complete raises: a failure goes
    through Airflow's normal path (failure callbacks, the alert)."""
    return TriggerEvent({"status": EventStatus.FAILED, "reason": reason})


def outcome(status: str | None, producer_state: str | None) -> TriggerEvent | None:
    """The event ending a consumer, or None to keep waiting."""
    if is_dbt_node_status_success(status):
        return TaskSuccessEvent()
    if is_dbt_node_status_skipped(status):
        return TaskSkippedEvent()
    if is_dbt_node_status_failed(status):
        return _failed(WatcherEventReason.NODE_FAILED)
    if producer_state in (ProducerTaskState.FAILED, ProducerTaskState.UPSTREAM_FAILED):
        return _failed(WatcherEventReason.PRODUCER_FAILED)
    if producer_state == ProducerTaskState.SKIPPED:
        # The transform run had no night to build (the producer never ran).
        return TaskSkippedEvent()
    if producer_state == ProducerTaskState.SUCCESS:
        # The build succeeded without reporting this node (an ephemeral or empty model).
        return TaskSuccessEvent()
    return None


DEFAULT_POOL = "default_pool"  # Airflow's own pool (parallelism-bound, no slot limit here)
_REPORTING: dict[type, type] = {}


def report_node_tasks_from_the_triggerer(tasks: Iterable[Any], group_id: str) -> None:
    """Cosmos' watcher at the cost of one `dbt build`, on the tasks Cosmos rendered for the
    task group `group_id` (the transform DAG calls it once, at parse).

    The producer publishes every node's result once (one XCom). Each model/seed/test task is
    settled in the triggerer from that result (`start_from_trigger`; no worker process unless it
    fails). Lineage edges stay drawn, but a task below another does not wait for it
    (`TriggerRule.ALWAYS`): dbt already orders the nodes, and each task reports its own node, so
    the night ends when dbt ends, not one task start-up per node later. The roots still wait for
    the plan, and a night with nothing to build skips them all. Node tasks never run dbt
    themselves and neither they nor the producer retry: a failed night is rebuilt by a new
    transform run (`{"run_date": ...}`), never node by node out of order.
    """
    from airflow.sdk import TriggerRule

    for operator in tasks:
        if not operator.task_id.startswith(f"{group_id}."):
            continue
        if isinstance(operator, DbtProducerWatcherOperator):
            operator.__class__ = NodeResultsProducer
            operator.retries = 0
        elif isinstance(operator, BaseConsumerSensor):
            operator.__class__ = _reporting_class(type(operator))
            operator.pool = DEFAULT_POOL
            operator.retries = 0
            operator.start_from_trigger = True
            operator.start_trigger_args = start_trigger_args(operator)
            if operator.upstream_task_ids:
                operator.trigger_rule = TriggerRule.ALWAYS


def _reporting_class(sensor_class: type) -> type:
    """`ReportsNodeResult` over a Cosmos consumer sensor class, one per class, importable from
    this module by its name."""
    if sensor_class not in _REPORTING:
        name = f"Reporting{sensor_class.__name__}"
        created = type(name, (ReportsNodeResult, sensor_class), {"__module__": __name__})
        globals()[name] = created
        _REPORTING[sensor_class] = created
    return _REPORTING[sensor_class]
