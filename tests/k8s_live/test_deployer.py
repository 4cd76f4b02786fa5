"""The k8s Deployer's verbs against the in-memory cluster, and its wiring into the handler.

Checks: the conformance bench passes; warm applies exactly the rendered worker pair and waits;
archive deletes it (twice is fine); apply_traffic_split upserts only the runtime-config
ConfigMap and never rolls the router; preconditions and answers fail before any cluster is
built; the registry's default deployer is unconfigured and fails honestly.
"""

from __future__ import annotations

import asyncio

import pytest

from greentic_deployer.packs.builtins import builtin_handlers
from greentic_deployer.packs.conformance import build_fixture, run_conformance
from greentic_deployer.packs.contract import (
    InvalidAnswersError,
    InvalidSplit,
    ProviderError,
    RevisionNotFound,
)
from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.cluster import K8sCluster, Unconfigured
from greentic_deployer.packs.k8s.deployer import K8sDeployer
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.packs.k8s.reconcile import reconcile
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.packs.registry import EnvPackRegistry
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.testing.memory_cluster import InMemoryCluster
from tests.k8s_live.builders import DEPLOYMENT, NAMESPACE, R1, archived_env, ready_env


class Clock:
    """Fake monotonic time advanced by the injected sleep."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Factory:
    """Hands out one shared in-memory cluster and counts how often a client was built."""

    def __init__(self) -> None:
        self.cluster = InMemoryCluster()
        # The verbs work inside the env's namespace, which a first reconcile would create.
        self.cluster.seed(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": NAMESPACE, "labels": {"greentic.ai/env": "live"}},
            }
        )
        self.built: list[K8sAnswers] = []

    def __call__(self, answers: K8sAnswers) -> K8sCluster:
        self.built.append(answers)
        return self.cluster


def deployer(factory: Factory, clock: Clock | None = None, **kwargs: object) -> K8sDeployer:
    clock = clock or Clock()
    return K8sDeployer(factory, clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


async def test_the_deployer_passes_the_conformance_bench_on_the_in_memory_cluster() -> None:
    factory = Factory()
    await reconcile(factory.cluster, build_fixture(), None)
    report = await run_conformance(deployer(factory))
    assert report.failure is None
    assert report.passed


async def test_warm_applies_the_rendered_worker_pair_and_waits() -> None:
    factory = Factory()
    env = ready_env()
    await deployer(factory).warm_revision(env, R1, None)
    rendered = {(o["kind"], o["metadata"]["name"]): o for o in render_environment(env, None)}
    for kind in ("Deployment", "Service"):
        live = factory.cluster.objects[(NAMESPACE, kind, worker_name(R1))]
        assert live["spec"] == rendered[(kind, worker_name(R1))]["spec"]
        assert live["metadata"]["labels"] == rendered[(kind, worker_name(R1))]["metadata"]["labels"]
    assert factory.cluster.calls["apply"] == 2
    assert factory.cluster.calls["rollout_status"] >= 1


async def test_warm_fails_when_the_worker_never_rolls_out() -> None:
    factory = Factory()
    factory.cluster.script_rollout(NAMESPACE, worker_name(R1), "stall")
    clock = Clock()
    with pytest.raises(ProviderError, match="did not become ready within 12s"):
        await deployer(factory, clock, timeout=12).warm_revision(ready_env(), R1, None)
    assert clock.now >= 12


async def test_archive_deletes_the_worker_pair_and_is_idempotent() -> None:
    factory = Factory()
    d = deployer(factory)
    await d.warm_revision(ready_env(), R1, None)
    await d.archive_revision(archived_env(), R1, None)
    assert (NAMESPACE, "Deployment", worker_name(R1)) not in factory.cluster.objects
    assert (NAMESPACE, "Service", worker_name(R1)) not in factory.cluster.objects
    await d.archive_revision(archived_env(), R1, None)
    assert factory.cluster.calls["delete"] == 4


async def test_apply_traffic_split_upserts_the_runtime_config_and_never_rolls_the_router() -> None:
    factory = Factory()
    await reconcile(factory.cluster, ready_env(), None)
    router_key = (NAMESPACE, "Deployment", "gtc-router")
    router = factory.cluster.objects[router_key]
    generation = router["metadata"]["generation"]
    version = router["metadata"]["resourceVersion"]
    factory.cluster.calls.clear()

    outcome = await deployer(factory).apply_traffic_split(ready_env(), DEPLOYMENT, None)

    assert outcome.applied_deployment_id == DEPLOYMENT
    assert factory.cluster.calls["apply"] == 1
    assert factory.cluster.objects[router_key]["metadata"]["generation"] == generation
    assert factory.cluster.objects[router_key]["metadata"]["resourceVersion"] == version
    configmap = factory.cluster.objects[(NAMESPACE, "ConfigMap", "gtc-runtime-config")]
    rendered = next(
        o
        for o in render_environment(ready_env(), None)
        if o["metadata"]["name"] == "gtc-runtime-config"
    )
    assert configmap["data"] == rendered["data"]


async def test_preconditions_fail_before_any_cluster_is_built() -> None:
    factory = Factory()
    d = deployer(factory)
    unknown = ulid_from_int(0xFFFF)
    with pytest.raises(RevisionNotFound):
        await d.warm_revision(ready_env(), unknown, None)
    with pytest.raises(RevisionNotFound):
        await d.archive_revision(ready_env(), unknown, {"nonsense": 1})
    with pytest.raises(InvalidAnswersError, match="unknown answer key `nonsense`"):
        await d.warm_revision(ready_env(), R1, {"nonsense": 1})
    with pytest.raises(InvalidSplit):
        env = ready_env()
        split = env.traffic_splits[0]
        broken = split.model_copy(
            update={"entries": [split.entries[0].model_copy(update={"weight_bps": 9000})]}
        )
        await d.apply_traffic_split(
            env.model_copy(update={"traffic_splits": [broken]}), DEPLOYMENT, {"nonsense": 1}
        )
    assert factory.built == []
    assert sum(factory.cluster.calls.values()) == 0


async def test_the_answers_reach_the_cluster_factory() -> None:
    factory = Factory()
    await deployer(factory).apply_traffic_split(
        ready_env(), DEPLOYMENT, {"kubeconfig_context": "prod-eu"}
    )
    assert [a.kubeconfig_context for a in factory.built] == ["prod-eu"]


async def test_the_registry_builds_an_unconfigured_deployer_that_fails_honestly() -> None:
    registry = EnvPackRegistry(builtin_handlers())
    handler = registry.resolve("greentic.deployer.k8s@1.0.0")
    d = handler.new_deployer()
    assert isinstance(d, K8sDeployer)
    await d.stage_revision(ready_env(), R1)
    with pytest.raises(Unconfigured, match="no Kubernetes API client is bound"):
        await d.warm_revision(ready_env(), R1, None)
    with pytest.raises(Unconfigured):
        await d.apply_traffic_split(ready_env(), DEPLOYMENT, None)
    report = await run_conformance(d)
    assert not report.passed
    assert report.failure is not None
    assert isinstance(report.failure.error, Unconfigured)
