"""In-process emulator fixtures: an injected clock and an httpx client over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from greentic_deployer.testing.kube_emulator import KubeEmulator

APPLY = "application/apply-patch+yaml"
NS = "team-a"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """The injected clock."""
    return FakeClock()


@pytest.fixture
def make_emulator(clock: FakeClock) -> Callable[..., KubeEmulator]:
    """Build an emulator on the fake clock."""

    def make(**kwargs: Any) -> KubeEmulator:
        return KubeEmulator(clock=clock, **kwargs)

    return make


@pytest.fixture
def emulator(make_emulator: Callable[..., KubeEmulator]) -> KubeEmulator:
    """A default emulator (no tokens, rollout at once) on the fake clock."""
    return make_emulator()


def client_for(emulator: KubeEmulator, token: str | None = None) -> httpx.AsyncClient:
    """An httpx client that drives the emulator in-process."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.app), base_url="http://emulator", headers=headers
    )


@pytest.fixture
async def kube(emulator: KubeEmulator) -> AsyncIterator[httpx.AsyncClient]:
    """A client on `emulator` with namespace `team-a` already created."""
    async with client_for(emulator) as client:
        await apply(client, namespace_manifest(NS))
        yield client


def namespace_manifest(name: str) -> dict[str, Any]:
    """A Namespace manifest."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def configmap(name: str, data: dict[str, str], **labels: str) -> dict[str, Any]:
    """A ConfigMap manifest in `team-a`."""
    meta: dict[str, Any] = {"name": name, "namespace": NS}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def deployment(name: str, replicas: int = 2, image: str = "app:1") -> dict[str, Any]:
    """A Deployment manifest in `team-a`."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


def url_of(manifest: dict[str, Any]) -> str:
    """The object URL of a manifest."""
    kind = manifest["kind"]
    name = manifest["metadata"]["name"]
    if kind == "Namespace":
        return f"/api/v1/namespaces/{name}"
    ns = manifest["metadata"].get("namespace", NS)
    plural = {"ConfigMap": "configmaps", "Service": "services", "Secret": "secrets"}.get(kind)
    if plural:
        return f"/api/v1/namespaces/{ns}/{plural}/{name}"
    assert kind == "Deployment"
    return f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"


async def apply(
    client: httpx.AsyncClient,
    manifest: dict[str, Any],
    *,
    manager: str | None = "greentic-deployer",
    force: bool = True,
    extra: str = "",
) -> httpx.Response:
    """Server-side apply of one manifest (JSON body)."""
    params = f"?force={'true' if force else 'false'}"
    if manager is not None:
        params += f"&fieldManager={manager}"
    return await client.patch(
        url_of(manifest) + params + extra,
        json=manifest,
        headers={"Content-Type": APPLY},
    )
