"""The rollout wait: kubectl's completeness rule in order, the poll loop, the timeout text,
the timeout variable, and the status line that appears only on a terminal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from greentic_deployer.packs.contract import ProviderError
from greentic_deployer.packs.k8s.cluster import (
    ApiError,
    RolloutFailed,
    RolloutStatus,
    RolloutTimeout,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.rollout import (
    DEFAULT_TIMEOUT_SECS,
    POLL_SECS,
    TIMEOUT_ENV,
    judge_rollout,
    status_line,
    timeout_from_env,
    wait_for_rollout,
)
from greentic_deployer.testing.memory_cluster import InMemoryCluster

NS = "gtc-staging"
WORKER = ObjectRef("apps/v1", "Deployment", NS, "gtc-worker-01abc")


def _status(
    *,
    generation: int = 2,
    observed: int | None = 2,
    replicas: int = 3,
    updated: int = 3,
    available: int = 3,
    conditions: tuple[dict[str, Any], ...] = (),
) -> RolloutStatus:
    return RolloutStatus(
        generation=generation,
        observed_generation=observed,
        replicas=replicas,
        updated_replicas=updated,
        available_replicas=available,
        conditions=conditions,
    )


DEADLINE = {
    "type": "Progressing",
    "status": "False",
    "reason": "ProgressDeadlineExceeded",
    "message": 'ReplicaSet "gtc-worker-01abc-5d9" has timed out progressing.',
}


# -- the rule, branch by branch, in kubectl's order --------------------------------------------


@pytest.mark.parametrize(
    ("status", "done", "failed", "message"),
    [
        (_status(observed=None), False, False, "waiting for deployment spec update to be observed"),
        (_status(observed=1), False, False, "waiting for deployment spec update to be observed"),
        (
            _status(observed=1, conditions=(DEADLINE,)),
            False,
            False,
            "waiting for deployment spec update to be observed",
        ),
        (_status(conditions=(DEADLINE,)), False, True, DEADLINE["message"]),
        (
            _status(updated=1, available=0, conditions=(DEADLINE,)),
            False,
            True,
            DEADLINE["message"],
        ),
        (_status(updated=2), False, False, "2 out of 3 new replicas have been updated"),
        (_status(replicas=4), False, False, "1 old replicas are pending termination"),
        (_status(available=2), False, False, "2 of 3 updated replicas are available"),
        (_status(observed=3), True, False, "successfully rolled out"),
        (_status(), True, False, "successfully rolled out"),
    ],
    ids=[
        "observed-absent",
        "observed-behind",
        "observed-behind-wins-over-deadline",
        "progress-deadline-exceeded",
        "deadline-wins-over-counters",
        "too-few-updated",
        "lingering-old-replicas",
        "updated-not-yet-available",
        "observed-ahead-is-done",
        "done",
    ],
)
def test_rule_follows_kubectl_order(
    status: RolloutStatus, done: bool, failed: bool, message: str
) -> None:
    verdict = judge_rollout(status, desired_replicas=3)
    assert (verdict.done, verdict.failed, verdict.message) == (done, failed, message)


def test_desired_replicas_come_from_the_caller_not_the_status() -> None:
    status = _status(replicas=1, updated=1, available=1)
    assert not judge_rollout(status, desired_replicas=2).done
    assert judge_rollout(status, desired_replicas=1).done


def test_deadline_condition_without_message_still_fails_with_a_reason() -> None:
    bare = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    verdict = judge_rollout(_status(conditions=(bare,)), 3)
    assert verdict.failed
    assert verdict.message == "exceeded its progress deadline"


def test_progressing_condition_with_another_reason_does_not_fail() -> None:
    other = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}
    assert judge_rollout(_status(conditions=(other,)), 3).done


@pytest.mark.parametrize(
    ("observed", "replicas", "updated", "available", "desired"),
    [
        (2, 3, 3, 3, 3),
        (2, 5, 5, 5, 3),
        (2, 3, 3, 2, 2),
        (1, 3, 3, 3, 3),
        (None, 0, 0, 0, 1),
        (2, 4, 3, 3, 3),
    ],
)
def test_every_done_verdict_satisfies_the_reference_rule(
    observed: int | None, replicas: int, updated: int, available: int, desired: int
) -> None:
    status = _status(observed=observed, replicas=replicas, updated=updated, available=available)
    reference_complete = (
        observed is not None
        and observed >= status.generation
        and updated >= desired
        and replicas <= updated
        and available >= desired
    )
    verdict = judge_rollout(status, desired)
    if verdict.done:
        assert reference_complete


# -- the timeout variable ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, float(DEFAULT_TIMEOUT_SECS)),
        ({TIMEOUT_ENV: "45"}, 45.0),
        ({TIMEOUT_ENV: " 7 "}, 7.0),
        ({TIMEOUT_ENV: "0"}, 0.0),
        ({TIMEOUT_ENV: ""}, float(DEFAULT_TIMEOUT_SECS)),
        ({TIMEOUT_ENV: "1.5"}, float(DEFAULT_TIMEOUT_SECS)),
        ({TIMEOUT_ENV: "-3"}, float(DEFAULT_TIMEOUT_SECS)),
        ({TIMEOUT_ENV: "ten"}, float(DEFAULT_TIMEOUT_SECS)),
        ({TIMEOUT_ENV: "٣"}, float(DEFAULT_TIMEOUT_SECS)),
    ],
    ids=["absent", "whole", "padded", "zero", "empty", "fraction", "negative", "word", "non-ascii"],
)
def test_timeout_variable_is_whole_seconds_else_default(
    environ: dict[str, str], expected: float
) -> None:
    assert timeout_from_env(environ) == expected


def test_timeout_variable_is_read_from_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "12")
    assert timeout_from_env() == 12.0


# -- the wait loop -----------------------------------------------------------------------------


class FakeTime:
    """A clock that only moves when the wait sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _cluster_with_worker(replicas: int = 1) -> InMemoryCluster:
    cluster = InMemoryCluster(require_namespace=False)
    cluster.seed(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": WORKER.name, "namespace": NS},
            "spec": {"replicas": replicas},
        }
    )
    return cluster


async def test_ready_rollout_returns_after_one_read_without_sleeping() -> None:
    cluster = _cluster_with_worker()
    fake = FakeTime()
    status = await wait_for_rollout(cluster, WORKER, 1, clock=fake.clock, sleep=fake.sleep)
    assert status.available_replicas == 1
    assert cluster.calls["rollout_status"] == 1
    assert fake.sleeps == []


async def test_wait_polls_every_two_seconds_until_ready() -> None:
    cluster = _cluster_with_worker()
    cluster.script_rollout(NS, WORKER.name, "ready", after_reads=3)
    fake = FakeTime()
    lines: list[str] = []
    await wait_for_rollout(
        cluster, WORKER, 1, clock=fake.clock, sleep=fake.sleep, progress=lines.append
    )
    assert cluster.calls["rollout_status"] == 4
    assert fake.sleeps == [POLL_SECS] * 3
    assert lines == [f"waiting for {WORKER}: 0 out of 1 new replicas have been updated"] * 3


async def test_stalled_rollout_times_out_with_the_reference_wording() -> None:
    cluster = _cluster_with_worker(replicas=2)
    cluster.script_rollout(NS, WORKER.name, "stall")
    fake = FakeTime()
    with pytest.raises(RolloutTimeout) as caught:
        await wait_for_rollout(cluster, WORKER, 2, timeout=10, clock=fake.clock, sleep=fake.sleep)
    assert caught.value.detail == (
        "worker `apps/v1/Deployment gtc-staging/gtc-worker-01abc` did not become ready within "
        "10s (observedGeneration 1/1, updatedReplicas 2/2, availableReplicas 0/2, "
        "lingering old replicas 0)"
    )
    assert str(caught.value) == f"provider failure: {caught.value.detail}"
    assert isinstance(caught.value, ProviderError)
    assert sum(fake.sleeps) == 10
    # A read at t=0, 2, 4, 6, 8 and at the deadline itself.
    assert cluster.calls["rollout_status"] == 6


async def test_timeout_text_counts_lingering_replicas_and_unobserved_generations() -> None:
    class Lagging(InMemoryCluster):
        async def rollout_status(self, ref: ObjectRef) -> RolloutStatus:
            return _status(generation=4, observed=None, replicas=5, updated=2, available=1)

    fake = FakeTime()
    with pytest.raises(RolloutTimeout) as caught:
        await wait_for_rollout(Lagging(), WORKER, 3, timeout=4, clock=fake.clock, sleep=fake.sleep)
    assert caught.value.detail == (
        f"worker `{WORKER}` did not become ready within 4s (observedGeneration none/4, "
        "updatedReplicas 2/3, availableReplicas 1/3, lingering old replicas 3)"
    )


async def test_zero_timeout_still_reads_the_status_once() -> None:
    cluster = _cluster_with_worker()
    cluster.script_rollout(NS, WORKER.name, "stall")
    fake = FakeTime()
    with pytest.raises(RolloutTimeout):
        await wait_for_rollout(cluster, WORKER, 1, timeout=0, clock=fake.clock, sleep=fake.sleep)
    assert cluster.calls["rollout_status"] == 1
    assert fake.sleeps == []


async def test_default_timeout_comes_from_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "3")
    cluster = _cluster_with_worker()
    cluster.script_rollout(NS, WORKER.name, "stall")
    fake = FakeTime()
    with pytest.raises(RolloutTimeout, match="within 3s"):
        await wait_for_rollout(cluster, WORKER, 1, clock=fake.clock, sleep=fake.sleep)
    assert sum(fake.sleeps) == 3


async def test_progress_deadline_fails_at_once_with_the_condition_message() -> None:
    cluster = _cluster_with_worker()
    cluster.script_rollout(NS, WORKER.name, "deadline")
    fake = FakeTime()
    with pytest.raises(RolloutFailed) as caught:
        await wait_for_rollout(cluster, WORKER, 1, timeout=300, clock=fake.clock, sleep=fake.sleep)
    assert 'ReplicaSet "gtc-worker-01abc" has timed out progressing.' in str(caught.value)
    assert str(WORKER) in str(caught.value)
    assert fake.sleeps == []
    assert cluster.calls["rollout_status"] == 1


async def test_missing_deployment_is_an_api_error_naming_it() -> None:
    fake = FakeTime()
    with pytest.raises(ApiError) as caught:
        await wait_for_rollout(InMemoryCluster(), WORKER, 1, clock=fake.clock, sleep=fake.sleep)
    assert caught.value.status == 404
    assert str(WORKER) in str(caught.value)


# -- the status line ---------------------------------------------------------------------------


async def test_status_line_refreshes_in_place_on_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    cluster = _cluster_with_worker()
    cluster.script_rollout(NS, WORKER.name, "ready", after_reads=2)
    fake = FakeTime()
    with status_line(console) as progress:
        assert progress is not None
        await wait_for_rollout(
            cluster, WORKER, 1, clock=fake.clock, sleep=fake.sleep, progress=progress
        )
    text = buffer.getvalue()
    assert "0 out of 1 new replicas have been updated" in text
    # Refreshed in place: cursor movement / carriage returns, never a scrolling log of lines.
    assert "\r" in text or "\x1b[" in text
    assert text.count("\n") <= 2


def test_status_line_is_silent_off_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False)
    with status_line(console) as progress:
        assert progress is None
    assert buffer.getvalue() == ""
