"""Injected faults, latency, and the request counters."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from greentic_deployer.testing.kube_emulator import KubeEmulator
from tests.emulator.conftest import NS, apply, client_for, configmap, namespace_manifest

CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"


async def test_429_carries_retry_after_and_fails_only_count_requests(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.inject_fault(status=429, count=2, verb="patch", resource="configmaps", retry_after=3)
    first = await apply(kube, configmap("cfg", {}))
    second = await apply(kube, configmap("cfg", {}))
    third = await apply(kube, configmap("cfg", {}))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 201]
    assert first.headers["retry-after"] == "3"
    assert first.json()["reason"] == "TooManyRequests"
    assert first.json()["code"] == 429


async def test_faults_match_verb_resource_and_name(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.inject_fault(status=503, verb="get", resource="configmaps", name="b")
    await apply(kube, configmap("a", {}))
    await apply(kube, configmap("b", {}))
    assert (await kube.get(f"{CONFIGMAPS}/a")).status_code == 200
    assert (await kube.get(CONFIGMAPS)).status_code == 200
    failed = await kube.get(f"{CONFIGMAPS}/b")
    assert failed.status_code == 503
    assert failed.json()["reason"] == "ServiceUnavailable"
    assert (await kube.get(f"{CONFIGMAPS}/b")).status_code == 200


@pytest.mark.parametrize(("status", "reason"), [(409, "Conflict"), (500, "InternalError")])
async def test_other_statuses(
    kube: httpx.AsyncClient, emulator: KubeEmulator, status: int, reason: str
) -> None:
    emulator.inject_fault(status=status)
    response = await kube.get(CONFIGMAPS)
    assert response.status_code == status
    assert response.json()["reason"] == reason


async def test_a_faulted_write_changes_nothing(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.inject_fault(status=500, verb="patch")
    await apply(kube, configmap("cfg", {}))
    assert emulator.object("configmaps", NS, "cfg") is None


async def test_in_process_dropped_connection_raises_like_a_closed_socket(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.inject_fault(drop_connection=True, verb="list")
    with pytest.raises(httpx.RemoteProtocolError):
        await kube.get(CONFIGMAPS)
    assert (await kube.get(CONFIGMAPS)).status_code == 200


def test_invalid_fault_requests_are_rejected(emulator: KubeEmulator) -> None:
    with pytest.raises(ValueError, match="status or drop_connection"):
        emulator.inject_fault()
    with pytest.raises(ValueError, match="HTTP error code"):
        emulator.inject_fault(status=200)
    with pytest.raises(ValueError, match="count"):
        emulator.inject_fault(status=500, count=0)
    with pytest.raises(ValueError, match="latency"):
        emulator.set_latency(-1)


async def test_latency_delays_every_request(make_emulator: Callable[..., KubeEmulator]) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    emulator = make_emulator(latency_ms=20, sleep=sleep)
    async with client_for(emulator) as kube:
        await kube.get("/api")
        emulator.set_latency(250)
        await kube.get("/api/v1/namespaces")
        emulator.set_latency(0)
        await kube.get("/api/v1/namespaces")
    assert slept == [0.02, 0.25]


async def test_counters_by_verb_resource_and_path(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.reset_counters()
    await apply(kube, configmap("cfg", {}))
    await kube.get(f"{CONFIGMAPS}/cfg")
    await kube.get(CONFIGMAPS)
    await kube.get("/api")
    await kube.get(CONFIGMAPS, params={"watch": "1", "timeoutSeconds": "0"})
    await kube.delete(f"{CONFIGMAPS}/cfg")
    assert emulator.counters == {
        ("patch", "configmaps"): 1,
        ("get", "configmaps"): 1,
        ("list", "configmaps"): 1,
        ("watch", "configmaps"): 1,
        ("delete", "configmaps"): 1,
        ("discovery", "/api"): 1,
    }
    assert emulator.requests_by_verb() == {
        "patch": 1,
        "get": 1,
        "list": 1,
        "watch": 1,
        "delete": 1,
        "discovery": 1,
    }
    assert emulator.path_counters[f"{CONFIGMAPS}/cfg"] == 3
    emulator.reset_counters()
    assert emulator.counters == {} and emulator.requests_by_verb() == {}


async def test_faulted_requests_are_counted(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    emulator.reset_counters()
    emulator.inject_fault(status=503)
    await kube.get(CONFIGMAPS)
    assert emulator.counters[("list", "configmaps")] == 1


async def test_namespace_fixture_helper_applies(emulator: KubeEmulator) -> None:
    async with client_for(emulator) as kube:
        assert (await apply(kube, namespace_manifest("x"))).status_code == 201
