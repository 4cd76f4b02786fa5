"""Harnesses that run one seam suite over every K8sCluster implementation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
import pytest

from greentic_deployer.packs.k8s.cluster import K8sCluster, validate_manifest
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig, LightkubeCluster
from greentic_deployer.testing.kube_emulator import RunningEmulator, run_emulator
from greentic_deployer.testing.memory_cluster import InMemoryCluster

NS = "gtc-staging"
ENV = "staging"


class Harness(Protocol):
    """A cluster under test plus the controls a test needs from outside the seam."""

    cluster: K8sCluster

    def seed(self, manifest: Mapping[str, Any]) -> None:
        """Create an object as another tool would (not through the seam)."""
        ...

    def script_rollout(
        self, namespace: str, name: str, mode: Literal["ready", "stall", "deadline"]
    ) -> None:
        """How a Deployment's rollout will go."""
        ...

    def calls(self, verb: str) -> int:
        """How many API calls of this verb (apply, get, list, delete) the seam made."""
        ...


class MemoryHarness:
    """InMemoryCluster with its own controls."""

    def __init__(self) -> None:
        self.memory = InMemoryCluster()
        self.cluster: K8sCluster = self.memory

    def seed(self, manifest: Mapping[str, Any]) -> None:
        """Store the object directly."""
        self.memory.seed(manifest)

    def script_rollout(
        self, namespace: str, name: str, mode: Literal["ready", "stall", "deadline"]
    ) -> None:
        """Script the in-memory controller."""
        self.memory.script_rollout(namespace, name, mode)

    def calls(self, verb: str) -> int:
        """The in-memory call counter."""
        return self.memory.calls[verb]


async def no_sleep(seconds: float) -> None:
    """Retries in these tests never wait for real."""


def lightkube_cluster(running: RunningEmulator, **config: Any) -> LightkubeCluster:
    """The real lightkube client for an emulator served over HTTP on 127.0.0.1."""
    return LightkubeCluster(
        ClusterConfig(kubeconfig=running.kubeconfig, **config), sleep=no_sleep, rng=lambda: 0.5
    )


def object_url(base: str, manifest: Mapping[str, Any]) -> str:
    """The URL of a manifest's object, from the closed kind table."""
    ref, info = validate_manifest(manifest)
    root = f"/apis/{info.api_version}" if info.group else f"/api/{info.api_version}"
    scope = f"/namespaces/{ref.namespace}" if info.namespaced else ""
    return f"{base}{root}{scope}/{info.plural}/{ref.name}"


_VERBS = {"apply": "patch"}


class EmulatorHarness:
    """LightkubeCluster over real HTTP against the in-repo emulator."""

    def __init__(self, running: RunningEmulator) -> None:
        self.running = running
        self.cluster: K8sCluster = lightkube_cluster(running)

    def seed(self, manifest: Mapping[str, Any]) -> None:
        """Server-side apply as another tool (field manager `kubectl`) would."""
        headers = {"Content-Type": "application/apply-patch+yaml"}
        if self.running.token:
            headers["Authorization"] = f"Bearer {self.running.token}"
        response = httpx.patch(
            object_url(self.running.url, manifest),
            content=json.dumps(dict(manifest)),
            headers=headers,
            params={"fieldManager": "kubectl", "force": "true"},
        )
        response.raise_for_status()

    def script_rollout(
        self, namespace: str, name: str, mode: Literal["ready", "stall", "deadline"]
    ) -> None:
        """Script the emulator's Deployment controller stand-in."""
        self.running.emulator.script_rollout(namespace, name, mode)

    def calls(self, verb: str) -> int:
        """Requests the emulator counted for this verb (apply = PATCH)."""
        return self.running.emulator.requests_by_verb().get(_VERBS.get(verb, verb), 0)


def manifest(
    kind: str,
    name: str,
    *,
    env: str | None = ENV,
    namespace: str | None = NS,
    api_version: str = "v1",
    data: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A small manifest labelled with `env` (no env label when None)."""
    all_labels = {"app.kubernetes.io/managed-by": "greentic", **(labels or {})}
    if env is not None:
        all_labels["greentic.ai/env"] = env
    metadata: dict[str, Any] = {"name": name, "labels": all_labels}
    if namespace is not None:
        metadata["namespace"] = namespace
    out: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    if data is not None:
        out["data"] = data
    if spec is not None:
        out["spec"] = spec
    return out


def deployment(name: str, replicas: int = 1, image: str = "busybox:1", **kw: Any) -> dict[str, Any]:
    """A minimal worker-like Deployment."""
    labels = {"app": name}
    return manifest(
        "Deployment",
        name,
        api_version="apps/v1",
        spec={
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "worker", "image": image}]},
            },
        },
        **kw,
    )


def namespace_manifest(name: str = NS, env: str | None = ENV) -> dict[str, Any]:
    """The Namespace object."""
    return manifest("Namespace", name, env=env, namespace=None)


@pytest.fixture
def served_emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    """An emulator over HTTP on 127.0.0.1 with its kubeconfig."""
    with run_emulator(tmp_path) as running:
        yield running


@pytest.fixture(params=["memory", "emulator"])
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """Each seam implementation in turn, with the namespace NS already applied."""
    if request.param == "memory":
        h: Harness = MemoryHarness()
        await h.cluster.apply(namespace_manifest())
        yield h
        await h.cluster.close()
        return
    with run_emulator(tmp_path) as running:
        h = EmulatorHarness(running)
        await h.cluster.apply(namespace_manifest())
        yield h
        await h.cluster.close()
