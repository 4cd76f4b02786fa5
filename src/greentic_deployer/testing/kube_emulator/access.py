"""Bearer tokens, allow-rules, and the two self-review endpoints."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from greentic_deployer.testing.kube_emulator.errors import KubeError, qualified

ADMIN_USER = "kubernetes-admin"
ADMIN_GROUPS = ("system:masters", "system:authenticated")


@dataclass(frozen=True)
class AccessRule:
    """What a token may do: verbs on resources of groups in namespaces (`*` = any; "" = core)."""

    verbs: tuple[str, ...]
    groups: tuple[str, ...]
    resources: tuple[str, ...]
    namespaces: tuple[str, ...] = ("*",)

    def allows(self, verb: str, group: str, resource: str, namespace: str | None) -> bool:
        """Whether this rule covers one request; a cluster-wide request needs namespace `*`."""
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        if "*" not in self.groups and group not in self.groups:
            return False
        if "*" not in self.resources and resource not in self.resources:
            return False
        return "*" in self.namespaces or (namespace is not None and namespace in self.namespaces)


@dataclass(frozen=True)
class Identity:
    """Who a request runs as and what it may do (`rules` None = everything)."""

    username: str
    groups: tuple[str, ...]
    rules: tuple[AccessRule, ...] | None

    def allowed(
        self, verb: str, group: str, resource: str, namespace: str | None
    ) -> tuple[bool, str]:
        """(allowed, reason) for one operation."""
        if self.rules is None:
            return True, "allowed: the emulator runs without tokens (anonymous admin)"
        for index, rule in enumerate(self.rules):
            if rule.allows(verb, group, resource, namespace):
                return True, f"allowed by emulator rule #{index} of user {self.username!r}"
        return False, f"no emulator rule of user {self.username!r} allows it"


ADMIN = Identity(ADMIN_USER, ADMIN_GROUPS, None)


def username_for(token: str) -> str:
    """A stable, non-secret user name for a token."""
    return "emulator:token:" + hashlib.sha256(token.encode()).hexdigest()[:12]


class AccessControl:
    """Authenticates bearer tokens and authorizes operations against their rules."""

    def __init__(self, tokens: Mapping[str, Sequence[AccessRule]] | None) -> None:
        self.tokens = None if tokens is None else {t: tuple(rules) for t, rules in tokens.items()}

    def authenticate(self, authorization: str | None) -> Identity:
        """The caller's identity; 401 when tokens are configured and none valid is sent."""
        if self.tokens is None:
            return ADMIN
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
            rules = self.tokens.get(token)
            if rules is not None:
                return Identity(username_for(token), ("system:authenticated",), rules)
        raise KubeError(401, "Unauthorized", "Unauthorized")

    @staticmethod
    def authorize(
        who: Identity,
        verb: str,
        group: str,
        resource: str,
        namespace: str | None,
        name: str | None,
    ) -> None:
        """403 Forbidden (message as the API server words it) outside the caller's rules."""
        ok, _ = who.allowed(verb, group, resource, namespace)
        if ok:
            return
        subject = f'{qualified(resource, group)} "{name}"' if name else qualified(resource, group)
        scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        raise KubeError(
            403,
            "Forbidden",
            f'{subject} is forbidden: User "{who.username}" cannot {verb} resource '
            f'"{resource}" in API group "{group}"{scope}',
            name=name,
            group=group,
            kind=resource,
        )


def self_subject_review(who: Identity, now: str) -> dict[str, Any]:
    """The SelfSubjectReview answer: who the caller is."""
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": now},
        "status": {"userInfo": {"username": who.username, "groups": list(who.groups)}},
    }


def self_subject_access_review(who: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
    """The SelfSubjectAccessReview answer for `spec.resourceAttributes`, from the same rules."""
    spec = body.get("spec")
    attrs = spec.get("resourceAttributes") if isinstance(spec, Mapping) else None
    if not isinstance(attrs, Mapping):
        raise KubeError(
            422,
            "Invalid",
            "SelfSubjectAccessReview is invalid: spec.resourceAttributes: Required value",
            kind="SelfSubjectAccessReview",
            group="authorization.k8s.io",
        )
    resource = str(attrs.get("resource", ""))
    if attrs.get("subresource"):
        resource = f"{resource}/{attrs['subresource']}"
    namespace = attrs.get("namespace") or None
    allowed, reason = who.allowed(
        str(attrs.get("verb", "")), str(attrs.get("group", "")), resource, namespace
    )
    status: dict[str, Any] = {"allowed": allowed, "reason": reason}
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": dict(spec) if isinstance(spec, Mapping) else {},
        "status": status,
    }
