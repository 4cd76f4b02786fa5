"""What reconcile and diff work from: the desired set, one read of what exists, what is stale.

The desired set is exactly what `op env render` shows (plus the reconcile-time dev-store bytes).
What exists is read once per (namespace, kind) with one unselected list, so the same answer
serves the ownership guard (which must see unlabelled and foreign-labelled objects carrying our
names) and garbage collection (which selects this env's workers client-side).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from greentic_deployer.packs.k8s.answers import K8sAnswers, coerce_answers
from greentic_deployer.packs.k8s.cluster import ENV_LABEL, ApiError, K8sCluster, env_label
from greentic_deployer.packs.k8s.cluster import check_ownership as guard_ownership
from greentic_deployer.packs.k8s.naming import (
    COMPONENT_WORKER,
    DEV_SECRETS,
    LABEL_COMPONENT,
    LABEL_REVISION,
    env_label_value,
    resolve_namespace,
    worker_name,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.packs.k8s.secrets_backend import (
    SecretsBackend,
    Vault,
    no_answers,
    resolve_secrets_backend,
)
from greentic_deployer.spec.environment import Environment

Key = tuple[str | None, str, str]
"""(namespace, kind, name): how `Existing` addresses a live object."""

WORKER_KINDS: tuple[tuple[str, str], ...] = (("apps/v1", "Deployment"), ("v1", "Service"))
"""The kinds of a revision's worker pair: read even when no worker is desired, for GC."""
_WORKER_API = {kind: api_version for api_version, kind in WORKER_KINDS}
FORBIDDEN = 403


def key_of(ref: ObjectRef) -> Key:
    """The `Existing` key of a ref."""
    return (ref.namespace, ref.kind, ref.name)


@dataclass(frozen=True)
class DesiredState:
    """The rendered objects of one env, in apply order, with what the read and prune need."""

    env: Environment
    answers: K8sAnswers
    namespace: str
    env_label: str
    objects: tuple[dict[str, Any], ...]
    refs: tuple[ObjectRef, ...]
    vault: bool

    def reads(self) -> list[tuple[str, str | None, str]]:
        """(api_version, namespace, kind) to list once each: desired kinds plus worker kinds."""
        wanted: dict[tuple[str | None, str], str] = {}
        for ref in self.refs:
            wanted.setdefault((ref.namespace, ref.kind), ref.api_version)
        for api_version, kind in WORKER_KINDS:
            wanted.setdefault((self.namespace, kind), api_version)
        if self.vault:
            wanted.setdefault((self.namespace, "Secret"), "v1")
        return [(api, ns, kind) for (ns, kind), api in wanted.items()]

    def known_names(self, namespace: str | None, kind: str) -> list[str]:
        """Names this env could own in (namespace, kind): desired ones, workers the store knows."""
        names = [r.name for r in self.refs if r.namespace == namespace and r.kind == kind]
        if namespace == self.namespace and kind in _WORKER_API:
            names.extend(worker_name(r.revision_id) for r in self.env.revisions)
        if self.vault and namespace == self.namespace and kind == "Secret":
            names.append(DEV_SECRETS)
        return list(dict.fromkeys(names))


def desired_state(
    env: Environment,
    answers: K8sAnswers | object | None,
    *,
    secrets_backend: SecretsBackend | None,
    dev_store_bytes: bytes | None,
    manage_namespace: bool,
) -> DesiredState:
    """Render the env (answers checked first); without `manage_namespace` drop the Namespace."""
    parsed = coerce_answers(answers)
    backend = (
        secrets_backend if secrets_backend is not None else resolve_secrets_backend(env, no_answers)
    )
    objects = render_environment(
        env, parsed, secrets_backend=backend, dev_store_bytes=dev_store_bytes
    )
    if not manage_namespace:
        # A bound identity is namespace-scoped: the cluster-scoped Namespace is not its business.
        objects = [o for o in objects if o.get("kind") != "Namespace"]
    refs = tuple(ObjectRef.from_manifest(o) for o in objects)
    return DesiredState(
        env=env,
        answers=parsed,
        namespace=resolve_namespace(env.environment_id, parsed),
        env_label=env_label_value(env.environment_id),
        objects=tuple(objects),
        refs=refs,
        vault=isinstance(backend, Vault),
    )


async def _read_kind(
    cluster: K8sCluster, desired: DesiredState, api: str, namespace: str | None, kind: str
) -> list[dict[str, Any]]:
    try:
        return await cluster.list(kind, namespace, api_version=api)
    except ApiError as exc:
        if exc.status != FORBIDDEN:
            raise
    # The reference's minimum Role grants get but not list: read just the names this env can
    # own. Label GC then sees only workers whose revisions the store still holds.
    refs = [ObjectRef(api, kind, namespace, n) for n in desired.known_names(namespace, kind)]
    found = await asyncio.gather(*(cluster.get(ref) for ref in refs))
    return [live for live in found if live is not None]


async def read_existing(cluster: K8sCluster, desired: DesiredState) -> dict[Key, dict[str, Any]]:
    """One unselected list per (namespace, kind) the desired set and GC touch.

    A list answered with 403 falls back to one GET per name this env could own there.
    """
    # No label selector: an object carrying one of our names but no label, or another env's
    # label, must reach the ownership guard, or a forced apply would silently take it over.
    reads = desired.reads()
    answers = await asyncio.gather(
        *(_read_kind(cluster, desired, api, namespace, kind) for api, namespace, kind in reads),
        return_exceptions=True,
    )
    existing: dict[Key, dict[str, Any]] = {}
    for (_api, namespace, kind), items in zip(reads, answers, strict=True):
        if isinstance(items, BaseException):
            raise items
        for live in items:
            name = _name(live)
            if name is not None:
                existing[(namespace, kind, name)] = live
    return existing


def _name(live: Mapping[str, Any]) -> str | None:
    metadata = live.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return name if isinstance(name, str) else None


def labels_of(live: Mapping[str, Any]) -> Mapping[str, Any]:
    """The live object's labels (empty when it has none)."""
    metadata = live.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def check_ownership(
    desired: DesiredState, existing: Mapping[Key, Mapping[str, Any]], *, adopt: bool
) -> None:
    """Refuse the whole set before any write when one object belongs elsewhere or is unlabelled."""
    # The cluster runs the same guard per apply; checking every object first means a conflict on
    # the tenth object does not leave the first nine written.
    for ref, manifest in zip(desired.refs, desired.objects, strict=True):
        guard_ownership(existing.get(key_of(ref)), env_label(manifest), ref, adopt)


def stale_objects(
    desired: DesiredState, existing: Mapping[Key, Mapping[str, Any]]
) -> list[ObjectRef]:
    """This env's objects that must go: workers without presence, and Vault's dev-store Secret."""
    wanted = {key_of(ref) for ref in desired.refs}
    present = {
        r.revision_id.upper() for r in desired.env.revisions if r.lifecycle.has_cluster_presence
    }
    absent_names = {
        worker_name(r.revision_id)
        for r in desired.env.revisions
        if not r.lifecycle.has_cluster_presence
    }
    stale: list[ObjectRef] = []
    for (namespace, kind, name), live in sorted(existing.items(), key=_sort_key):
        if namespace != desired.namespace or (namespace, kind, name) in wanted:
            continue
        labels = labels_of(live)
        if labels.get(ENV_LABEL) != desired.env_label:
            continue  # another env's, or nobody's: never ours to delete
        api_version = _WORKER_API.get(kind)
        if api_version is not None and _stale_worker(name, labels, present, absent_names):
            stale.append(ObjectRef(api_version, kind, namespace, name))
        elif desired.vault and kind == "Secret" and name == DEV_SECRETS:
            stale.append(ObjectRef("v1", "Secret", namespace, name))
    return stale


def _stale_worker(
    name: str, labels: Mapping[str, Any], present: set[str], absent_names: set[str]
) -> bool:
    # The reference rule: the worker of a revision the env holds without presence. Label GC: a
    # worker naming a revision the env no longer has presence for (or no longer has at all,
    # after `bundles remove` compacted it away).
    if name in absent_names:
        return True
    if labels.get(LABEL_COMPONENT) != COMPONENT_WORKER:
        return False
    revision = labels.get(LABEL_REVISION)
    return isinstance(revision, str) and revision.upper() not in present


def _sort_key(item: tuple[Key, Any]) -> tuple[str, str, str]:
    (namespace, kind, name), _ = item
    return (namespace or "", kind, name)
