"""Legacy (non-aggregated) discovery documents and `/version`.

Aggregated discovery (`as=APIGroupDiscoveryList`) is answered with the legacy documents
and `Content-Type: application/json`; clients then fall back to per-group requests.
"""

from __future__ import annotations

from typing import Any

from greentic_deployer.testing.kube_emulator.errors import path_not_found
from greentic_deployer.testing.kube_emulator.resources import (
    BY_GROUP_VERSION,
    GROUPS,
    RESOURCES,
)
from greentic_deployer.testing.kube_emulator.scale import SCALABLE

KUBE_VERSION = {"major": "1", "minor": "37", "gitVersion": "v1.37.0-greentic-emulator"}


def version() -> dict[str, Any]:
    """The `/version` answer."""
    return {
        **KUBE_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions(server_address: str) -> dict[str, Any]:
    """The `/api` answer."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_groups() -> dict[str, Any]:
    """The `/apis` answer: every non-core group, each with its one version."""
    groups = []
    for group in GROUPS:
        version = next(rt.version for rt in RESOURCES if rt.group == group)
        gv = {"groupVersion": f"{group}/{version}", "version": version}
        groups.append({"name": group, "versions": [gv], "preferredVersion": gv})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> dict[str, Any] | None:
    """The `/apis/<group>` answer, or None for an unknown group."""
    if group not in GROUPS:
        return None
    version = next(rt.version for rt in RESOURCES if rt.group == group)
    gv = {"groupVersion": f"{group}/{version}", "version": version}
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": [gv],
        "preferredVersion": gv,
    }


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    """The `/api/v1` or `/apis/<group>/<version>` answer, or None when not served."""
    served = BY_GROUP_VERSION.get((group, version))
    if served is None:
        return None
    resources: list[dict[str, Any]] = []
    for rt in served.values():
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        resources.append(entry)
        if rt.has_status:
            resources.append(
                {
                    "name": f"{rt.plural}/status",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "kind": rt.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
        if rt.plural in SCALABLE:
            resources.append(
                {
                    "name": f"{rt.plural}/scale",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                }
            )
    group_version = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def answer(path: str, server_address: str) -> dict[str, Any]:
    """The discovery document (or `/version`) a GET of `path` answers; 404 otherwise."""
    parts = [p for p in path.split("/") if p]
    found: dict[str, Any] | None = None
    if parts == ["version"]:
        found = version()
    elif parts == ["api"]:
        found = api_versions(server_address)
    elif parts == ["apis"]:
        found = api_groups()
    elif len(parts) == 2 and parts[0] == "api":
        found = resource_list("", parts[1])
    elif len(parts) == 2 and parts[0] == "apis":
        found = api_group(parts[1])
    elif len(parts) == 3 and parts[0] == "apis":
        found = resource_list(parts[1], parts[2])
    if found is None:
        raise path_not_found(path)
    return found
