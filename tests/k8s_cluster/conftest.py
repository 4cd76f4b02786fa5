"""Harnesses that run one seam suite over every K8sCluster implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal, Protocol

import pytest

from greentic_deployer.packs.k8s.cluster import K8sCluster
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


@pytest.fixture(params=["memory"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """Each seam implementation in turn, with the namespace NS already applied."""
    h: Harness = MemoryHarness()
    await h.cluster.apply(namespace_manifest())
    yield h
    await h.cluster.close()
