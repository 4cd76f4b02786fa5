"""The cluster seam: what the k8s deployer asks of a Kubernetes API, and its typed errors.

`K8sCluster` is the protocol both implementations follow (`LightkubeCluster` over HTTP,
`testing.memory_cluster.InMemoryCluster` in memory). The closed kind table, the ownership guard
and the apply-action rule live here once so both implementations behave identically. This module
imports no HTTP client.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from greentic_deployer.packs.k8s.errors import (
    ENV_LABEL,
    UNCONFIGURED,
    AdoptionRefused,
    ApiError,
    ClusterConfigError,
    ClusterError,
    InvalidManifestError,
    OwnershipConflict,
    RolloutFailed,
    RolloutTimeout,
    Unconfigured,
    Unreachable,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef

__all__ = [
    "ENV_LABEL",
    "FIELD_MANAGER",
    "KINDS",
    "UNCONFIGURED",
    "AdoptionRefused",
    "ApiError",
    "ApplyAction",
    "ApplyResult",
    "ClusterConfigError",
    "ClusterError",
    "DeleteResult",
    "Existing",
    "InvalidManifestError",
    "K8sCluster",
    "KindInfo",
    "OwnershipConflict",
    "RolloutFailed",
    "RolloutStatus",
    "RolloutTimeout",
    "Unconfigured",
    "UnconfiguredCluster",
    "Unreachable",
    "apply_action",
    "check_ownership",
    "existing_key",
    "index_existing",
    "kind_info",
    "validate_ref",
    "require_deployment",
    "env_label",
    "rollout_status_of",
    "validate_manifest",
]

FIELD_MANAGER = "greentic-deployer"

Existing = Mapping[tuple[str | None, str, str], dict[str, Any]]
"""What a caller read once per (namespace, kind): (namespace, kind, name) -> live object."""


# -- the closed kind table ---------------------------------------------------------------------


@dataclass(frozen=True)
class KindInfo:
    """One kind the deployer may touch: where it lives in the API and whether it is namespaced."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def group(self) -> str:
        """The API group ("" for the core group)."""
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        """The API version within the group."""
        return self.api_version.rpartition("/")[2]


def _kinds(*infos: KindInfo) -> Mapping[str, KindInfo]:
    return {info.kind: info for info in infos}


KINDS: Mapping[str, KindInfo] = _kinds(
    KindInfo("v1", "Namespace", "namespaces", namespaced=False),
    KindInfo("v1", "Service", "services", namespaced=True),
    KindInfo("v1", "ConfigMap", "configmaps", namespaced=True),
    KindInfo("v1", "Secret", "secrets", namespaced=True),
    KindInfo("v1", "ServiceAccount", "serviceaccounts", namespaced=True),
    KindInfo("apps/v1", "Deployment", "deployments", namespaced=True),
    KindInfo("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", namespaced=True),
    KindInfo("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", namespaced=True),
    KindInfo("rbac.authorization.k8s.io/v1", "Role", "roles", namespaced=True),
    KindInfo("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", namespaced=True),
    KindInfo(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        namespaced=False,
    ),
)
"""The only kinds the seam routes (reference §7.6); anything else is InvalidManifest."""


def kind_info(kind: str, api_version: str | None = None, ref: ObjectRef | None = None) -> KindInfo:
    """The table entry of `kind` (and `api_version` when given), else InvalidManifestError."""
    info = KINDS.get(kind)
    if info is None or (api_version is not None and api_version != info.api_version):
        shown = kind if api_version is None else f"{api_version}/{kind}"
        known = ", ".join(f"{i.api_version}/{i.kind}" for i in KINDS.values())
        raise InvalidManifestError(f"kind {shown} is not one the deployer manages ({known})", ref)
    return info


def validate_manifest(manifest: Mapping[str, Any]) -> tuple[ObjectRef, KindInfo]:
    """The manifest's ref and kind, checked against the table and its scope before any request."""
    ref = ObjectRef.from_manifest(dict(manifest) if not isinstance(manifest, dict) else manifest)
    info = kind_info(ref.kind, ref.api_version, ref)
    if info.namespaced and ref.namespace is None:
        raise InvalidManifestError("metadata.namespace is required for a namespaced kind", ref)
    if not info.namespaced and ref.namespace is not None:
        raise InvalidManifestError(
            "metadata.namespace must be absent for a cluster-scoped kind", ref
        )
    labels = manifest.get("metadata", {}).get("labels")
    if labels is not None and not isinstance(labels, dict):
        raise InvalidManifestError("metadata.labels must be an object", ref)
    return ref, info


def validate_ref(ref: ObjectRef) -> KindInfo:
    """The kind of `ref`, checked against the table and its scope before any request."""
    info = kind_info(ref.kind, ref.api_version, ref)
    if info.namespaced != (ref.namespace is not None):
        rule = "needs a namespace" if info.namespaced else "is cluster-scoped"
        raise InvalidManifestError(f"{ref.kind} {rule}", ref)
    return info


def require_deployment(ref: ObjectRef) -> None:
    """Rollout status exists only for apps/v1 Deployments."""
    validate_ref(ref)
    if ref.kind != "Deployment":
        raise InvalidManifestError("rollout status is read from apps/v1 Deployments only", ref)


def existing_key(ref: ObjectRef) -> tuple[str | None, str, str]:
    """The key of `ref` in an `Existing` mapping."""
    return (ref.namespace, ref.kind, ref.name)


def index_existing(kind: str, items: Iterable[Mapping[str, Any]]) -> Existing:
    """An `Existing` mapping from one `list` of `kind` (list items need not carry their kind)."""
    info = kind_info(kind)
    index: dict[tuple[str | None, str, str], dict[str, Any]] = {}
    for item in items:
        metadata = item.get("metadata")
        if not isinstance(metadata, Mapping) or not isinstance(metadata.get("name"), str):
            continue
        namespace = metadata.get("namespace") if info.namespaced else None
        index[(namespace, info.kind, metadata["name"])] = dict(item)
    return index


# -- ownership guard and apply action ----------------------------------------------------------


def _labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def env_label(obj: Mapping[str, Any]) -> str | None:
    """The `greentic.ai/env` label of a manifest or live object, None when it has none."""
    value = _labels(obj).get(ENV_LABEL)
    return value if isinstance(value, str) and value else None


def check_ownership(
    live: Mapping[str, Any] | None, manifest_env: str | None, ref: ObjectRef, adopt: bool
) -> None:
    """Refuse to write over another env's object, or an unlabelled one unless adopting."""
    if live is None:
        return
    existing_env = env_label(live)
    if existing_env is None:
        if not adopt:
            raise AdoptionRefused(ref)
        return
    if existing_env != manifest_env:
        raise OwnershipConflict(ref, ref.namespace, existing_env, manifest_env or "")


_SERVER_METADATA = ("resourceVersion", "managedFields", "generation")


def _comparable(obj: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(obj))
    metadata = out.get("metadata")
    if isinstance(metadata, dict):
        for key in _SERVER_METADATA:
            metadata.pop(key, None)
    out.pop("status", None)
    return out


def _resource_version(obj: Mapping[str, Any]) -> object:
    metadata = obj.get("metadata")
    return metadata.get("resourceVersion") if isinstance(metadata, Mapping) else None


class ApplyAction(StrEnum):
    """What an apply did to the object."""

    created = "created"
    configured = "configured"
    unchanged = "unchanged"


def apply_action(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], *, dry_run: bool = False
) -> ApplyAction:
    """created when there was no object; unchanged when its resourceVersion stayed."""
    if before is None:
        return ApplyAction.created
    if dry_run:
        # A dry run persists nothing, so the resourceVersion stays either way: compare content.
        same = _comparable(before) == _comparable(after)
    else:
        same = _resource_version(before) == _resource_version(after)
    return ApplyAction.unchanged if same else ApplyAction.configured


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyResult:
    """One applied object: what happened and the live object the server returned."""

    ref: ObjectRef
    action: ApplyAction
    live: dict[str, Any]


@dataclass(frozen=True)
class DeleteResult:
    """One delete: `existed` is False when the object was already absent."""

    ref: ObjectRef
    existed: bool


@dataclass(frozen=True)
class RolloutStatus:
    """A Deployment's generation and status counters as read (missing counters read as 0)."""

    generation: int
    observed_generation: int | None
    replicas: int
    updated_replicas: int
    available_replicas: int
    conditions: tuple[dict[str, Any], ...] = ()


def _count(status: Mapping[str, Any], key: str) -> int:
    value = status.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def rollout_status_of(deployment: Mapping[str, Any]) -> RolloutStatus:
    """Read a live Deployment's `metadata.generation` and `status` into a RolloutStatus."""
    metadata = deployment.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    status = deployment.get("status")
    status = status if isinstance(status, Mapping) else {}
    observed = status.get("observedGeneration")
    conditions = status.get("conditions")
    return RolloutStatus(
        generation=_count(metadata, "generation"),
        observed_generation=observed
        if isinstance(observed, int) and not isinstance(observed, bool)
        else None,
        replicas=_count(status, "replicas"),
        updated_replicas=_count(status, "updatedReplicas"),
        available_replicas=_count(status, "availableReplicas"),
        conditions=tuple(dict(c) for c in conditions if isinstance(c, Mapping))
        if isinstance(conditions, list)
        else (),
    )


# -- the protocol ------------------------------------------------------------------------------


@runtime_checkable
class K8sCluster(Protocol):
    """What the k8s deployer needs from a cluster; every method is async."""

    async def apply(
        self,
        manifest: Mapping[str, Any],
        *,
        adopt: bool = False,
        existing: Existing | None = None,
        dry_run: bool = False,
    ) -> ApplyResult:
        """Ownership guard, then server-side apply (field manager FIELD_MANAGER, force)."""
        ...

    async def delete(self, ref: ObjectRef) -> DeleteResult:
        """Delete the object; an absent one is `existed=False`, not an error."""
        ...

    async def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        """The live object, None when absent."""
        ...

    async def list(
        self,
        kind: str,
        namespace: str | None,
        label_selector: str | None = None,
        *,
        api_version: str | None = None,
    ) -> list[dict[str, Any]]:
        """Live objects of one kind (in one namespace for namespaced kinds), by label selector."""
        ...

    async def rollout_status(self, ref: ObjectRef) -> RolloutStatus:
        """A Deployment's rollout counters; an absent Deployment is ApiError 404."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class UnconfiguredCluster:
    """The default binding: every call fails with Unconfigured, so no verb pretends to work."""

    async def apply(
        self,
        manifest: Mapping[str, Any],
        *,
        adopt: bool = False,
        existing: Existing | None = None,
        dry_run: bool = False,
    ) -> ApplyResult:
        """Always Unconfigured."""
        ref, _ = validate_manifest(manifest)
        raise Unconfigured("apply", ref)

    async def delete(self, ref: ObjectRef) -> DeleteResult:
        """Always Unconfigured."""
        raise Unconfigured("delete", ref)

    async def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        """Always Unconfigured."""
        raise Unconfigured("get", ref)

    async def list(
        self,
        kind: str,
        namespace: str | None,
        label_selector: str | None = None,
        *,
        api_version: str | None = None,
    ) -> list[dict[str, Any]]:
        """Always Unconfigured."""
        info = kind_info(kind, api_version)
        where = f" in namespace {namespace}" if namespace else ""
        raise Unconfigured(f"list {info.api_version}/{info.kind}{where}")

    async def rollout_status(self, ref: ObjectRef) -> RolloutStatus:
        """Always Unconfigured."""
        raise Unconfigured("read the rollout status of", ref)

    async def close(self) -> None:
        """Nothing to release."""
