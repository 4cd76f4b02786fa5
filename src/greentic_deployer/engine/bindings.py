"""Env-pack binding verbs and the idempotent `local` bootstrap."""

from __future__ import annotations

from greentic_deployer.engine.checked import validated
from greentic_deployer.engine.errors import BindingConflictError, BindingNotFoundError
from greentic_deployer.spec.bindings import EnvPackBinding, local_default_bindings
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.host import (
    DEFAULT_LISTEN_ADDR,
    EnvironmentHostConfig,
    parse_public_base_url,
)
from greentic_deployer.spec.ids import parse_pack_descriptor
from greentic_deployer.spec.local import LOCAL_ENV_ID
from greentic_deployer.spec.slots import CORE_SLOTS, CapabilitySlot
from greentic_deployer.spec.stash import SnapshotMissingError, decode_stash, encode_stash

LOCAL_ENV_NAME = "local"

_OWN_NOUNS = {
    CapabilitySlot.messaging: "messaging endpoints are managed with `op messaging endpoint …`",
    CapabilitySlot.extension: "extensions are managed with `op extensions …`",
}


def parse_core_slot(slot: CapabilitySlot | str) -> CapabilitySlot:
    """A slot that binds in `Environment.packs`; messaging/extension point at their own nouns."""
    try:
        parsed = CapabilitySlot(slot)
    except ValueError as exc:
        names = ", ".join(s.value for s in CORE_SLOTS)
        raise InvalidArgumentError("slot", f"unknown slot; expected one of {names}", slot) from exc
    if not parsed.binds_in_packs:
        raise InvalidArgumentError(
            "slot", f"`{parsed.value}` is not an env-pack slot; {_OWN_NOUNS[parsed]}", slot
        )
    return parsed


def _binding(
    slot: CapabilitySlot,
    kind: str,
    pack_ref: str,
    answers_ref: str | None,
    generation: int = 0,
    previous_binding_ref: str | None = None,
) -> EnvPackBinding:
    descriptor = parse_pack_descriptor(kind)
    if not pack_ref.strip():
        raise InvalidArgumentError("pack_ref", "must not be empty", pack_ref)
    if answers_ref is not None and not answers_ref.strip():
        raise InvalidArgumentError("answers_ref", "must not be blank when given", answers_ref)
    return EnvPackBinding(
        slot=slot,
        kind=str(descriptor),
        pack_ref=pack_ref,
        answers_ref=answers_ref,
        generation=generation,
        previous_binding_ref=previous_binding_ref,
    )


def _with_binding(env: Environment, binding: EnvPackBinding) -> Environment:
    packs = [binding if p.slot == binding.slot else p for p in env.packs]
    return env.model_copy(update={"packs": packs})


def add_binding(
    env: Environment,
    slot: CapabilitySlot | str,
    kind: str,
    pack_ref: str,
    answers_ref: str | None = None,
) -> tuple[Environment, EnvPackBinding]:
    """Bind an unbound core slot at generation 0."""
    parsed = parse_core_slot(slot)
    existing = env.pack_for_slot(parsed)
    if existing is not None:
        raise BindingConflictError(env.environment_id, parsed.value, existing.kind)
    binding = _binding(parsed, kind, pack_ref, answers_ref)
    return validated(env.model_copy(update={"packs": [*env.packs, binding]})), binding


def update_binding(
    env: Environment,
    slot: CapabilitySlot | str,
    kind: str,
    pack_ref: str,
    answers_ref: str | None = None,
) -> tuple[Environment, EnvPackBinding]:
    """Replace a bound slot wholesale (like its payload), generation +1, previous stashed."""
    parsed = parse_core_slot(slot)
    existing = env.pack_for_slot(parsed)
    if existing is None:
        raise BindingNotFoundError(env.environment_id, parsed.value)
    binding = _binding(
        parsed,
        kind,
        pack_ref,
        answers_ref,
        generation=existing.generation + 1,
        previous_binding_ref=encode_stash(existing, "previous_binding_ref"),
    )
    return validated(_with_binding(env, binding)), binding


def remove_binding(
    env: Environment, slot: CapabilitySlot | str
) -> tuple[Environment, EnvPackBinding]:
    """Unbind a slot and return the removed binding (its stash goes with it)."""
    parsed = parse_core_slot(slot)
    existing = env.pack_for_slot(parsed)
    if existing is None:
        raise BindingNotFoundError(env.environment_id, parsed.value)
    remaining = [p for p in env.packs if p.slot != parsed]
    return validated(env.model_copy(update={"packs": remaining})), existing


def rollback_binding(
    env: Environment, slot: CapabilitySlot | str
) -> tuple[Environment, EnvPackBinding]:
    """Restore the stashed previous binding with generation +1 and no further stash."""
    parsed = parse_core_slot(slot)
    existing = env.pack_for_slot(parsed)
    what = f"binding of slot `{parsed.value}` in environment `{env.environment_id}`"
    if existing is None:
        raise SnapshotMissingError(
            f"no previous {what} to roll back to: the slot is not bound "
            "(a removed binding cannot be rolled back; add it again with `op env-packs add`)"
        )
    previous = decode_stash(existing.previous_binding_ref, EnvPackBinding, what)
    if previous.slot != parsed:
        raise SnapshotMissingError(
            f"the stash of the {what} is for slot `{previous.slot.value}` (snapshot missing)"
        )
    restored = previous.model_copy(
        update={"generation": existing.generation + 1, "previous_binding_ref": None}
    )
    return validated(_with_binding(env, restored)), restored


def init_local(
    existing: Environment | None, public_base_url: str | None
) -> tuple[Environment, str, list[CapabilitySlot]]:
    """Bootstrap `local`: outcome `created`, `healed` (with the added slots) or `untouched`."""
    if existing is None:
        url = parse_public_base_url(public_base_url) if public_base_url is not None else None
        created = Environment(
            environment_id=LOCAL_ENV_ID,
            name=LOCAL_ENV_NAME,
            host_config=EnvironmentHostConfig(
                env_id=LOCAL_ENV_ID, listen_addr=DEFAULT_LISTEN_ADDR, public_base_url=url
            ),
            packs=local_default_bindings(),
        )
        return validated(created), "created", []
    if existing.environment_id != LOCAL_ENV_ID:
        raise InvalidArgumentError(
            "environment_id",
            "init only bootstraps the `local` environment",
            existing.environment_id,
        )
    if public_base_url is not None:
        raise InvalidArgumentError(
            "public_base_url",
            "cannot be set by init on an existing environment; "
            "use `op env set-public-url local <url>`",
            public_base_url,
        )
    # Bound slots are never touched, even when bound to a non-default kind.
    missing = [b for b in local_default_bindings() if existing.pack_for_slot(b.slot) is None]
    if not missing:
        return existing, "untouched", []
    added = [b.slot for b in missing]
    healed = existing.model_copy(update={"packs": [*existing.packs, *missing]})
    return validated(healed), "healed", added
