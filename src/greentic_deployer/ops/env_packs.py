"""`op env-packs …`: bind, rebind, unbind and roll back capability-slot packs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from greentic_deployer.engine import bindings as engine
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import BindingPayload, BindingSlotPayload
from greentic_deployer.ops.summaries import (
    BINDING_SUMMARY_FIELDS,
    binding_summary,
    in_field_order,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import (
    check_identifier,
    check_relative_ref,
    parse_env_id,
    parse_pack_descriptor,
)
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.idempotency import KeyClaim, request_digest

NOUN = "env-packs"


def parse_slot(value: str) -> CapabilitySlot:
    """A core capability slot; messaging and extensions have their own nouns."""
    try:
        slot = CapabilitySlot(value)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in CapabilitySlot if s.binds_in_packs)
        raise InvalidArgumentError(
            "slot", f"unknown slot; expected one of {allowed}", value
        ) from exc
    if not slot.binds_in_packs:
        raise InvalidArgumentError(
            "slot",
            f"`{slot.value}` is an N-per-environment family kept in its own collection, "
            "not a slot that env-packs binds",
            value,
        )
    return slot


def check_answers_ref(value: str | None) -> str | None:
    """An env-relative path whose every `/`-separated segment follows the identifier rule."""
    if value is None:
        return None
    return check_relative_ref(value, "answers_ref")


@dataclass(frozen=True)
class _BindingResult:
    """A binding verb's summary and generations (`new is None` marks a replay)."""

    summary: dict[str, Any]
    previous: int | None
    new: int | None


def _replay(_env: Environment, recorded: JsonValue) -> _BindingResult:
    doc = recorded if isinstance(recorded, dict) else {}
    summary = doc.get("summary")
    generation = summary.get("generation") if isinstance(summary, dict) else None
    return _BindingResult(
        in_field_order(dict(summary), BINDING_SUMMARY_FIELDS) if isinstance(summary, dict) else {},
        generation if isinstance(generation, int) else None,
        None,
    )


def _remembered(result: _BindingResult) -> JsonValue:
    return {"summary": result.summary, "previous_generation": result.previous}


def _run(
    ctx: OpContext,
    env_id: str,
    verb: str,
    slot: CapabilitySlot,
    target: dict[str, Any],
    key: str | None,
    change: Any,
    request: dict[str, JsonValue] | None = None,
) -> dict[str, Any]:
    def transform(env: Environment) -> tuple[Environment, _BindingResult]:
        before = env.pack_for_slot(slot)
        new_env, binding = change(env)
        previous = before.generation if before is not None else None
        return new_env, _BindingResult(
            binding_summary(env_id, binding), previous, binding.generation
        )

    def action() -> _BindingResult:
        if key is None:
            return ctx.store.transact(env_id, transform)
        # A remembered key replays its outcome, so a late retry cannot undo a later change.
        claim = KeyClaim(
            scope=f"{NOUN}:{slot.value}",
            key=key,
            request={"verb": verb, "binding": request_digest(request or target)},
            what=f"`{NOUN} {verb}` of slot {slot.value}",
        )
        return ctx.store.transact_keyed(
            env_id, claim, transform, replay=_replay, outcome=_remembered
        )

    result = audited(
        ctx,
        env_id,
        NOUN,
        verb,
        target,
        action,
        idempotency_key=key,
        generations=lambda r: (r.previous, r.new),
    )
    return result.summary


def add(ctx: OpContext, payload: BindingPayload) -> dict[str, Any]:
    """Bind an unbound slot."""
    env_id, slot, kind, answers_ref = _parse(payload)
    return _run(
        ctx,
        env_id,
        "add",
        slot,
        {"slot": slot.value, "kind": kind},
        payload.idempotency_key,
        lambda env: engine.add_binding(env, slot, kind, payload.pack_ref, answers_ref),
        {
            "slot": slot.value,
            "kind": kind,
            "pack_ref": payload.pack_ref,
            "answers_ref": answers_ref,
        },
    )


def update(ctx: OpContext, payload: BindingPayload) -> dict[str, Any]:
    """Rebind a bound slot, stashing the previous binding for one-step rollback."""
    env_id, slot, kind, answers_ref = _parse(payload)
    return _run(
        ctx,
        env_id,
        "update",
        slot,
        {"slot": slot.value, "kind": kind},
        payload.idempotency_key,
        lambda env: engine.update_binding(env, slot, kind, payload.pack_ref, answers_ref),
        {
            "slot": slot.value,
            "kind": kind,
            "pack_ref": payload.pack_ref,
            "answers_ref": answers_ref,
        },
    )


def remove(ctx: OpContext, payload: BindingSlotPayload) -> dict[str, Any]:
    """Unbind a slot; returns the removed binding."""
    env_id = parse_env_id(payload.environment_id)
    slot = parse_slot(payload.slot)
    return _run(
        ctx,
        env_id,
        "remove",
        slot,
        {"slot": slot.value},
        payload.idempotency_key,
        lambda env: engine.remove_binding(env, slot),
    )


def rollback(ctx: OpContext, payload: BindingSlotPayload) -> dict[str, Any]:
    """Restore the stashed previous binding of a slot."""
    env_id = parse_env_id(payload.environment_id)
    slot = parse_slot(payload.slot)
    return _run(
        ctx,
        env_id,
        "rollback",
        slot,
        {"slot": slot.value},
        payload.idempotency_key,
        lambda env: engine.rollback_binding(env, slot),
    )


def list_bindings(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """Every binding of an environment."""
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    return {
        "environment_id": env_id,
        "bindings": [binding_summary(env_id, b) for b in env.packs],
    }


def _parse(payload: BindingPayload) -> tuple[str, CapabilitySlot, str, str | None]:
    env_id = parse_env_id(payload.environment_id)
    slot = parse_slot(payload.slot)
    kind = str(parse_pack_descriptor(payload.kind))
    check_identifier(payload.pack_ref, "pack_ref")
    return env_id, slot, kind, check_answers_ref(payload.answers_ref)
