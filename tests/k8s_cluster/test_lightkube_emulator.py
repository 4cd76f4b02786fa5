"""The real lightkube client over real HTTP against the in-repo emulator on 127.0.0.1:
faults injected by the server are retried and recovered from (or given up on after the bound),
401/403 arrive as typed errors, no discovery endpoint is ever called, the rollout wait sees the
controller stand-in, and the credential probes pass or fail with the token's rules."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from greentic_deployer.packs.conformance import build_fixture
from greentic_deployer.packs.k8s.cluster import (
    ApiError,
    ApplyAction,
    Existing,
    OwnershipConflict,
    RolloutFailed,
    Unreachable,
)
from greentic_deployer.packs.k8s.credentials import (
    API_REACHABLE,
    K8sCredentials,
    ProbeTarget,
    lightkube_probe_factory,
    rbac_capabilities,
    rbac_operations,
)
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig, LightkubeCluster
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.rollout import wait_for_rollout
from greentic_deployer.testing.kube_emulator import (
    AccessRule,
    KubeEmulator,
    RunningEmulator,
    run_emulator,
)

from .conftest import NS, deployment, lightkube_cluster, manifest, namespace_manifest
from .kubeconfigs import write_kubeconfig

CM = ObjectRef("v1", "ConfigMap", NS, "gtc-runtime-config")


class Sleeps:
    """Records the backoff the client asked for; never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _client(running: RunningEmulator, sleeps: Sleeps, max_retries: int = 5) -> LightkubeCluster:
    return LightkubeCluster(
        ClusterConfig(kubeconfig=running.kubeconfig, max_retries=max_retries),
        sleep=sleeps,
        rng=lambda: 0.5,
    )


async def test_throttling_is_retried_after_the_servers_retry_after(
    served_emulator: RunningEmulator,
) -> None:
    sleeps = Sleeps()
    cluster = _client(served_emulator, sleeps)
    await cluster.apply(namespace_manifest())
    served_emulator.emulator.inject_fault(status=429, retry_after=2, verb="patch", count=2)
    result = await cluster.apply(manifest("ConfigMap", CM.name, data={"a": "1"}))
    assert result.action is ApplyAction.created
    assert sleeps.waits == [2.0, 2.0]
    assert served_emulator.emulator.object("configmaps", NS, CM.name) is not None
    await cluster.close()


async def test_server_errors_and_dropped_connections_are_retried(
    served_emulator: RunningEmulator,
) -> None:
    sleeps = Sleeps()
    cluster = _client(served_emulator, sleeps)
    await cluster.apply(namespace_manifest())
    served_emulator.emulator.inject_fault(status=503, verb="get", resource="configmaps")
    served_emulator.emulator.inject_fault(drop_connection=True, verb="patch", resource="configmaps")
    served_emulator.emulator.inject_fault(status=500, verb="patch", resource="configmaps")
    result = await cluster.apply(manifest("ConfigMap", CM.name, data={"a": "1"}))
    assert result.action is ApplyAction.created
    assert sleeps.waits == pytest.approx([0.15, 0.15, 0.3])
    await cluster.close()


async def test_persistent_failure_gives_up_after_the_bound(
    served_emulator: RunningEmulator,
) -> None:
    sleeps = Sleeps()
    cluster = _client(served_emulator, sleeps, max_retries=2)
    await cluster.apply(namespace_manifest())
    served_emulator.emulator.reset_counters()
    served_emulator.emulator.inject_fault(status=503, verb="patch", count=10)
    with pytest.raises(ApiError) as caught:
        await cluster.apply(manifest("ConfigMap", CM.name), existing={})
    assert caught.value.status == 503
    assert "gave up after 3 attempts" in str(caught.value)
    assert str(CM) in str(caught.value)
    assert served_emulator.emulator.requests_by_verb() == {"patch": 3}
    assert len(sleeps.waits) == 2
    await cluster.close()


async def test_conflict_is_never_retried(served_emulator: RunningEmulator) -> None:
    sleeps = Sleeps()
    cluster = _client(served_emulator, sleeps)
    await cluster.apply(namespace_manifest())
    served_emulator.emulator.inject_fault(status=409, verb="patch")
    with pytest.raises(ApiError) as caught:
        await cluster.apply(manifest("ConfigMap", CM.name), existing={})
    assert caught.value.status == 409
    assert sleeps.waits == []
    await cluster.close()


READ_ONLY = AccessRule(verbs=("get", "list"), groups=("", "apps"), resources=("*",))
ADMIN = AccessRule(verbs=("*",), groups=("*",), resources=("*",))


async def test_missing_or_wrong_token_is_401_and_forbidden_verb_is_403(tmp_path: Path) -> None:
    tokens = {"admin": [ADMIN], "reader": [READ_ONLY]}
    with run_emulator(tmp_path, tokens=tokens, token="admin") as running:
        admin = lightkube_cluster(running)
        await admin.apply(namespace_manifest())
        await admin.close()

        intruder = lightkube_cluster(running, token="forged")
        with pytest.raises(ApiError) as unauthorized:
            await intruder.get(CM)
        assert (unauthorized.value.status, unauthorized.value.reason) == (401, "Unauthorized")
        assert str(CM) in str(unauthorized.value)
        await intruder.close()

        reader = lightkube_cluster(running, token="reader")
        assert await reader.get(CM) is None
        with pytest.raises(ApiError) as forbidden:
            await reader.apply(manifest("ConfigMap", CM.name))
        assert forbidden.value.status == 403
        assert forbidden.value.reason == "Forbidden"
        assert "forbidden" in forbidden.value.server_message
        assert "HTTP 403" in str(forbidden.value)
        await reader.close()


async def test_no_discovery_call_is_ever_made(served_emulator: RunningEmulator) -> None:
    cluster = lightkube_cluster(served_emulator)
    await cluster.apply(namespace_manifest())
    applied = await cluster.apply(deployment("gtc-worker-a"))
    await cluster.list("Deployment", NS, "greentic.ai/env=staging")
    await cluster.rollout_status(applied.ref)
    await cluster.access_review(NS, "get", "apps", "deployments")
    await cluster.whoami()
    await cluster.delete(applied.ref)
    verbs = served_emulator.emulator.requests_by_verb()
    assert "discovery" not in verbs
    assert "unknown" not in verbs
    await cluster.close()


async def test_wait_sees_the_controller_roll_out(served_emulator: RunningEmulator) -> None:
    cluster = lightkube_cluster(served_emulator)
    await cluster.apply(namespace_manifest())
    applied = await cluster.apply(deployment("gtc-worker-a", replicas=2))
    status = await wait_for_rollout(cluster, applied.ref, 2, sleep=Sleeps())
    assert status.available_replicas == 2
    await cluster.close()


async def test_wait_fails_fast_on_progress_deadline(served_emulator: RunningEmulator) -> None:
    cluster = lightkube_cluster(served_emulator)
    await cluster.apply(namespace_manifest())
    served_emulator.emulator.script_rollout(NS, "gtc-worker-d", "deadline")
    applied = await cluster.apply(deployment("gtc-worker-d"))
    sleeps = Sleeps()
    with pytest.raises(RolloutFailed, match="has timed out progressing"):
        await wait_for_rollout(cluster, applied.ref, 1, sleep=sleeps)
    assert sleeps.waits == []
    await cluster.close()


async def test_ownership_guard_over_http_with_one_list_for_many_objects(
    served_emulator: RunningEmulator,
) -> None:
    cluster = lightkube_cluster(served_emulator)
    await cluster.apply(namespace_manifest())
    await cluster.apply(manifest("ConfigMap", "theirs", env="prod"))
    served_emulator.emulator.reset_counters()
    listed = await cluster.list("ConfigMap", NS)
    existing: Existing = {(NS, "ConfigMap", o["metadata"]["name"]): o for o in listed}
    for name in ("a", "b", "c"):
        await cluster.apply(manifest("ConfigMap", name), existing=existing)
    with pytest.raises(OwnershipConflict):
        await cluster.apply(manifest("ConfigMap", "theirs"), existing=existing)
    assert served_emulator.emulator.requests_by_verb() == {"list": 1, "patch": 3}
    await cluster.close()


async def test_closed_emulator_is_unreachable(tmp_path: Path) -> None:
    with run_emulator(tmp_path) as running:
        kubeconfig = running.kubeconfig
    sleeps = Sleeps()
    cluster = LightkubeCluster(
        ClusterConfig(kubeconfig=kubeconfig, max_retries=1), sleep=sleeps, rng=lambda: 0.5
    )
    with pytest.raises(Unreachable) as caught:
        await cluster.get(CM)
    assert caught.value.endpoint == running.url
    assert len(sleeps.waits) == 1
    await cluster.close()


# -- credential probes against the emulator ----------------------------------------------------


def _deployer_rules() -> list[AccessRule]:
    return [
        AccessRule(
            verbs=(verb,),
            groups=("" if group == "core" else group,),
            resources=(resource,),
            namespaces=(NS,),
        )
        for group, resource, verb in rbac_operations()
    ]


async def test_probes_pass_with_an_allowing_token(tmp_path: Path) -> None:
    tokens = {"deployer": _deployer_rules()}
    with run_emulator(tmp_path, tokens=tokens) as running:
        config = ClusterConfig(kubeconfig=running.kubeconfig)
        credentials = K8sCredentials(lambda env, env_dir: ProbeTarget(LightkubeCluster(config), NS))
        probes = await credentials.probe(build_fixture(), tmp_path)
    assert [p.id for p in probes] == [API_REACHABLE, *rbac_capabilities()]
    assert all(p.passed for p in probes), [p for p in probes if not p.passed]


async def test_probes_fail_with_a_denying_token(tmp_path: Path) -> None:
    only_deployments = [
        AccessRule(verbs=("*",), groups=("apps",), resources=("deployments",), namespaces=(NS,))
    ]
    tokens = {"deployer": _deployer_rules(), "narrow": only_deployments}
    with run_emulator(tmp_path, tokens=tokens, token="narrow") as running:
        config = ClusterConfig(kubeconfig=running.kubeconfig)
        credentials = K8sCredentials(lambda env, env_dir: ProbeTarget(LightkubeCluster(config), NS))
        probes = {p.id: p for p in await credentials.probe(build_fixture(), tmp_path)}
    assert probes[API_REACHABLE].passed
    assert probes["k8s.rbac.allow:apps/deployments:patch"].passed
    assert not probes["k8s.rbac.allow:core/secrets:get"].passed
    assert probes["k8s.rbac.allow:core/secrets:get"].detail.startswith(f"denied in namespace {NS}")
    assert sum(p.passed for p in probes.values()) == 1 + 4


async def test_probes_fail_with_a_rejected_token(tmp_path: Path) -> None:
    with run_emulator(tmp_path, tokens={"deployer": _deployer_rules()}) as running:
        credentials = K8sCredentials(
            lightkube_probe_factory(ClusterConfig(kubeconfig=running.kubeconfig, token="forged"))
        )
        probes = await credentials.probe(build_fixture(), tmp_path)
    assert not probes[0].passed and "HTTP 401" in probes[0].detail
    assert not any(p.passed for p in probes)


async def test_probe_factory_targets_the_namespace_of_the_answers(tmp_path: Path) -> None:
    env = build_fixture()
    with run_emulator(tmp_path, tokens={"deployer": _deployer_rules()}) as running:
        factory = lightkube_probe_factory(ClusterConfig(kubeconfig=running.kubeconfig))
        target = factory(env, tmp_path)
        await target.cluster.close()
    assert target.namespace == "gtc-conformance"


async def test_transport_seam_runs_the_client_in_process(
    kube_emulator_app: KubeEmulator, tmp_path: Path
) -> None:
    kubeconfig = write_kubeconfig(tmp_path, server="http://emulator.invalid")
    transport = httpx2.ASGITransport(app=kube_emulator_app.app)
    cluster = LightkubeCluster(ClusterConfig(kubeconfig=kubeconfig, transport=transport))
    await cluster.apply(namespace_manifest())
    result = await cluster.apply(manifest("ConfigMap", CM.name, data={"a": "1"}))
    assert result.action is ApplyAction.created
    assert kube_emulator_app.object("configmaps", NS, CM.name) is not None
    assert kube_emulator_app.requests_by_verb() == {"get": 2, "patch": 2}
    await cluster.close()
