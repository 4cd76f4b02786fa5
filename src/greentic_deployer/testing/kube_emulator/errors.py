"""Kubernetes `Status` failures: one exception type that knows its wire form."""

from __future__ import annotations

from typing import Any


class KubeError(Exception):
    """A request that fails with a `Status` object (code, reason, message, details)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        name: str | None = None,
        group: str | None = None,
        kind: str | None = None,
        causes: list[dict[str, str]] | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
        self.headers = headers

    def status(self) -> dict[str, Any]:
        """The `Status` body the API server would answer with."""
        details: dict[str, Any] = {}
        if self.name is not None:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind is not None:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = self.causes
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            body["details"] = details
        return body


def qualified(resource: str, group: str) -> str:
    """`deployments.apps` / `services`: how the API server names a resource in messages."""
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> KubeError:
    """404 NotFound for one object."""
    return KubeError(
        404,
        "NotFound",
        f'{qualified(resource, group)} "{name}" not found',
        name=name,
        group=group,
        kind=resource,
    )


def namespace_not_found(namespace: str) -> KubeError:
    """404 NotFound for the namespace a namespaced write targets."""
    return not_found("namespaces", "", namespace)


def already_exists(resource: str, group: str, name: str) -> KubeError:
    """409 AlreadyExists for a POST of an existing name."""
    return KubeError(
        409,
        "AlreadyExists",
        f'{qualified(resource, group)} "{name}" already exists',
        name=name,
        group=group,
        kind=resource,
    )


def stale_version(resource: str, group: str, name: str) -> KubeError:
    """409 Conflict for a resourceVersion precondition that no longer holds."""
    return KubeError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": the object '
        "has been modified; please apply your changes to the latest version and try again",
        name=name,
        group=group,
        kind=resource,
    )


def invalid(resource: str, group: str, name: str, field: str, detail: str) -> KubeError:
    """422 Invalid naming the field and the rule."""
    return KubeError(
        422,
        "Invalid",
        f'{qualified(resource, group)} "{name}" is invalid: {field}: {detail}',
        name=name,
        group=group,
        kind=resource,
        causes=[{"reason": "FieldValueInvalid", "message": detail, "field": field}],
    )


def bad_request(message: str) -> KubeError:
    """400 BadRequest for a malformed request."""
    return KubeError(400, "BadRequest", message)


def method_not_allowed(message: str = "the server does not allow this method") -> KubeError:
    """405 MethodNotAllowed."""
    return KubeError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> KubeError:
    """415 UnsupportedMediaType for a body the emulator cannot decode."""
    return KubeError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format: {content_type}",
    )


def path_not_found(path: str) -> KubeError:
    """404 for a URL the emulator does not serve."""
    return KubeError(404, "NotFound", f"the server could not find the requested resource ({path})")
