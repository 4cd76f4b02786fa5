"""`op traffic …`: set, show, roll back and clear a deployment's split."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import JsonValue

from greentic_deployer.engine import traffic as engine
from greentic_deployer.engine.errors import (
    IdempotencyConflictError,
    RevisionNotFoundError,
    SplitNotFoundError,
)
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.live_target import live_connection
from greentic_deployer.ops.payloads import TrafficEntryPayload, TrafficSetPayload
from greentic_deployer.ops.summaries import (
    TRAFFIC_SUMMARY_FIELDS,
    in_field_order,
    traffic_summary,
)
from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from greentic_deployer.spec.ids import parse_env_id, parse_idempotency_key, parse_ulid
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit, percent_to_bps
from greentic_deployer.store.idempotency import KeyClaim, KeyReuseError, request_digest

NOUN = "traffic"

_PREFIX = re.compile(r"[0-9A-Za-z]{4,25}")
_WEIGHT = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(%|bps)?")


def entry_from_payload(entry: TrafficEntryPayload) -> TrafficEntry:
    """`weight_bps` wins; `weight_percent` (0..100) becomes basis points exactly."""
    revision_id = parse_ulid(entry.revision_id, "entries.revision_id")
    if entry.weight_bps is not None:
        return TrafficEntry(revision_id=revision_id, weight_bps=entry.weight_bps)
    assert entry.weight_percent is not None
    return TrafficEntry(revision_id=revision_id, weight_bps=percent_to_bps(entry.weight_percent))


def parse_entry_arg(text: str) -> dict[str, object]:
    """A `<revision_id>=<weight>` argument as a payload entry.

    `N` and `N%` are percent (0..100), `Nbps` basis points; percent is converted to basis
    points by `entry_from_payload`, the same rule as `weight_percent` in `--answers`.
    """
    rid, sep, weight = text.partition("=")
    if not sep or not rid.strip() or not weight.strip():
        raise InvalidArgumentError("entry", "expected <revision_id>=<weight>", text)
    # A ULID prefix stays as typed: the CLI resolves it against the environment.
    revision_id = rid.strip() if _PREFIX.fullmatch(rid.strip()) else parse_ulid(rid, "revision_id")
    match = _WEIGHT.fullmatch(weight.strip())
    if match is None:
        raise InvalidArgumentError(
            "weight", "expected N or N% (percent, 0..100) or Nbps (basis points)", weight
        )
    number, unit = match.groups()
    if unit == "bps":
        if "." in number:
            raise InvalidArgumentError("weight", "basis points must be a whole number", weight)
        # Anything this long is out of range; checking first keeps int() away from huge strings.
        if len(number.lstrip("0")) > len(str(U32_MAX)) or int(number) > U32_MAX:
            raise InvalidArgumentError("weight", f"basis points must be at most {U32_MAX}", weight)
        return {"revision_id": revision_id, "weight_bps": int(number)}
    whole = number.partition(".")[0]
    if len(whole.lstrip("0")) > 3:
        raise InvalidArgumentError("weight_percent", "must be between 0 and 100", weight)
    # The one percent rule, checked here so the error quotes what was typed.
    percent_to_bps(number, "weight_percent", shown=weight)
    percent = float(number)
    return {"revision_id": revision_id, "weight_percent": percent}


def check_entries(
    env: Environment, env_id: str, deployment_id: str, entries: Sequence[TrafficEntry]
) -> None:
    """Every entry names a revision of this env that belongs to this deployment."""
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


@dataclass(frozen=True)
class SetResult:
    """What a `traffic set` returns; `new_generation is None` marks a replay."""

    summary: dict[str, Any]
    previous_generation: int | None
    new_generation: int | None


def traffic_scope(deployment_id: str) -> str:
    """The idempotency-history scope of a deployment's traffic."""
    return f"traffic:{deployment_id}"


def entries_digest(entries: Sequence[TrafficEntry]) -> str:
    """The digest of a split's entries, order-insensitive (as the live-split rule compares)."""
    pairs: list[JsonValue] = [[rid, bps] for rid, bps in sorted(_pairs(entries))]
    return request_digest(pairs)


def _pairs(entries: Sequence[TrafficEntry]) -> list[tuple[str, int]]:
    return [(e.revision_id, e.weight_bps) for e in entries]


def _key_conflict(key: str, deployment_id: str, differing: list[str]) -> ConflictError:
    # Entries alone: the same wording as a conflict with the live split.
    if differing == ["entries"]:
        return IdempotencyConflictError(key, deployment_id)
    return KeyReuseError(key, f"traffic set of deployment {deployment_id}", differing)


def set_split(
    ctx: OpContext,
    payload: TrafficSetPayload,
    *,
    facets: dict[str, str] | None = None,
    apply: bool = False,
    kubeconfig: Path | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    """Set a deployment's split (every entry `ready`, weights summing to exactly 10000 bps).

    The key is remembered with the entries (and any extra request `facets`, e.g. a deploy's
    bundle digest), so a late retry of an older key replays its outcome instead of
    routing traffic back.
    """
    env_id = parse_env_id(payload.environment_id)
    deployment_id = parse_ulid(payload.deployment_id, "deployment_id")
    entries = [entry_from_payload(e) for e in payload.entries]
    key = parse_idempotency_key(payload.idempotency_key)
    live = live_connection(apply, kubeconfig, context)
    if live is not None:
        from greentic_deployer.ops import live_apply

        return live_apply.set_entries_verb(
            ctx,
            env_id,
            deployment_id,
            entries,
            key,
            live,
            updated_by=payload.updated_by,
            authorization_ref=payload.authorization_ref,
            facets=facets,
        )
    return set_entries(
        ctx,
        env_id,
        deployment_id,
        entries,
        key,
        updated_by=payload.updated_by,
        authorization_ref=payload.authorization_ref,
        facets=facets,
    )


def set_entries(
    ctx: OpContext,
    env_id: str,
    deployment_id: str,
    entries: list[TrafficEntry],
    key: str,
    *,
    updated_by: str = "operator",
    authorization_ref: str = "auth.json",
    facets: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The audited `traffic set` use-case on already-parsed values."""
    now = ctx.now()
    claim = KeyClaim(
        scope=traffic_scope(deployment_id),
        key=key,
        request={"entries": entries_digest(entries), **(facets or {})},
        what=f"traffic set of deployment {deployment_id}",
        on_conflict=lambda differing: _key_conflict(key, deployment_id, differing),
    )

    def transform(env: Environment) -> tuple[Environment, SetResult]:
        # Checked on the locked copy: one parse of environment.json per set.
        check_entries(env, env_id, deployment_id, entries)
        outcome = engine.set_traffic(
            env,
            deployment_id,
            entries,
            key,
            now,
            updated_by=updated_by,
            authorization_ref=authorization_ref,
        )
        summary = traffic_summary(env_id, outcome.split)
        result = SetResult(summary, outcome.previous_generation, outcome.new_generation)
        return outcome.environment, result

    def replay(_env: Environment, recorded: JsonValue) -> SetResult:
        summary = (
            in_field_order(dict(recorded), TRAFFIC_SUMMARY_FIELDS)
            if isinstance(recorded, dict)
            else {}
        )
        generation = summary.get("generation")
        return SetResult(summary, generation if isinstance(generation, int) else None, None)

    def remembered(result: SetResult) -> JsonValue | None:
        # A replay of the live split changed nothing, so there is nothing new to remember.
        return None if result.new_generation is None else result.summary

    target = {
        "deployment_id": deployment_id,
        "entries": [e.to_json_dict() for e in entries],
    }
    result = audited(
        ctx,
        env_id,
        NOUN,
        "set",
        target,
        lambda: ctx.store.transact_keyed(
            env_id, claim, transform, replay=replay, outcome=remembered
        ),
        idempotency_key=key,
        generations=lambda r: (r.previous_generation, r.new_generation),
    )
    return result.summary


def _generations(outcome: engine.TrafficOutcome) -> tuple[int | None, int | None]:
    return outcome.previous_generation, outcome.new_generation


def show(ctx: OpContext, env_id: str, deployment_id: str) -> dict[str, Any]:
    """The current split of a deployment."""
    parse_env_id(env_id)
    deployment_id = parse_ulid(deployment_id, "deployment_id")
    env = ctx.store.load(env_id)
    split = env.split_for(deployment_id)
    if split is None:
        raise SplitNotFoundError(env_id, deployment_id)
    return traffic_summary(env_id, split)


def rollback(
    ctx: OpContext,
    env_id: str,
    deployment_id: str,
    *,
    apply: bool = False,
    kubeconfig: Path | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    """Restore the previous split (one step), re-admitting its revisions.

    With `apply`, the restored split's runtime-config is upserted in the cluster first.
    """
    parse_env_id(env_id)
    deployment_id = parse_ulid(deployment_id, "deployment_id")
    live = live_connection(apply, kubeconfig, context)
    if live is not None:
        from greentic_deployer.ops import live_apply

        return live_apply.rollback_verb(ctx, env_id, deployment_id, live)
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
