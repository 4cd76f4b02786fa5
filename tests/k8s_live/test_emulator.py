"""Reconcile, diff and the Deployer through the real lightkube client over HTTP to the emulator.

Checks: the live scenario (14 created; 12 applied and 2 pruned after archiving; an idempotent
re-reconcile moves no resourceVersion); the API-call budget (one apply per desired object, one
list per namespace and kind, deletes only for stale objects, no GET, no discovery); dry runs and
diffs persist nothing; retries through injected 429/503 answers; an unreachable cluster;
stalled and progress-deadline waits; the conformance bench; traffic changes that never roll the
router.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.packs.conformance import FIXTURE_ENV_ID, build_fixture, run_conformance
from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.cluster import K8sCluster, Unreachable
from greentic_deployer.packs.k8s.deployer import K8sDeployer
from greentic_deployer.packs.k8s.diff import diff
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig, LightkubeCluster
from greentic_deployer.packs.k8s.naming import namespace_for, worker_name
from greentic_deployer.packs.k8s.plan import desired_state
from greentic_deployer.packs.k8s.reconcile import ReconcileFailed, reconcile
from greentic_deployer.testing.kube_emulator import RunningEmulator
from tests.k8s_live.builders import DEPLOYMENT, NAMESPACE, R1, archived_env, ready_env

PLURALS = {
    "Namespace": "namespaces",
    "ConfigMap": "configmaps",
    "Deployment": "deployments",
    "Service": "services",
    "PodDisruptionBudget": "poddisruptionbudgets",
    "NetworkPolicy": "networkpolicies",
    "Secret": "secrets",
    "ServiceAccount": "serviceaccounts",
}


class Clock:
    """Fake monotonic time advanced by the injected sleep."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def no_sleep(_seconds: float) -> None:
    """Retry backoff without waiting."""
    await asyncio.sleep(0)


def client(kubeconfig: Path, **config: Any) -> LightkubeCluster:
    return LightkubeCluster(
        ClusterConfig(kubeconfig=kubeconfig, context="emulator", **config), sleep=no_sleep
    )


@pytest.fixture
async def cluster(kube_emulator: RunningEmulator) -> AsyncIterator[LightkubeCluster]:
    live = client(kube_emulator.kubeconfig)
    yield live
    await live.close()


def by_verb(running: RunningEmulator, verb: str) -> dict[str, int]:
    return {res: n for (v, res), n in running.emulator.counters.items() if v == verb and n}


def versions(running: RunningEmulator, refs: list[tuple[str, str | None, str]]) -> list[Any]:
    out = []
    for resource, namespace, name in refs:
        obj = running.emulator.object(resource, namespace, name)
        out.append(None if obj is None else obj["metadata"]["resourceVersion"])
    return out


def all_refs(namespace: str = NAMESPACE) -> list[tuple[str, str | None, str]]:
    return [
        (PLURALS[r.kind], r.namespace, r.name)
        for r in desired_state(
            ready_env(), None, secrets_backend=None, dev_store_bytes=None, manage_namespace=True
        ).refs
    ]


# -- the live scenario and the budget --------------------------------------------------------------


async def test_the_live_scenario_over_http(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    first = await reconcile(cluster, ready_env(), None)
    assert first.to_json()["applied_count"] == 14
    assert {a["action"] for a in first.to_json()["actions"]} == {"created"}
    before = versions(kube_emulator, all_refs())

    again = await reconcile(cluster, ready_env(), None)
    assert again.unchanged_count == 14
    assert versions(kube_emulator, all_refs()) == before

    archived = await reconcile(cluster, archived_env(), None)
    assert archived.to_json()["applied_count"] == 12
    assert archived.to_json()["pruned_count"] == 2
    assert kube_emulator.emulator.object("deployments", NAMESPACE, worker_name(R1)) is None
    assert kube_emulator.emulator.object("services", NAMESPACE, worker_name(R1)) is None


async def test_reconcile_stays_within_its_api_call_budget(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    kube_emulator.emulator.reset_counters()
    await reconcile(cluster, ready_env(), None)
    counters = kube_emulator.emulator
    desired = desired_state(
        ready_env(), None, secrets_backend=None, dev_store_bytes=None, manage_namespace=True
    )
    assert sum(by_verb(kube_emulator, "patch").values()) == len(desired.refs) == 14
    assert sum(by_verb(kube_emulator, "list").values()) == len(desired.reads()) == 6
    assert by_verb(kube_emulator, "get") == {}
    assert by_verb(kube_emulator, "delete") == {}
    assert by_verb(kube_emulator, "discovery") == {}

    counters.reset_counters()
    await reconcile(cluster, archived_env(), None)
    assert sum(by_verb(kube_emulator, "patch").values()) == 12
    assert sum(by_verb(kube_emulator, "list").values()) == 6
    assert by_verb(kube_emulator, "delete") == {"deployments": 1, "services": 1}
    assert by_verb(kube_emulator, "get") == {}
    assert by_verb(kube_emulator, "discovery") == {}


# -- nothing written -------------------------------------------------------------------------------


async def test_dry_run_and_diff_persist_nothing(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    await reconcile(cluster, ready_env(), None)
    emulator = kube_emulator.emulator
    emulator.tick()  # let the Deployment controller stand-in settle its status writes
    before = versions(kube_emulator, all_refs())
    store_version = emulator.store.current_rv()
    emulator.reset_counters()

    dry = await reconcile(cluster, archived_env(), {"router_replicas": 5}, dry_run=True)
    assert dry.dry_run is True
    assert {r.name for r in dry.pruned} == {worker_name(R1)}
    preview = await diff(cluster, archived_env(), {"router_replicas": 5})
    assert preview.changed is True
    assert {c.ref.name: c.paths for c in preview.changed_objects}["gtc-router"] == (
        "spec.replicas",
    )
    assert {r.name for r in preview.pruned} == {worker_name(R1)}

    assert versions(kube_emulator, all_refs()) == before
    emulator.tick()
    # The store's resourceVersion moves on every persisted write: none happened.
    assert emulator.store.current_rv() == store_version
    assert sum(by_verb(kube_emulator, "patch").values()) == 2 * 12  # dry-run applies only
    assert by_verb(kube_emulator, "delete") == {}
    router = kube_emulator.emulator.object("deployments", NAMESPACE, "gtc-router")
    assert router is not None
    assert router["spec"]["replicas"] == 2


# -- failures --------------------------------------------------------------------------------------


async def test_reconcile_retries_through_throttling_and_unavailability(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    kube_emulator.emulator.inject_fault(status=503, count=1, verb="list")
    kube_emulator.emulator.inject_fault(status=429, count=2, verb="patch", retry_after=1)
    kube_emulator.emulator.inject_fault(status=503, count=1, verb="patch", resource="deployments")
    kube_emulator.emulator.reset_counters()
    report = await reconcile(cluster, ready_env(), None)
    assert len(report.applied) == 14
    assert kube_emulator.emulator.object("deployments", NAMESPACE, worker_name(R1)) is not None
    # Each refused request was retried: one list and three applies more than the budget.
    assert sum(by_verb(kube_emulator, "list").values()) == 6 + 1
    assert sum(by_verb(kube_emulator, "patch").values()) == 14 + 3


async def test_an_unreachable_cluster_fails_with_the_endpoint_and_writes_nothing(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: emulator\n"
        f"clusters:\n- name: emulator\n  cluster:\n    server: http://127.0.0.1:{port}\n"
        "contexts:\n- name: emulator\n  context:\n    cluster: emulator\n    user: me\n"
        "users:\n- name: me\n  user:\n    token: t\n"
    )
    live = client(kubeconfig, max_retries=2)
    try:
        with pytest.raises(ReconcileFailed) as caught:
            await reconcile(live, ready_env(), None)
    finally:
        await live.close()
    assert isinstance(caught.value.cause, Unreachable)
    assert caught.value.phase == "reading"
    assert caught.value.report.applied == ()
    assert f"127.0.0.1:{port}" in str(caught.value)


async def test_a_progress_deadline_fails_the_wait_fast(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    kube_emulator.emulator.script_rollout(NAMESPACE, worker_name(R1), "deadline")
    clock = Clock()
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(cluster, ready_env(), None, wait=True, clock=clock, sleep=clock.sleep)
    assert clock.now < 300
    assert caught.value.phase == "waiting for rollouts"
    states = {r.ref.name: r.state for r in caught.value.report.rollouts or ()}
    assert states[worker_name(R1)] == "failed"


async def test_a_stalled_rollout_times_out_with_the_reference_text(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    kube_emulator.emulator.script_rollout(NAMESPACE, worker_name(R1), "stall")
    clock = Clock()
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(
            cluster, ready_env(), None, wait=True, clock=clock, sleep=clock.sleep, timeout=20
        )
    assert 20 <= clock.now < 30
    assert "did not become ready within 20s" in str(caught.value)
    states = {r.ref.name: r.state for r in caught.value.report.rollouts or ()}
    assert states == {worker_name(R1): "failed", "gtc-router": "ready"}


# -- the Deployer ----------------------------------------------------------------------------------


def factory(kubeconfig: Path) -> Any:
    def build(answers: K8sAnswers) -> K8sCluster:
        return client(kubeconfig)

    return build


async def test_the_deployer_passes_the_conformance_bench_through_lightkube(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    # The bench's verbs assume the env's namespace exists, as it does after a first reconcile.
    await reconcile(cluster, build_fixture(), None)
    assert kube_emulator.emulator.object("namespaces", None, namespace_for(FIXTURE_ENV_ID))
    clock = Clock()
    deployer = K8sDeployer(factory(kube_emulator.kubeconfig), clock=clock, sleep=clock.sleep)
    report = await run_conformance(deployer)
    assert report.failure is None
    assert report.passed


async def test_a_traffic_change_never_rolls_the_router_over_http(
    kube_emulator: RunningEmulator, cluster: LightkubeCluster
) -> None:
    await reconcile(cluster, ready_env(), None)
    router = kube_emulator.emulator.object("deployments", NAMESPACE, "gtc-router")
    assert router is not None
    before = (router["metadata"]["generation"], router["metadata"]["resourceVersion"])
    kube_emulator.emulator.reset_counters()
    deployer = K8sDeployer(factory(kube_emulator.kubeconfig))
    await deployer.apply_traffic_split(ready_env(), DEPLOYMENT, None)
    router = kube_emulator.emulator.object("deployments", NAMESPACE, "gtc-router")
    assert router is not None
    assert (router["metadata"]["generation"], router["metadata"]["resourceVersion"]) == before
    assert by_verb(kube_emulator, "patch") == {"configmaps": 1}
