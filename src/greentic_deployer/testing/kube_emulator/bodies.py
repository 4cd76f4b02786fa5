"""Request bodies and answer shapes: decoding, identity checks, defaults, lists, conflicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from greentic_deployer.testing.kube_emulator import ssa
from greentic_deployer.testing.kube_emulator.errors import (
    KubeError,
    bad_request,
    invalid,
    unsupported_media_type,
)
from greentic_deployer.testing.kube_emulator.resources import ResourceType
from greentic_deployer.testing.kube_emulator.store import Key

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
        if body.lstrip()[:1] == b"{":
            # JSON is YAML, and what kubectl and lightkube send: json reads it many times faster
            # than PyYAML's constructor. A brace body that is not JSON (flow YAML) goes on to YAML.
            try:
                return json.loads(body)
            except ValueError:
                pass
        try:
            return yaml.load(body or b"", Loader=_Loader)
        except yaml.YAMLError as exc:
            raise bad_request(f"the apply patch is not valid YAML: {exc}") from exc
    if media in ("application/json", "", MERGE, JSON_PATCH, STRATEGIC, "*/*"):
        return decode_json(body)
    raise unsupported_media_type(content_type)


def object_body(target: Target, data: Any) -> dict[str, Any]:
    """The body as an object for the target kind, or 400."""
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


def check_identity(target: Target, body: dict[str, Any], *, url_name: str | None) -> str:
    """The object name, checked against the URL name and namespace; 400/422 otherwise."""
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


def apply_defaults(rt: ResourceType, obj: dict[str, Any], created: bool) -> None:
    """Fill in the little the emulator defaults (nobody owns these fields)."""
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


def conflict_error(target: Target, name: str, exc: ssa.ApplyConflict) -> KubeError:
    """The 409 Status of an apply conflict, worded as the API server words it."""
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
