"""`op traffic …`: set, show, roll back and clear a deployment's split."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from greentic_deployer.engine import traffic as engine
from greentic_deployer.engine.errors import RevisionNotFoundError, SplitNotFoundError
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import TrafficEntryPayload, TrafficSetPayload
from greentic_deployer.ops.summaries import traffic_summary
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import parse_env_id, parse_idempotency_key, parse_ulid
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit, percent_to_bps

NOUN = "traffic"


def entry_from_payload(entry: TrafficEntryPayload) -> TrafficEntry:
    """`weight_bps` wins; `weight_percent` (0..100) becomes basis points exactly."""
    revision_id = parse_ulid(entry.revision_id, "entries.revision_id")
    if entry.weight_bps is not None:
        return TrafficEntry(revision_id=revision_id, weight_bps=entry.weight_bps)
    assert entry.weight_percent is not None
    return TrafficEntry(revision_id=revision_id, weight_bps=percent_to_bps(entry.weight_percent))


def _precheck(
    env: Environment, env_id: str, deployment_id: str, entries: Sequence[TrafficEntry]
) -> None:
    revisions = {r.revision_id: r for r in env.revisions}
    for entry in entries:
        revision = revisions.get(entry.revision_id)
        if revision is None:
            raise RevisionNotFoundError(env_id, entry.revision_id)
        if revision.deployment_id != deployment_id:
            raise InvalidArgumentError(
                "entries",
                f"revision {entry.revision_id} belongs to deployment {revision.deployment_id}, "
                f"not {deployment_id}",
            )


def _generations(outcome: engine.TrafficOutcome) -> tuple[int | None, int | None]:
    return outcome.previous_generation, outcome.new_generation


def set_split(ctx: OpContext, payload: TrafficSetPayload) -> dict[str, Any]:
    """Set a deployment's split (every entry `ready`, weights summing to exactly 10000 bps)."""
    env_id = parse_env_id(payload.environment_id)
    deployment_id = parse_ulid(payload.deployment_id, "deployment_id")
    key = parse_idempotency_key(payload.idempotency_key)
    entries = [entry_from_payload(e) for e in payload.entries]
    now = ctx.now()

    def action() -> engine.TrafficOutcome:
        def transform(env: Environment) -> tuple[Environment, engine.TrafficOutcome]:
            # Checked on the locked copy: one parse of environment.json per set.
            _precheck(env, env_id, deployment_id, entries)
            outcome = engine.set_traffic(
                env,
                deployment_id,
                entries,
                key,
                now,
                updated_by=payload.updated_by,
                authorization_ref=payload.authorization_ref,
            )
            return outcome.environment, outcome

        return ctx.store.transact(env_id, transform)

    target = {
        "deployment_id": deployment_id,
        "entries": [e.to_json_dict() for e in entries],
    }
    outcome = audited(
        ctx, env_id, NOUN, "set", target, action, idempotency_key=key, generations=_generations
    )
    return traffic_summary(env_id, outcome.split)


def show(ctx: OpContext, env_id: str, deployment_id: str) -> dict[str, Any]:
    """The current split of a deployment."""
    parse_env_id(env_id)
    deployment_id = parse_ulid(deployment_id, "deployment_id")
    env = ctx.store.load(env_id)
    split = env.split_for(deployment_id)
    if split is None:
        raise SplitNotFoundError(env_id, deployment_id)
    return traffic_summary(env_id, split)


def rollback(ctx: OpContext, env_id: str, deployment_id: str) -> dict[str, Any]:
    """Restore the previous split (one step), re-admitting its revisions."""
    parse_env_id(env_id)
    deployment_id = parse_ulid(deployment_id, "deployment_id")
    now = ctx.now()

    def transform(env: Environment) -> tuple[Environment, engine.TrafficOutcome]:
        outcome = engine.rollback_traffic(env, deployment_id, now)
        return outcome.environment, outcome

    outcome = audited(
        ctx,
        env_id,
        NOUN,
        "rollback",
        {"deployment_id": deployment_id},
        lambda: ctx.store.transact(env_id, transform),
        generations=_generations,
    )
    return traffic_summary(env_id, outcome.split)


def clear(ctx: OpContext, env_id: str, deployment_id: str) -> dict[str, Any]:
    """Remove a deployment's split so its revisions can be drained and archived."""
    parse_env_id(env_id)
    deployment_id = parse_ulid(deployment_id, "deployment_id")

    def transform(env: Environment) -> tuple[Environment, TrafficSplit]:
        return engine.clear_traffic(env, deployment_id)

    removed = audited(
        ctx,
        env_id,
        NOUN,
        "clear",
        {"deployment_id": deployment_id},
        lambda: ctx.store.transact(env_id, transform),
        generations=lambda split: (split.generation, None),
    )
    result = traffic_summary(env_id, removed)
    result["cleared"] = True
    return result
