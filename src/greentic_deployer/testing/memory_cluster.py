"""An in-memory `K8sCluster` for tests: objects, resourceVersions, call counts, scripted rollouts.

It follows the same closed kind table, ownership guard and apply-action rule as the HTTP client
(they live in `packs.k8s.cluster`). Server-side apply is modelled for one field manager: the
applied manifest replaces what the deployer applied before, while fields of objects seeded by
someone else (`seed`) stay unless the manifest sets them. A no-op apply keeps the
resourceVersion; a spec change bumps `metadata.generation`.
"""

from __future__ import annotations

import collections
import copy
import itertools
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from greentic_deployer.packs.k8s.cluster import (
    ApiError,
    ApplyResult,
    DeleteResult,
    Existing,
    RolloutStatus,
    apply_action,
    check_ownership,
    env_label,
    existing_key,
    kind_info,
    require_deployment,
    rollout_status_of,
    validate_manifest,
    validate_ref,
)
from greentic_deployer.packs.k8s.label_selector import parse_selector, selector_matches
from greentic_deployer.packs.k8s.object_ref import ObjectRef

RolloutMode = Literal["ready", "stall", "deadline"]
Key = tuple[str | None, str, str]

_CREATED_AT = "1970-01-01T00:00:00Z"


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class InMemoryCluster:
    """A `K8sCluster` kept in memory; counts calls by verb and scripts Deployment rollouts."""

    def __init__(self, *, require_namespace: bool = True) -> None:
        # A namespaced object in a namespace that does not exist is a 404, as on a real server.
        self.require_namespace = require_namespace
        self.calls: collections.Counter[str] = collections.Counter()
        self.objects: dict[Key, dict[str, Any]] = {}
        self._foreign: dict[Key, dict[str, Any]] = {}
        self._modes: dict[tuple[str, str], tuple[RolloutMode, int]] = {}
        self._reads: collections.Counter[tuple[str, str]] = collections.Counter()
        self._versions = itertools.count(1)
        self.closed = False

    # -- test controls -------------------------------------------------------------------------

    def script_rollout(
        self, namespace: str, name: str, mode: RolloutMode, *, after_reads: int = 0
    ) -> None:
        """How the Deployment rolls out: ready, stalled, or past its progress deadline.

        With `after_reads`, the first that many status reads see the rollout still in
        progress (nothing updated yet), as a real controller would report it.
        """
        self._modes[(namespace, name)] = (mode, after_reads)
        self._reads[(namespace, name)] = 0
        key: Key = (namespace, "Deployment", name)
        if key in self.objects:
            self._refresh_status(key)

    def seed(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """Store an object as if another tool had created it (no calls counted, no guard)."""
        ref, _ = validate_manifest(manifest)
        key = existing_key(ref)
        self._foreign[key] = copy.deepcopy(dict(manifest))
        self.objects[key] = self._stamp(None, copy.deepcopy(dict(manifest)))
        if ref.kind == "Deployment":
            self._refresh_status(key)
        return copy.deepcopy(self.objects[key])

    # -- the protocol --------------------------------------------------------------------------

    async def apply(
        self,
        manifest: Mapping[str, Any],
        *,
        adopt: bool = False,
        existing: Existing | None = None,
        dry_run: bool = False,
    ) -> ApplyResult:
        """Ownership guard, then apply; with `existing` the guard reads no object."""
        ref, _ = validate_manifest(manifest)
        key = existing_key(ref)
        if existing is None:
            self.calls["get"] += 1
            before = self.objects.get(key)
        else:
            before = existing.get(key)
        check_ownership(before, env_label(manifest), ref, adopt)
        self.calls["apply"] += 1
        self._require_namespace(ref, "apply")
        current = self.objects.get(key)
        desired = _deep_merge(self._foreign.get(key, {}), manifest)
        after = self._stamp(current, desired)
        if not dry_run:
            self.objects[key] = after
            if ref.kind == "Deployment":
                self._refresh_status(key)
            after = self.objects[key]
        # Like the HTTP client, the action compares with what the guard saw.
        action = apply_action(before, after, dry_run=dry_run)
        return ApplyResult(ref=ref, action=action, live=copy.deepcopy(after))

    async def delete(self, ref: ObjectRef) -> DeleteResult:
        """Delete; a Namespace takes everything in it along."""
        validate_ref(ref)
        self.calls["delete"] += 1
        key = existing_key(ref)
        if key not in self.objects:
            return DeleteResult(ref=ref, existed=False)
        self._forget(key)
        if ref.kind == "Namespace":
            for other in [k for k in self.objects if k[0] == ref.name]:
                self._forget(other)
        return DeleteResult(ref=ref, existed=True)

    async def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        """The live object, None when absent."""
        validate_ref(ref)
        self.calls["get"] += 1
        live = self.objects.get(existing_key(ref))
        return None if live is None else copy.deepcopy(live)

    async def list(
        self,
        kind: str,
        namespace: str | None,
        label_selector: str | None = None,
        *,
        api_version: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of one kind in one namespace (all namespaces when None), by label selector."""
        info = kind_info(kind, api_version)
        requirements = parse_selector(label_selector)
        self.calls["list"] += 1
        found = []
        for (ns, obj_kind, _name), live in sorted(
            self.objects.items(), key=lambda item: (item[0][0] or "", item[0][2])
        ):
            if obj_kind != info.kind:
                continue
            if info.namespaced and namespace is not None and ns != namespace:
                continue
            labels = live.get("metadata", {}).get("labels") or {}
            if selector_matches(requirements, labels):
                found.append(copy.deepcopy(live))
        return found

    async def rollout_status(self, ref: ObjectRef) -> RolloutStatus:
        """The scripted rollout's counters; an absent Deployment is ApiError 404."""
        require_deployment(ref)
        self.calls["rollout_status"] += 1
        key = existing_key(ref)
        if key not in self.objects:
            raise ApiError(
                verb="read the rollout status of",
                status=404,
                reason="NotFound",
                ref=ref,
                server_message=f'deployments.apps "{ref.name}" not found',
            )
        assert ref.namespace is not None
        self._refresh_status(key)
        self._reads[(ref.namespace, ref.name)] += 1
        return rollout_status_of(self.objects[key])

    async def close(self) -> None:
        """Nothing to release; remembered so tests can check callers close what they open."""
        self.closed = True

    # -- internals -----------------------------------------------------------------------------

    def _require_namespace(self, ref: ObjectRef, verb: str) -> None:
        if not self.require_namespace or ref.namespace is None:
            return
        if (None, "Namespace", ref.namespace) not in self.objects:
            raise ApiError(
                verb=verb,
                status=404,
                reason="NotFound",
                ref=ref,
                server_message=f'namespaces "{ref.namespace}" not found',
            )

    def _forget(self, key: Key) -> None:
        self.objects.pop(key, None)
        self._foreign.pop(key, None)

    def _stamp(self, current: dict[str, Any] | None, desired: dict[str, Any]) -> dict[str, Any]:
        """Server-owned metadata: kept when nothing changed, bumped when something did."""
        out = copy.deepcopy(desired)
        out.pop("status", None)
        metadata = out.setdefault("metadata", {})
        for field in ("resourceVersion", "generation", "uid", "creationTimestamp"):
            metadata.pop(field, None)
        if current is None:
            metadata["uid"] = str(uuid.uuid4())
            metadata["creationTimestamp"] = _CREATED_AT
            metadata["resourceVersion"] = str(next(self._versions))
            metadata["generation"] = 1
            return out
        old_meta = current["metadata"]
        metadata["uid"] = old_meta["uid"]
        metadata["creationTimestamp"] = old_meta["creationTimestamp"]
        if "status" in current:
            out["status"] = copy.deepcopy(current["status"])
        unchanged = _without_server_fields(current) == _without_server_fields(out)
        metadata["resourceVersion"] = (
            old_meta["resourceVersion"] if unchanged else str(next(self._versions))
        )
        spec_changed = current.get("spec") != out.get("spec")
        metadata["generation"] = old_meta["generation"] + (1 if spec_changed else 0)
        return out

    def _refresh_status(self, key: Key) -> None:
        live = self.objects[key]
        namespace, _, name = key
        assert namespace is not None
        mode, after_reads = self._modes.get((namespace, name), ("ready", 0))
        generation = live["metadata"]["generation"]
        replicas = live.get("spec", {}).get("replicas", 1)
        replicas = replicas if isinstance(replicas, int) else 1
        if self._reads[(namespace, name)] < after_reads:
            # Observed, but no new replica updated yet.
            status: dict[str, Any] = {
                "observedGeneration": generation,
                "replicas": 0,
                "updatedReplicas": 0,
                "availableReplicas": 0,
            }
        elif mode == "ready":
            status = {
                "observedGeneration": generation,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
                "conditions": [_condition("True", "NewReplicaSetAvailable", name)],
            }
        else:
            status = {
                "observedGeneration": generation,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "availableReplicas": 0,
                "conditions": [
                    _condition("False", "ProgressDeadlineExceeded", name)
                    if mode == "deadline"
                    else _condition("True", "ReplicaSetUpdated", name)
                ],
            }
        live["status"] = status


def _condition(state: str, reason: str, name: str) -> dict[str, Any]:
    messages = {
        "NewReplicaSetAvailable": f'ReplicaSet "{name}" has successfully progressed.',
        "ReplicaSetUpdated": f'ReplicaSet "{name}" is progressing.',
        "ProgressDeadlineExceeded": f'ReplicaSet "{name}" has timed out progressing.',
    }
    return {"type": "Progressing", "status": state, "reason": reason, "message": messages[reason]}


def _without_server_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(obj))
    out.pop("status", None)
    metadata = out.get("metadata", {})
    for field in ("resourceVersion", "generation", "managedFields"):
        metadata.pop(field, None)
    return out
