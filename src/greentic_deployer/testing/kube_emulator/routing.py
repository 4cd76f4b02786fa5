"""URL classification: discovery, health, reviews, or a resource target."""

from __future__ import annotations

from dataclasses import dataclass

from greentic_deployer.testing.kube_emulator.bodies import Target
from greentic_deployer.testing.kube_emulator.resources import BY_GROUP_VERSION
from greentic_deployer.testing.kube_emulator.scale import SCALABLE

HEALTH_PATHS = frozenset({"/healthz", "/livez", "/readyz"})


@dataclass(frozen=True)
class Route:
    """A classified request: its counter key and, for resources, the target."""

    verb: str
    resource: str  # a plural, or the path for discovery and unknown URLs
    target: Target | None = None


def _resource_target(group: str, version: str, rest: list[str]) -> Target | None:
    served = BY_GROUP_VERSION.get((group, version))
    if served is None or not rest:
        return None
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] in served:
        namespace, rest = rest[1], rest[2:]
        if not served[rest[0]].namespaced:
            return None
    rt = served.get(rest[0])
    if rt is None or len(rest) > 3:
        return None
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if sub is not None and not (
        (sub == "status" and rt.has_status) or (sub == "scale" and rt.plural in SCALABLE)
    ):
        return None
    if rt.namespaced and namespace is None and name is not None:
        return None
    return Target(rt, namespace, name, sub)


def target_for(path: str) -> Target | None:
    """The resource a URL addresses, or None when it is not a resource URL."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        return _resource_target("", parts[1], parts[2:])
    if len(parts) >= 3 and parts[0] == "apis":
        return _resource_target(parts[1], parts[2], parts[3:])
    return None


def verb_for(method: str, target: Target, watch: bool) -> str:
    """The Kubernetes verb of a request (what access rules and counters name)."""
    if method in ("GET", "HEAD"):
        if watch:
            return "watch"
        return "get" if target.name is not None else "list"
    if method == "POST":
        return "create"
    if method == "PUT":
        return "update"
    if method == "PATCH":
        return "patch"
    if method == "DELETE":
        return "delete" if target.name is not None else "deletecollection"
    return method.lower()


def is_discovery(path: str) -> bool:
    """`/api`, `/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`, `/version`, `/openapi/...`."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return False
    if parts[0] in ("version", "openapi"):
        return True
    if parts[0] == "api":
        return len(parts) <= 2
    if parts[0] == "apis":
        return len(parts) <= 3
    return False
