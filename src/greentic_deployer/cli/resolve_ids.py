"""Turning typed ids (ULID prefixes, bundle ids) into full ids before a verb runs.

Which payload fields hold ids is listed here, once; the resolution itself is the ops-level
`resolve_revision_id` / `resolve_deployment_id`. It works on the environment as loaded
before the verb's own transaction, so nothing is written until every id is resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from greentic_deployer.spec.errors import GreenticError, InvalidArgumentError

if TYPE_CHECKING:
    from greentic_deployer.ops.context import OpContext
    from greentic_deployer.spec.environment import Environment

# (noun, verb) → the payload fields that name a deployment / a revision.
DEPLOYMENT_FIELDS: dict[tuple[str, str], str] = {
    ("bundles", "update"): "deployment_id",
    ("bundles", "remove"): "deployment_id",
    ("revisions", "stage"): "deployment_id",
    ("traffic", "set"): "deployment_id",
}
REVISION_FIELDS: dict[tuple[str, str], str] = {
    ("revisions", "warm"): "revision_id",
    ("revisions", "drain"): "revision_id",
    ("revisions", "archive"): "revision_id",
}
ENTRY_VERBS = frozenset({("traffic", "set")})


def _load(ctx: OpContext, env_id: object) -> Environment | None:
    """The environment, or None when it cannot be loaded (the verb then reports why)."""
    if not isinstance(env_id, str):
        return None
    try:
        return ctx.store.load(env_id)
    except GreenticError:
        return None


def bundle_to_deployment(ctx: OpContext, env_id: str | None, bundle: str) -> str:
    """The deployment of `--bundle` (one customer's; several customers is an error)."""
    from greentic_deployer.ops.resolve import resolve_deployment_id
    from greentic_deployer.spec.ids import parse_env_id

    if env_id is None:
        raise InvalidArgumentError("environment_id", "missing argument")
    env = ctx.store.load(parse_env_id(env_id))
    return resolve_deployment_id(env, bundle, "--bundle", bundles_only=True)


def resolve_payload_ids(ctx: OpContext, noun: str, verb: str, data: dict[str, Any]) -> None:
    """Replace id prefixes and bundle ids in a payload by full ids, in place."""
    from greentic_deployer.ops.resolve import resolve_deployment_id, resolve_revision_id

    key = (noun, verb)
    deployment_field = DEPLOYMENT_FIELDS.get(key)
    revision_field = REVISION_FIELDS.get(key)
    if deployment_field is None and revision_field is None and key not in ENTRY_VERBS:
        return
    env = _load(ctx, data.get("environment_id"))
    if env is None:
        return
    if deployment_field is not None and isinstance(data.get(deployment_field), str):
        data[deployment_field] = resolve_deployment_id(
            env, data[deployment_field], deployment_field
        )
    if revision_field is not None and isinstance(data.get(revision_field), str):
        data[revision_field] = resolve_revision_id(env, data[revision_field], revision_field)
    entries = data.get("entries") if key in ENTRY_VERBS else None
    if isinstance(entries, list):
        data["entries"] = [
            {**e, "revision_id": resolve_revision_id(env, e["revision_id"], "entries.revision_id")}
            if isinstance(e, dict) and isinstance(e.get("revision_id"), str)
            else e
            for e in entries
        ]


def resolve_deployment_arg(ctx: OpContext, env_id: str, text: str) -> str:
    """A positional verb's `--deployment` value as a full deployment id."""
    from greentic_deployer.ops.resolve import resolve_deployment_id

    env = _load(ctx, env_id)
    return text if env is None else resolve_deployment_id(env, text)
