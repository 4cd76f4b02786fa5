"""`op env-packs …`: bind, rebind, unbind and roll back capability-slot packs."""

from __future__ import annotations

from typing import Any

from greentic_deployer.engine import bindings as engine
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import BindingPayload, BindingSlotPayload
from greentic_deployer.ops.summaries import binding_summary
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import (
    check_identifier,
    check_relative_ref,
    parse_env_id,
    parse_pack_descriptor,
)
from greentic_deployer.spec.slots import CapabilitySlot

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


def _generations(
    result: tuple[EnvPackBinding, int | None],
) -> tuple[int | None, int | None]:
    binding, previous = result
    return previous, binding.generation


def _run(
    ctx: OpContext,
    env_id: str,
    verb: str,
    slot: CapabilitySlot,
    target: dict[str, Any],
    key: str | None,
    change: Any,
) -> dict[str, Any]:
    def transform(env: Environment) -> tuple[Environment, tuple[EnvPackBinding, int | None]]:
        before = env.pack_for_slot(slot)
        new_env, binding = change(env)
        return new_env, (binding, before.generation if before is not None else None)

    binding, _previous = audited(
        ctx,
        env_id,
        NOUN,
        verb,
        target,
        lambda: ctx.store.transact(env_id, transform),
        idempotency_key=key,
        generations=_generations,
    )
    return binding_summary(env_id, binding)


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
