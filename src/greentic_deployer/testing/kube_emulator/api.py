"""The verbs on stored objects: get, list, create, replace, patch, delete."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from greentic_deployer.packs.k8s.clone import clone
from greentic_deployer.testing.kube_emulator import ssa
from greentic_deployer.testing.kube_emulator.bodies import (
    APPLY,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    Target,
    apply_defaults,
    as_list,
    check_identity,
    conflict_error,
    decode_body,
    object_body,
)
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
from greentic_deployer.testing.kube_emulator.scale import from_scale, to_scale
from greentic_deployer.testing.kube_emulator.selectors import field_matcher, label_matcher
from greentic_deployer.testing.kube_emulator.store import Key, Store, timestamp


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
        """One object (or its Scale), or 404."""
        obj = self.store.get(target.key())
        if obj is None:
            raise not_found(target.rt.plural, target.rt.group, target.name or "")
        return to_scale(obj) if target.subresource == "scale" else obj

    def get_live(self, target: Target) -> dict[str, Any]:
        """The stored object a URL addresses (never its Scale), or 404."""
        obj = self.store.get(target.key())
        if obj is None:
            raise not_found(target.rt.plural, target.rt.group, target.name or "")
        return obj

    def _write_scale(
        self, target: Target, live: dict[str, Any], scale: Any, manager: str, dry_run: bool
    ) -> dict[str, Any]:
        if isinstance(scale, dict):
            self._precondition(target, live, scale)
        new = from_scale(live, scale)
        owners = ssa.update(live, new, self.store.owners_of(target.key()), manager)
        main = Target(target.rt, target.namespace, target.name, None)
        return to_scale(self._write(main, target.key(), live, new, owners, dry_run))

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
        apply_defaults(target.rt, new, old is None)
        if dry_run:
            return self.store.prepare(target.rt, key, new)
        with self.store.lock:
            before = self.store.generation(key)
            stored = self.store.commit(target.rt, key, new, owners)
            if target.rt.plural == "deployments" and (
                before is None or before != stored["metadata"].get("generation")
            ):
                self.controller.observe(key[1] or "", key[2])
        return stored

    def create(self, target: Target, data: Any, manager: str, dry_run: bool) -> dict[str, Any]:
        """POST: a new object; 409 AlreadyExists when the name is taken."""
        body = copy.deepcopy(object_body(target, data))
        meta = body.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = f"{meta['generateName']}{secrets.token_hex(3)[:5]}"
        name = check_identity(target, body, url_name=None)
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
        if target.subresource == "scale":
            with self.store.lock:
                return self._write_scale(target, self.get_live(target), data, manager, dry_run)
        body = copy.deepcopy(object_body(target, data))
        name = check_identity(target, body, url_name=target.name)
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
        if media == APPLY and target.subresource == "scale":
            raise unsupported_media_type(f"{content_type} (apply is not served on /scale)")
        if media == APPLY:
            return self._apply(target, data, query, manager, can_create, dry_run)
        if media not in (MERGE, STRATEGIC, JSON_PATCH):
            raise unsupported_media_type(content_type)
        with self.store.lock:
            live = self.get_live(target)
            base = to_scale(live) if target.subresource == "scale" else live
            try:
                patched = json_patch(base, data) if media == JSON_PATCH else merge_patch(base, data)
            except PatchError as exc:
                raise KubeError(
                    422, "Invalid", str(exc), name=target.name, kind=target.rt.plural
                ) from exc
            if target.subresource == "scale":
                return self._write_scale(
                    target, live, patched, manager or "unknown", dry_run
                ), False
            if not isinstance(patched, dict):
                raise bad_request("the patch must leave an object")
            check_identity(target, object_body(target, patched), url_name=target.name)
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
        body = clone(object_body(target, data))
        for field in ("apiVersion", "kind"):
            if field not in body:
                raise invalid(rt.plural, rt.group, target.name or "", field, "Required value")
        name = check_identity(target, body, url_name=target.name)
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
                    raise conflict_error(target, name, exc) from exc
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
