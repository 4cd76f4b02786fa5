"""The `/scale` subresource of Deployments and ReplicaSets (`autoscaling/v1` Scale)."""

from __future__ import annotations

import copy
from typing import Any

from greentic_deployer.testing.kube_emulator.errors import KubeError

SCALABLE = frozenset({"deployments", "replicasets"})


def _selector(obj: dict[str, Any]) -> str:
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def to_scale(obj: dict[str, Any]) -> dict[str, Any]:
    """The Scale view of a scalable object."""
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas", 1))},
        "status": {
            "replicas": int((obj.get("status") or {}).get("replicas", 0)),
            "selector": _selector(obj),
        },
    }


def from_scale(live: dict[str, Any], scale: Any) -> dict[str, Any]:
    """The object with the replica count a written Scale asks for; 422 when it asks none."""
    replicas = (
        ((scale or {}).get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
    )
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise KubeError(
            422,
            "Invalid",
            f'Scale.autoscaling "{live["metadata"]["name"]}" is invalid: spec.replicas: '
            f"must be a non-negative integer, got {replicas!r}",
            name=live["metadata"]["name"],
            group="autoscaling",
            kind="Scale",
        )
    new = copy.deepcopy(live)
    new.setdefault("spec", {})["replicas"] = replicas
    return new
