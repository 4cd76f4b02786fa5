"""Ids a person can type: a unique ULID prefix, or a bundle id where a deployment is expected.

Resolution runs against a loaded environment before any write. A full ULID that names nothing
is returned unchanged, so the verb reports its usual not-found error; text that is neither a
ULID nor a usable prefix is returned unchanged too, so the verb's ULID check names the field.
"""

from __future__ import annotations

import re

from greentic_deployer.engine.errors import DeploymentNotFoundError, RevisionNotFoundError
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError

MIN_PREFIX = 4
_ULID_CHARS = re.compile(r"[0-9A-HJKMNP-TV-Z]{1,26}")
# Crockford base32 reads I and L as 1 and O as 0; a ULID never contains them.
_CROCKFORD = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _normalise(text: str) -> str | None:
    """The upper-case prefix, or None when `text` cannot be part of a ULID."""
    candidate = text.strip().upper().translate(_CROCKFORD)
    return candidate if _ULID_CHARS.fullmatch(candidate) else None


def _matches(prefix: str, ids: list[str]) -> list[str]:
    return sorted({i for i in ids if i.startswith(prefix)})


def _ambiguous(field: str, text: str, kind: str, candidates: list[str]) -> InvalidArgumentError:
    return InvalidArgumentError(
        field, f"`{text}` matches {len(candidates)} {kind}s: {', '.join(candidates)}"
    )


def resolve_revision_id(env: Environment, text: str, field: str = "revision_id") -> str:
    """The full id of the revision `text` names (itself, or a unique prefix of ≥ 4 characters)."""
    prefix = _normalise(text)
    if prefix is None:
        return text
    revision_ids = [r.revision_id for r in env.revisions]
    if prefix in revision_ids:
        return prefix
    if len(prefix) < MIN_PREFIX:
        return text
    found = _matches(prefix, revision_ids)
    if len(found) == 1:
        return found[0]
    if found:
        raise _ambiguous(field, text, "revision", found)
    deployments = _matches(prefix, [b.deployment_id for b in env.bundles])
    if len(deployments) == 1:
        raise InvalidArgumentError(
            field, f"`{text}` is deployment {deployments[0]}, not a revision"
        )
    if len(prefix) == 26:
        return text
    raise RevisionNotFoundError(env.environment_id, text)


def resolve_deployment_id(
    env: Environment, text: str, field: str = "deployment_id", *, bundles_only: bool = False
) -> str:
    """The full id of the deployment `text` names: its id, a unique id prefix or its bundle id.

    A revision id (or revision prefix) is refused with the deployment it belongs to. With
    `bundles_only` (`--bundle`), only bundle ids match.
    """
    by_bundle = sorted(
        (b for b in env.bundles if b.bundle_id == text.strip()), key=lambda b: b.deployment_id
    )
    if bundles_only:
        if len(by_bundle) == 1:
            return by_bundle[0].deployment_id
        if by_bundle:
            owners = [f"{b.deployment_id} (customer {b.customer_id})" for b in by_bundle]
            raise _ambiguous(field, text, "deployment", owners)
        raise DeploymentNotFoundError(env.environment_id, f"of bundle `{text}`")
    prefix = _normalise(text)
    deployment_ids = [b.deployment_id for b in env.bundles]
    if prefix is not None and prefix in deployment_ids:
        return prefix
    found = (
        _matches(prefix, deployment_ids)
        if prefix is not None and MIN_PREFIX <= len(prefix) < 26
        else []
    )
    found = sorted({*found, *(b.deployment_id for b in by_bundle)})
    if len(found) == 1:
        return found[0]
    if found:
        raise _ambiguous(field, text, "deployment", found)
    if prefix is not None and len(prefix) >= MIN_PREFIX:
        revisions = [r for r in env.revisions if r.revision_id.startswith(prefix)]
        if len(revisions) == 1:
            raise InvalidArgumentError(
                field,
                f"`{text}` is a revision of deployment {revisions[0].deployment_id}; "
                f"pass --deployment {revisions[0].deployment_id}",
            )
        if len(prefix) < 26:
            raise DeploymentNotFoundError(env.environment_id, text)
    return text
