"""Reconcile against the in-memory cluster.

Checks: the live scenario (14 applied, then 12 applied and 2 pruned after archiving), idempotent
re-reconcile, ownership conflicts and adoption refusals that write nothing, label GC of workers
compacted out of the store, other envs' objects left alone, the Vault dev-store Secret prune,
dry runs, bounded concurrency, the first failure stopping new applies, rollout waits, and answers
rejected before any cluster call.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from greentic_deployer.packs.contract import InvalidAnswersError, ProviderError
from greentic_deployer.packs.k8s.cluster import (
    AdoptionRefused,
    ApiError,
    ApplyAction,
    ApplyResult,
    OwnershipConflict,
    RolloutFailed,
)
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.reconcile import ReconcileFailed, reconcile
from greentic_deployer.packs.k8s.secrets_backend import DevStore, Vault
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.testing.memory_cluster import InMemoryCluster
from tests.k8s_live.builders import (
    DEV_STORE_KIND,
    ENV_LEVEL,
    NAMESPACE,
    R1,
    R2,
    VAULT_KIND,
    archived_env,
    foreign_worker,
    live_env,
    ready_env,
    worker_keys,
)


def versions(cluster: InMemoryCluster) -> dict[Any, str]:
    """resourceVersion of every stored object."""
    return {k: v["metadata"]["resourceVersion"] for k, v in cluster.objects.items()}


class FakeClock:
    """A monotonic clock that only moves when the injected sleep is awaited."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


# -- the live scenario ---------------------------------------------------------------------------


async def test_one_ready_revision_applies_fourteen_objects_all_created() -> None:
    cluster = InMemoryCluster()
    report = await reconcile(cluster, ready_env(), None)
    assert len(report.applied) == ENV_LEVEL + 2
    assert {a.action for a in report.applied} == {ApplyAction.created}
    assert report.pruned == ()
    assert report.applied[0].ref == ObjectRef("v1", "Namespace", None, NAMESPACE)
    assert worker_keys(R1) <= set(cluster.objects)
    assert cluster.calls["apply"] == ENV_LEVEL + 2
    assert cluster.calls["get"] == 0


async def test_report_json_has_the_reconcile_shape() -> None:
    report = await reconcile(InMemoryCluster(), ready_env(), None)
    data = report.to_json()
    assert data["applied_count"] == 14
    assert data["pruned_count"] == 0
    assert data["applied"][0] == {
        "api_version": "v1",
        "kind": "Namespace",
        "namespace": None,
        "name": NAMESPACE,
    }
    assert data["actions"][0] == {**data["applied"][0], "action": "created"}
    assert data["unchanged_count"] == 0
    assert data["dry_run"] is False
    assert "rollouts" not in data


async def test_archiving_the_revision_applies_twelve_and_prunes_its_worker_pair() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    report = await reconcile(cluster, archived_env(), None)
    assert len(report.applied) == ENV_LEVEL
    assert {(r.kind, r.name) for r in report.pruned} == {
        ("Deployment", worker_name(R1)),
        ("Service", worker_name(R1)),
    }
    assert not worker_keys(R1) & set(cluster.objects)
    assert cluster.calls["delete"] == 2


async def test_reconciling_twice_changes_no_resource_version() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    before = versions(cluster)
    report = await reconcile(cluster, ready_env(), None)
    assert versions(cluster) == before
    assert report.unchanged_count == len(report.applied) == 14
    assert report.pruned == ()


async def test_a_changed_answer_is_reported_as_configured() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    report = await reconcile(cluster, ready_env(), {"router_replicas": 3})
    configured = [a.ref.name for a in report.applied if a.action is ApplyAction.configured]
    assert configured == ["gtc-router"]


async def test_manage_namespace_false_drops_the_namespace() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    report = await reconcile(cluster, ready_env(), None, manage_namespace=False)
    assert len(report.applied) == 13
    assert all(a.ref.kind != "Namespace" for a in report.applied)


# -- preconditions -------------------------------------------------------------------------------


async def test_invalid_answers_fail_before_any_cluster_call() -> None:
    cluster = InMemoryCluster()
    with pytest.raises(InvalidAnswersError, match="unknown answer key `replicas`"):
        await reconcile(cluster, ready_env(), {"replicas": 2})
    assert sum(cluster.calls.values()) == 0


@pytest.mark.parametrize("concurrency", [0, -1])
async def test_a_concurrency_below_one_is_rejected_before_any_cluster_call(
    concurrency: int,
) -> None:
    cluster = InMemoryCluster()
    with pytest.raises(InvalidArgumentError, match="concurrency: must be an integer >= 1"):
        await reconcile(cluster, ready_env(), None, concurrency=concurrency)
    assert sum(cluster.calls.values()) == 0


# -- ownership -----------------------------------------------------------------------------------


async def test_an_object_of_another_env_stops_the_reconcile_before_any_write() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, live_env(env_id="other"), {"namespace": NAMESPACE})
    before = versions(cluster)
    cluster.calls.clear()
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(cluster, ready_env(), None)
    assert isinstance(caught.value.cause, OwnershipConflict)
    assert caught.value.report.applied == ()
    assert "other" in str(caught.value)
    assert cluster.calls["apply"] == 0
    assert cluster.calls["delete"] == 0
    assert versions(cluster) == before


async def test_an_unlabelled_object_is_not_adopted_unless_asked() -> None:
    cluster = InMemoryCluster()
    unlabelled = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gtc-runtime-config", "namespace": NAMESPACE},
        "data": {"hand-made": "yes"},
    }
    cluster.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    cluster.seed(unlabelled)
    before = versions(cluster)
    cluster.calls.clear()
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(cluster, ready_env(), None)
    assert isinstance(caught.value.cause, AdoptionRefused)
    assert cluster.calls["apply"] == 0
    assert versions(cluster) == before

    report = await reconcile(cluster, ready_env(), None, adopt=True)
    adopted = cluster.objects[(NAMESPACE, "ConfigMap", "gtc-runtime-config")]
    assert adopted["metadata"]["labels"]["greentic.ai/env"] == "live"
    assert len(report.applied) == 14


# -- pruning and garbage collection --------------------------------------------------------------


async def test_workers_of_a_revision_compacted_out_of_the_store_are_collected_by_label() -> None:
    cluster = InMemoryCluster()
    await reconcile(
        cluster, live_env((R1, Lifecycle.ready), (R2, Lifecycle.ready), routed=R1), None
    )
    assert worker_keys(R2) <= set(cluster.objects)
    # `bundles remove` style compaction: R2 is gone from the env altogether.
    report = await reconcile(cluster, ready_env(), None)
    assert {(r.kind, r.name) for r in report.pruned} == {
        ("Deployment", worker_name(R2)),
        ("Service", worker_name(R2)),
    }
    assert not worker_keys(R2) & set(cluster.objects)
    assert worker_keys(R1) <= set(cluster.objects)


async def test_another_envs_workers_in_the_same_namespace_are_left_alone() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    cluster.seed(foreign_worker(R2, "other"))
    stranger = dict(cluster.objects[(NAMESPACE, "Deployment", worker_name(R2))])
    report = await reconcile(cluster, archived_env(), None)
    assert all(r.name != worker_name(R2) for r in report.pruned)
    assert cluster.objects[(NAMESPACE, "Deployment", worker_name(R2))] == stranger


async def test_an_unlabelled_worker_named_like_ours_is_never_deleted() -> None:
    cluster = InMemoryCluster()
    stray = foreign_worker(R2, "x")
    del stray["metadata"]["labels"]["greentic.ai/env"]
    await reconcile(cluster, ready_env(), None)
    cluster.seed(stray)
    report = await reconcile(cluster, live_env((R2, Lifecycle.archived)), None)
    assert all(r.name != worker_name(R2) for r in report.pruned)
    assert (NAMESPACE, "Deployment", worker_name(R2)) in cluster.objects


async def test_switching_to_vault_prunes_the_dev_store_secret() -> None:
    cluster = InMemoryCluster()
    await reconcile(
        cluster,
        ready_env(secrets_kind=DEV_STORE_KIND),
        None,
        secrets_backend=DevStore(),
        dev_store_bytes=b"TOKEN=encrypted\n",
    )
    assert (NAMESPACE, "Secret", "gtc-dev-secrets") in cluster.objects
    report = await reconcile(
        cluster,
        ready_env(secrets_kind=VAULT_KIND),
        None,
        secrets_backend=Vault(addr="https://vault:8200", role="worker"),
    )
    assert report.pruned == (ObjectRef("v1", "Secret", NAMESPACE, "gtc-dev-secrets"),)
    assert (NAMESPACE, "Secret", "gtc-dev-secrets") not in cluster.objects
    assert (NAMESPACE, "ServiceAccount", "gtc-worker") in cluster.objects


# -- dry run -------------------------------------------------------------------------------------


async def test_a_dry_run_reports_what_would_happen_and_writes_nothing() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    before = {k: dict(v) for k, v in cluster.objects.items()}
    report = await reconcile(cluster, archived_env(), {"router_replicas": 4}, dry_run=True)
    assert report.dry_run is True
    assert {r.name for r in report.pruned} == {worker_name(R1)}
    assert [a.ref.name for a in report.applied if a.action is ApplyAction.configured] == [
        "gtc-env-store",
        "gtc-runtime-config",
        "gtc-router",
    ]
    assert cluster.objects == before
    assert cluster.calls["delete"] == 0


async def test_a_dry_run_on_an_empty_cluster_reports_every_object_as_created() -> None:
    cluster = InMemoryCluster()
    report = await reconcile(cluster, ready_env(), None, dry_run=True)
    assert len(report.applied) == 14
    assert {a.action for a in report.applied} == {ApplyAction.created}
    assert cluster.objects == {}


# -- concurrency and failures --------------------------------------------------------------------


class Instrumented(InMemoryCluster):
    """Counts in-flight applies and can fail the n-th apply."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.in_flight = 0
        self.peak = 0
        self.started = 0
        self.fail_at = fail_at

    async def apply(self, manifest: Any, **kwargs: Any) -> ApplyResult:
        self.started += 1
        if self.fail_at is not None and self.started == self.fail_at:
            raise ApiError(
                verb="apply",
                status=500,
                reason="InternalError",
                ref=ObjectRef.from_manifest(manifest),
                server_message="etcd is unhappy",
            )
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            return await super().apply(manifest, **kwargs)
        finally:
            self.in_flight -= 1


async def test_applies_run_concurrently_within_the_bound() -> None:
    cluster = Instrumented()
    await reconcile(cluster, ready_env(), None, concurrency=3)
    assert cluster.peak == 3
    serial = Instrumented()
    await reconcile(serial, ready_env(), None, concurrency=1)
    assert serial.peak == 1


async def test_the_first_failure_stops_new_applies_and_reports_what_was_applied() -> None:
    cluster = Instrumented(fail_at=5)
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(cluster, archived_env(), None, concurrency=1)
    failure = caught.value
    assert isinstance(failure, ProviderError)
    assert isinstance(failure.cause, ApiError)
    assert failure.phase == "applying"
    assert [a.ref.kind for a in failure.report.applied] == [
        "Namespace",
        "ConfigMap",
        "ConfigMap",
        "Deployment",
    ]
    assert cluster.started == 5
    assert cluster.calls["delete"] == 0
    assert "4 objects applied" in str(failure)
    assert "500" in str(failure)


class Broken(InMemoryCluster):
    """An apply that fails with a defect rather than a cluster answer."""

    async def apply(self, manifest: Any, **kwargs: Any) -> ApplyResult:
        raise RuntimeError("defect in a cluster implementation")


async def test_a_defect_is_not_dressed_up_as_a_cluster_conflict() -> None:
    """Guards against wrapping programming errors in ReconcileFailed (kind `conflict`)."""
    with pytest.raises(RuntimeError, match="defect in a cluster implementation"):
        await reconcile(Broken(), ready_env(), None)


# -- waiting for rollouts ------------------------------------------------------------------------


async def test_wait_reports_each_deployment_with_its_own_replicas() -> None:
    clock = FakeClock()
    report = await reconcile(
        InMemoryCluster(), ready_env(), None, wait=True, clock=clock, sleep=clock.sleep
    )
    assert report.rollouts is not None
    assert {(r.ref.name, r.replicas, r.state) for r in report.rollouts} == {
        ("gtc-router", 2, "ready"),
        (worker_name(R1), 1, "ready"),
    }


async def test_a_progress_deadline_fails_the_wait_at_once_with_the_reason() -> None:
    clock = FakeClock()
    cluster = InMemoryCluster()
    cluster.script_rollout(NAMESPACE, worker_name(R1), "deadline")
    cluster.script_rollout(NAMESPACE, "gtc-router", "stall")
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(cluster, ready_env(), None, wait=True, clock=clock, sleep=clock.sleep)
    assert clock.now < 300
    assert isinstance(caught.value.cause, RolloutFailed)
    assert "has timed out progressing" in str(caught.value)
    rollouts = {r.ref.name: r.state for r in caught.value.report.rollouts or ()}
    assert rollouts == {worker_name(R1): "failed", "gtc-router": "not-waited"}
    assert len(caught.value.report.applied) == 14


async def test_a_stalled_rollout_times_out_with_the_reference_message() -> None:
    clock = FakeClock()
    cluster = InMemoryCluster()
    cluster.script_rollout(NAMESPACE, worker_name(R1), "stall")
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(
            cluster, ready_env(), None, wait=True, clock=clock, sleep=clock.sleep, timeout=30
        )
    assert f"worker `apps/v1/Deployment {NAMESPACE}/{worker_name(R1)}`" in str(caught.value)
    assert "did not become ready within 30s" in str(caught.value)
    assert 30 <= clock.now < 40
