"""Diff: what a reconcile would create, change (and where) and prune, without changing anything.

Every desired object goes through a server-side dry run (`dryRun=All`), so defaulting and field
ownership are the server's own; the answer is compared with the live object, ignoring what the
server maintains by itself (resourceVersion, managedFields, generation, uid, creationTimestamp,
status).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.cluster import ApplyAction, K8sCluster
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.plan import key_of, stale_objects
from greentic_deployer.packs.k8s.reconcile import DEFAULT_CONCURRENCY, render_read_apply
from greentic_deployer.packs.k8s.secrets_backend import SecretsBackend
from greentic_deployer.spec.environment import Environment

SERVER_MAINTAINED_METADATA: frozenset[str] = frozenset(
    {"resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"}
)


@dataclass(frozen=True)
class ChangedObject:
    """An object the apply would change, with the field paths that differ."""

    ref: ObjectRef
    paths: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """`{ref…, paths}`."""
        return {**self.ref.to_json(), "paths": list(self.paths)}


@dataclass(frozen=True)
class DiffReport:
    """Would-create, would-change (with paths), would-prune; `changed` when any is non-empty."""

    created: tuple[ObjectRef, ...]
    changed_objects: tuple[ChangedObject, ...]
    pruned: tuple[ObjectRef, ...]
    unchanged_count: int

    @property
    def changed(self) -> bool:
        """Whether a reconcile would change anything."""
        return bool(self.created or self.changed_objects or self.pruned)

    def to_json(self) -> dict[str, Any]:
        """`{changed, created, changed_objects, pruned, unchanged_count}`."""
        return {
            "changed": self.changed,
            "created": [r.to_json() for r in self.created],
            "changed_objects": [c.to_json() for c in self.changed_objects],
            "pruned": [r.to_json() for r in self.pruned],
            "unchanged_count": self.unchanged_count,
        }


def _comparable(obj: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k != "status"}
    metadata = out.get("metadata")
    if isinstance(metadata, Mapping):
        out["metadata"] = {k: v for k, v in metadata.items() if k not in SERVER_MAINTAINED_METADATA}
    return out


def _segment(key: str) -> str:
    plain = key.replace("_", "").replace("-", "").isalnum()
    return f".{key}" if plain else f'["{key}"]'


def changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    """Field paths where two JSON values differ (`spec.template.spec.containers[0].image`)."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        paths: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            child = prefix + _segment(str(key))
            if key not in before or key not in after:
                paths.append(child)
            else:
                paths.extend(changed_paths(before[key], after[key], child))
        return paths
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        paths = []
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            paths.extend(changed_paths(b, a, f"{prefix}[{index}]"))
        return paths
    return [] if before == after else [prefix or "."]


def _clean(path: str) -> str:
    return path[1:] if path.startswith(".") and len(path) > 1 else path


async def diff(
    cluster: K8sCluster,
    env: Environment,
    answers: K8sAnswers | object | None,
    *,
    dev_store_bytes: bytes | None = None,
    secrets_backend: SecretsBackend | None = None,
    manage_namespace: bool = True,
    adopt: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> DiffReport:
    """Dry-run every desired object against the live ones; nothing is persisted or deleted."""
    plan = await render_read_apply(
        cluster,
        env,
        answers,
        dev_store_bytes=dev_store_bytes,
        secrets_backend=secrets_backend,
        manage_namespace=manage_namespace,
        dry_run=True,
        adopt=adopt,
        concurrency=concurrency,
    )
    desired, existing, results = plan.desired, plan.existing, plan.results
    created: list[ObjectRef] = []
    changed: list[ChangedObject] = []
    unchanged = 0
    for index in sorted(results):
        result = results[index]
        live = existing.get(key_of(result.ref))
        if live is None or result.action is ApplyAction.created:
            created.append(result.ref)
            continue
        # Judged by content, not resourceVersion: a dry run never moves the resourceVersion.
        paths = changed_paths(_comparable(live), _comparable(result.live))
        if paths:
            changed.append(ChangedObject(result.ref, tuple(_clean(p) for p in paths)))
        else:
            unchanged += 1
    pruned = tuple(stale_objects(desired, existing))
    return DiffReport(
        created=tuple(created),
        changed_objects=tuple(changed),
        pruned=pruned,
        unchanged_count=unchanged,
    )
