"""The Deployment controller stand-in: delays, ready/stall/deadline, pods, crash loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from greentic_deployer.testing.kube_emulator import KubeEmulator
from tests.emulator.conftest import (
    NS,
    FakeClock,
    apply,
    client_for,
    deployment,
    namespace_manifest,
    url_of,
)

PODS = f"/api/v1/namespaces/{NS}/pods"


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Status conditions by type."""
    return {c["type"]: c for c in obj["status"].get("conditions", [])}


async def test_ready_rollout_sets_the_full_status_at_once(kube: httpx.AsyncClient) -> None:
    await apply(kube, deployment("web", replicas=3))
    live = (await kube.get(url_of(deployment("web")))).json()
    status = live["status"]
    assert status["observedGeneration"] == live["metadata"]["generation"] == 1
    for counter in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        assert status[counter] == 3
    cond = conditions(live)
    assert cond["Available"]["status"] == "True"
    assert cond["Progressing"]["status"] == "True"
    assert cond["Progressing"]["reason"] == "NewReplicaSetAvailable"


async def test_rollout_delay_holds_status_until_the_clock_passes_it(
    make_emulator: Callable[..., KubeEmulator], clock: FakeClock
) -> None:
    emulator = make_emulator(rollout_delay=10)
    async with client_for(emulator) as kube:
        await apply(kube, namespace_manifest(NS))
        await apply(kube, deployment("web"))
        early = (await kube.get(url_of(deployment("web")))).json()
        assert "observedGeneration" not in early.get("status", {})
        clock.advance(9.9)
        assert "observedGeneration" not in (await kube.get(url_of(deployment("web")))).json().get(
            "status", {}
        )
        clock.advance(0.1)
        late = (await kube.get(url_of(deployment("web")))).json()
        assert late["status"]["observedGeneration"] == 1
        assert late["status"]["availableReplicas"] == 2


async def test_each_spec_change_restarts_the_delay(
    make_emulator: Callable[..., KubeEmulator], clock: FakeClock
) -> None:
    emulator = make_emulator(rollout_delay=5)
    async with client_for(emulator) as kube:
        await apply(kube, namespace_manifest(NS))
        await apply(kube, deployment("web"))
        clock.advance(5)
        await kube.get("/version")
        await apply(kube, deployment("web", image="app:2"))
        stale = (await kube.get(url_of(deployment("web")))).json()
        assert stale["metadata"]["generation"] == 2
        assert stale["status"]["observedGeneration"] == 1
        clock.advance(5)
        fresh = (await kube.get(url_of(deployment("web")))).json()
        assert fresh["status"]["observedGeneration"] == 2


async def test_per_deployment_delay_overrides_the_global_one(
    make_emulator: Callable[..., KubeEmulator], clock: FakeClock
) -> None:
    emulator = make_emulator(rollout_delay=0)
    emulator.script_rollout(NS, "slow", "ready", delay=30)
    async with client_for(emulator) as kube:
        await apply(kube, namespace_manifest(NS))
        await apply(kube, deployment("slow"))
        await apply(kube, deployment("fast"))
        assert "status" not in (await kube.get(url_of(deployment("slow")))).json()
        assert (await kube.get(url_of(deployment("fast")))).json()["status"]["availableReplicas"]
        clock.advance(30)
        assert (await kube.get(url_of(deployment("slow")))).json()["status"]["availableReplicas"]


async def test_stall_observes_the_generation_but_never_becomes_available(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.script_rollout(NS, "web", "stall")
    await apply(kube, deployment("web"))
    live = (await kube.get(url_of(deployment("web")))).json()
    assert live["status"]["observedGeneration"] == 1
    assert live["status"].get("availableReplicas", 0) == 0
    assert live["status"]["updatedReplicas"] == 2
    assert conditions(live)["Progressing"]["reason"] == "ReplicaSetUpdated"
    assert conditions(live)["Available"]["status"] == "False"


async def test_deadline_reports_progress_deadline_exceeded(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    await apply(kube, deployment("web"))
    emulator.script_rollout(NS, "web", "deadline")
    live = (await kube.get(url_of(deployment("web")))).json()
    progressing = conditions(live)["Progressing"]
    assert progressing["status"] == "False"
    assert progressing["reason"] == "ProgressDeadlineExceeded"
    assert progressing["message"].startswith('ReplicaSet "web-')
    assert progressing["message"].endswith('" has timed out progressing.')
    assert live["status"].get("availableReplicas", 0) == 0


async def test_rollout_rules_match_names_or_namespace_paths_first_match_wins(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    emulator = make_emulator(
        rollout_rules=[
            (f"{NS}/web-stuck", "stall"),
            ("web-*", "deadline"),
            ("web-stuck", "ready"),  # shadowed by the namespace/name rule above
        ]
    )
    async with client_for(emulator) as kube:
        await apply(kube, namespace_manifest(NS))
        for name in ("web-late", "web-stuck", "api"):
            await apply(kube, deployment(name))
        late = conditions((await kube.get(url_of(deployment("web-late")))).json())
        stuck = conditions((await kube.get(url_of(deployment("web-stuck")))).json())
        api = conditions((await kube.get(url_of(deployment("api")))).json())
    assert late["Progressing"]["reason"] == "ProgressDeadlineExceeded"
    assert stuck["Progressing"]["reason"] == "ReplicaSetUpdated"
    assert stuck["Available"]["status"] == "False"
    assert api["Progressing"]["reason"] == "NewReplicaSetAvailable"


async def test_a_scripted_rollout_overrides_a_rule_and_a_crash_keeps_the_rule(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    emulator = make_emulator(rollout_rules=[("*", "deadline")])
    emulator.script_rollout(NS, "fixed", "ready")
    emulator.crash_loop(NS, "crashing")
    async with client_for(emulator) as kube:
        await apply(kube, namespace_manifest(NS))
        await apply(kube, deployment("fixed"))
        await apply(kube, deployment("crashing"))
        fixed = conditions((await kube.get(url_of(deployment("fixed")))).json())
        crashing = conditions((await kube.get(url_of(deployment("crashing")))).json())
    assert fixed["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert crashing["Progressing"]["reason"] == "ProgressDeadlineExceeded"


def test_rollout_rules_reject_unknown_modes_and_empty_patterns() -> None:
    with pytest.raises(ValueError, match="rollout mode"):
        KubeEmulator(rollout_rules=[("web", "sideways")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="non-empty pattern"):
        KubeEmulator(rollout_rules=[("", "stall")])


async def test_script_rollout_rejects_unknown_modes(emulator: KubeEmulator) -> None:
    with pytest.raises(ValueError, match="rollout mode"):
        emulator.script_rollout(NS, "web", "sideways")  # type: ignore[arg-type]


async def test_pods_follow_the_template_and_are_ready(kube: httpx.AsyncClient) -> None:
    await apply(kube, deployment("web", replicas=2))
    pods = (await kube.get(PODS, params={"labelSelector": "app=web"})).json()
    assert pods["kind"] == "PodList"
    assert len(pods["items"]) == 2
    for pod in pods["items"]:
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}["Ready"]
        assert ready == "True"
        (container,) = pod["status"]["containerStatuses"]
        assert container["ready"] is True
        assert container["restartCount"] == 0
        assert "running" in container["state"]
        assert pod["spec"]["containers"][0]["image"] == "app:1"


async def test_pods_are_replaced_on_a_template_change_and_scaled(kube: httpx.AsyncClient) -> None:
    await apply(kube, deployment("web", replicas=2))
    before = {p["metadata"]["name"] for p in (await kube.get(PODS)).json()["items"]}
    await apply(kube, deployment("web", replicas=3, image="app:2"))
    after = (await kube.get(PODS)).json()["items"]
    assert len(after) == 3
    assert not before & {p["metadata"]["name"] for p in after}
    assert {p["spec"]["containers"][0]["image"] for p in after} == {"app:2"}
    replicasets = (await kube.get(f"/apis/apps/v1/namespaces/{NS}/replicasets")).json()["items"]
    assert len(replicasets) == 1


async def test_deleting_a_deployment_removes_its_pods(kube: httpx.AsyncClient) -> None:
    await apply(kube, deployment("web"))
    await kube.delete(url_of(deployment("web")))
    assert (await kube.get(PODS)).json()["items"] == []


async def test_crash_loop_makes_pods_unready_with_rising_restarts(
    kube: httpx.AsyncClient, emulator: KubeEmulator, clock: FakeClock
) -> None:
    await apply(kube, deployment("web", replicas=1))
    emulator.crash_loop(NS, "web")
    (pod,) = (await kube.get(PODS)).json()["items"]
    (container,) = pod["status"]["containerStatuses"]
    assert container["ready"] is False
    assert container["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    first = container["restartCount"]
    assert first >= 1
    clock.advance(35)
    (pod,) = (await kube.get(PODS)).json()["items"]
    assert pod["status"]["containerStatuses"][0]["restartCount"] > first
    live = (await kube.get(url_of(deployment("web")))).json()
    assert live["status"].get("availableReplicas", 0) == 0


async def test_a_script_outlives_a_delete_and_recreate(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.script_rollout(NS, "web", "deadline")
    await apply(kube, deployment("web"))
    await kube.delete(url_of(deployment("web")))
    await apply(kube, deployment("web"))
    live = (await kube.get(url_of(deployment("web")))).json()
    assert conditions(live)["Progressing"]["reason"] == "ProgressDeadlineExceeded"
