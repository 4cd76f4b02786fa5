"""The verbs on stored objects: get, list, create, replace, patch, delete."""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from greentic_deployer.testing.kube_emulator import ssa
from greentic_deployer.testing.kube_emulator.controller import DeploymentController
from greentic_deployer.testing.kube_emulator.errors import (
    KubeError,
    already_exists,
    bad_request,
    invalid,
    namespace_not_found,
    not_found,
    qualified,
    stale_version,
    unsupported_media_type,
)
from greentic_deployer.testing.kube_emulator.patches import PatchError, json_patch, merge_patch
from greentic_deployer.testing.kube_emulator.resources import ResourceType, resource
from greentic_deployer.testing.kube_emulator.selectors import field_matcher, label_matcher
from greentic_deployer.testing.kube_emulator.store import Key, Store, timestamp

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


@dataclass(frozen=True)
class Target:
    """What a resource URL addresses."""

    rt: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None

    def key(self, name: str | None = None) -> Key:
        """The store key of the addressed (or named) object."""
        found = name if name is not None else self.name
        assert found is not None
        return (self.rt.plural, self.namespace, found)


def decode_json(body: bytes) -> Any:
    """A JSON body, or 400."""
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise bad_request(f"the request body is not valid JSON: {exc}") from exc


def decode_body(body: bytes, content_type: str) -> Any:
    """A request body by media type: YAML for apply patches, JSON otherwise; 415 for others."""
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media == APPLY:
        try:
            return yaml.load(body or b"", Loader=_Loader)
        except yaml.YAMLError as exc:
            raise bad_request(f"the apply patch is not valid YAML: {exc}") from exc
    if media in ("application/json", "", MERGE, JSON_PATCH, STRATEGIC, "*/*"):
        return decode_json(body)
    raise unsupported_media_type(content_type)


def _object_body(target: Target, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise bad_request(f"the body of a {target.rt.kind} request must be an object")
    meta = data.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if (api_version is not None and api_version != target.rt.api_version) or (
        kind is not None and kind != target.rt.kind
    ):
        raise bad_request(
            f"the body is {api_version}/{kind}, the URL addresses "
            f"{target.rt.api_version}/{target.rt.kind}"
        )
    return data


def _check_identity(target: Target, body: dict[str, Any], *, url_name: str | None) -> str:
    meta = body.get("metadata") or {}
    name = meta.get("name")
    if url_name is not None and name not in (None, url_name):
        raise bad_request(
            f"the name of the object ({name}) does not match the name on the URL ({url_name})"
        )
    name = name or url_name
    if not name:
        raise invalid(
            target.rt.plural,
            target.rt.group,
            "",
            "metadata.name",
            "Required value: name is required",
        )
    body_ns = meta.get("namespace")
    if target.rt.namespaced and body_ns not in (None, "", target.namespace):
        raise bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    return str(name)


def _apply_defaults(rt: ResourceType, obj: dict[str, Any], created: bool) -> None:
    # A little of what the API server defaults; nobody owns these fields.
    if rt.plural == "namespaces":
        labels = obj.setdefault("metadata", {}).setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"]["name"])
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        if created:
            obj.setdefault("status", {}).setdefault("phase", "Active")
    elif rt.plural == "deployments":
        obj.setdefault("spec", {}).setdefault("replicas", 1)
    elif rt.plural == "services":
        obj.setdefault("spec", {}).setdefault("type", "ClusterIP")


def as_list(rt: ResourceType, items: list[dict[str, Any]], rv: str) -> dict[str, Any]:
    """A `<Kind>List` answer."""
    return {
        "kind": f"{rt.kind}List",
        "apiVersion": rt.api_version,
        "metadata": {"resourceVersion": rv},
        "items": items,
    }


class ResourceApi:
    """Verbs on stored objects, with namespaces, status and the controller wired in."""

    def __init__(
        self,
        store: Store,
        controller: DeploymentController,
        on_namespace_deleted: Callable[[str], None],
    ) -> None:
        self.store = store
        self.controller = controller
        self.on_namespace_deleted = on_namespace_deleted

    def get(self, target: Target) -> dict[str, Any]:
        """One object, or 404."""
        obj = self.store.get(target.key())
        if obj is None:
            raise not_found(target.rt.plural, target.rt.group, target.name or "")
        return obj

    def list(self, target: Target, query: Mapping[str, str]) -> dict[str, Any]:
        """The matching objects as a `<Kind>List`."""
        labels = label_matcher(query.get("labelSelector"))
        fields = field_matcher(query.get("fieldSelector"))
        with self.store.lock:
            rv = self.store.current_rv()
            items = [
                o
                for o in self.store.items(target.rt.plural, target.namespace)
                if labels(o) and fields(o)
            ]
        return as_list(target.rt, items, rv)

    def _check_namespace(self, target: Target, name: str) -> None:
        if not target.rt.namespaced or target.namespace is None:
            return
        ns = self.store.get(("namespaces", None, target.namespace))
        if ns is None:
            raise namespace_not_found(target.namespace)
        if (ns.get("status") or {}).get("phase") == "Terminating":
            raise KubeError(
                403,
                "Forbidden",
                f'{qualified(target.rt.plural, target.rt.group)} "{name}" is forbidden: '
                f"unable to create new content in namespace {target.namespace} "
                "because it is being terminated",
                name=name,
                group=target.rt.group,
                kind=target.rt.plural,
                causes=[
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {target.namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            )

    def _write(
        self,
        target: Target,
        key: Key,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        owners: ssa.Owners,
        dry_run: bool,
    ) -> dict[str, Any]:
        if target.subresource is None:
            # Writes to the main resource never change status.
            new.pop("status", None)
            if old is not None and "status" in old:
                new["status"] = copy.deepcopy(old["status"])
        _apply_defaults(target.rt, new, old is None)
        if dry_run:
            return self.store.prepare(target.rt, key, new)
        with self.store.lock:
            before = self.store.get(key)
            stored = self.store.commit(target.rt, key, new, owners)
            if target.rt.plural == "deployments" and (
                before is None
                or before["metadata"].get("generation") != stored["metadata"].get("generation")
            ):
                self.controller.observe(key[1] or "", key[2])
        return stored

    def create(self, target: Target, data: Any, manager: str, dry_run: bool) -> dict[str, Any]:
        """POST: a new object; 409 AlreadyExists when the name is taken."""
        body = copy.deepcopy(_object_body(target, data))
        meta = body.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = f"{meta['generateName']}{secrets.token_hex(3)[:5]}"
        name = _check_identity(target, body, url_name=None)
        key = target.key(name)
        with self.store.lock:
            self._check_namespace(target, name)
            if self.store.get(key) is not None:
                raise already_exists(target.rt.plural, target.rt.group, name)
            owners = ssa.update(None, body, {}, manager)
            return self._write(target, key, None, body, owners, dry_run)

    def _precondition(self, target: Target, live: dict[str, Any], new: dict[str, Any]) -> None:
        wanted = (new.get("metadata") or {}).get("resourceVersion")
        if wanted not in (None, "") and str(wanted) != live["metadata"]["resourceVersion"]:
            raise stale_version(target.rt.plural, target.rt.group, live["metadata"]["name"])

    def _subresource_result(
        self, target: Target, live: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        if target.subresource == "status":
            # Writes to /status change only status.
            result = copy.deepcopy(live)
            if "status" in new:
                result["status"] = new["status"]
            else:
                result.pop("status", None)
            return result
        return new

    def replace(self, target: Target, data: Any, manager: str, dry_run: bool) -> dict[str, Any]:
        """PUT: replace an existing object, honouring a resourceVersion precondition."""
        body = copy.deepcopy(_object_body(target, data))
        name = _check_identity(target, body, url_name=target.name)
        key = target.key(name)
        with self.store.lock:
            live = self.store.get(key)
            if live is None:
                raise not_found(target.rt.plural, target.rt.group, name)
            self._precondition(target, live, body)
            new = self._subresource_result(target, live, body)
            owners = ssa.update(live, new, self.store.owners_of(key), manager)
            return self._write(target, key, live, new, owners, dry_run)

    def patch(
        self,
        target: Target,
        raw: bytes,
        content_type: str,
        query: Mapping[str, str],
        manager: str | None,
        can_create: Callable[[], None],
    ) -> tuple[dict[str, Any], bool]:
        """PATCH by media type; returns (object, created)."""
        media = content_type.split(";", maxsplit=1)[0].strip().lower()
        data = decode_body(raw, content_type)
        dry_run = query.get("dryRun") == "All"
        key = target.key()
        if media == APPLY:
            return self._apply(target, data, query, manager, can_create, dry_run)
        if media not in (MERGE, STRATEGIC, JSON_PATCH):
            raise unsupported_media_type(content_type)
        with self.store.lock:
            live = self.store.get(key)
            if live is None:
                raise not_found(target.rt.plural, target.rt.group, target.name or "")
            try:
                patched = json_patch(live, data) if media == JSON_PATCH else merge_patch(live, data)
            except PatchError as exc:
                raise KubeError(
                    422, "Invalid", str(exc), name=target.name, kind=target.rt.plural
                ) from exc
            if not isinstance(patched, dict):
                raise bad_request("the patch must leave an object")
            _check_identity(target, _object_body(target, patched), url_name=target.name)
            self._precondition(target, live, patched)
            new = self._subresource_result(target, live, patched)
            owners = ssa.update(live, new, self.store.owners_of(key), manager or "unknown")
            return self._write(target, key, live, new, owners, dry_run), False

    def _apply(
        self,
        target: Target,
        data: Any,
        query: Mapping[str, str],
        manager: str | None,
        can_create: Callable[[], None],
        dry_run: bool,
    ) -> tuple[dict[str, Any], bool]:
        rt = target.rt
        if not manager:
            raise KubeError(
                422,
                "Invalid",
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                "is required for apply patch",
                group="meta.k8s.io",
                kind="PatchOptions",
                causes=[
                    {
                        "reason": "FieldValueRequired",
                        "message": "Required value",
                        "field": "fieldManager",
                    }
                ],
            )
        body = copy.deepcopy(_object_body(target, data))
        for field in ("apiVersion", "kind"):
            if field not in body:
                raise invalid(rt.plural, rt.group, target.name or "", field, "Required value")
        name = _check_identity(target, body, url_name=target.name)
        key = target.key(name)
        force = query.get("force") in ("true", "1")
        with self.store.lock:
            live = self.store.get(key)
            if live is None:
                can_create()
                self._check_namespace(target, name)
            else:
                self._precondition(target, live, body)
            if target.subresource == "status":
                if live is None:
                    raise not_found(rt.plural, rt.group, name)
                new = copy.deepcopy(live)
                new["status"] = merge_patch(live.get("status"), body.get("status") or {})
                owners = self.store.owners_of(key)
            else:
                config = {k: v for k, v in body.items() if k != "status"}
                try:
                    new, owners = ssa.apply(
                        live, self.store.owners_of(key), manager, config, force=force
                    )
                except ssa.ApplyConflict as exc:
                    raise _conflict_error(target, name, exc) from exc
            return self._write(target, key, live, new, owners, dry_run), live is None

    def delete(self, target: Target, dry_run: bool) -> dict[str, Any]:
        """DELETE one object (a Namespace first enters Terminating); 404 when absent."""
        key = target.key()
        with self.store.lock:
            live = self.store.get(key)
            if live is None:
                raise not_found(target.rt.plural, target.rt.group, target.name or "")
            if dry_run:
                return live
            if target.rt.plural == "namespaces":
                if (live.get("status") or {}).get("phase") != "Terminating":
                    live["metadata"]["deletionTimestamp"] = timestamp(self.store.clock())
                    live["status"] = {"phase": "Terminating"}
                    live = self.store.commit(target.rt, key, live, deleting=True)
                    self.on_namespace_deleted(key[2])
                return live
            gone = self.store.remove(key)
            if target.rt.plural == "deployments":
                self.controller.forget(key[1] or "", key[2])
            assert gone is not None
            return gone

    def delete_collection(self, target: Target, query: Mapping[str, str]) -> dict[str, Any]:
        """DELETE on a collection: every matching object."""
        listed = self.list(target, query)
        dry_run = query.get("dryRun") == "All"
        for item in listed["items"]:
            one = Target(
                target.rt, item["metadata"].get("namespace"), item["metadata"]["name"], None
            )
            self.delete(one, dry_run)
        return listed

    def finalize_namespace(self, namespace: str) -> None:
        """End a Namespace's Terminating phase: delete what it holds, then itself."""
        with self.store.lock:
            for key in self.store.keys_in_namespace(namespace):
                self.store.remove(key)
                if key[0] == "deployments":
                    self.controller.forget(namespace, key[2])
            self.store.remove(("namespaces", None, namespace))


def _conflict_error(target: Target, name: str, exc: ssa.ApplyConflict) -> KubeError:
    rt = target.rt
    count = len(exc.conflicts)
    noun = "conflict" if count == 1 else "conflicts"
    by_manager: dict[str, list[str]] = {}
    for conflict in exc.conflicts:
        by_manager.setdefault(conflict.manager, []).append(conflict.field())
    parts = []
    for manager, fields in by_manager.items():
        if len(fields) == 1:
            parts.append(f'conflict with "{manager}" using {rt.api_version}: {fields[0]}')
        else:
            listed = "".join(f"\n- {f}" for f in fields)
            parts.append(f'conflicts with "{manager}" using {rt.api_version}:{listed}')
    return KubeError(
        409,
        "Conflict",
        f"Apply failed with {count} {noun}: " + "\n".join(parts),
        name=name,
        group=rt.group,
        kind=rt.plural,
        causes=[
            {
                "reason": "FieldManagerConflict",
                "message": f'conflict with "{c.manager}" using {rt.api_version}',
                "field": c.field(),
            }
            for c in exc.conflicts
        ],
    )


__all__ = ["Target", "ResourceApi", "as_list", "decode_body", "decode_json", "resource"]
