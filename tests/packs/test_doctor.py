"""`doctor_bindings`: how each binding resolves against the registry (`op env doctor`)."""

from __future__ import annotations

from greentic_deployer.packs.registry import EnvPackHandler, EnvPackRegistry, doctor_bindings
from greentic_deployer.spec.bindings import (
    EnvPackBinding,
    ExtensionBinding,
    local_default_bindings,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.slots import CapabilitySlot


def _env(
    packs: list[EnvPackBinding], extensions: list[ExtensionBinding] | None = None
) -> Environment:
    return Environment(
        environment_id="local",
        name="local",
        host_config=EnvironmentHostConfig(env_id="local"),
        packs=packs,
        extensions=extensions or [],
    )


def _bind(slot: CapabilitySlot, kind: str) -> EnvPackBinding:
    return EnvPackBinding(slot=slot, kind=kind, pack_ref="builtin")


def _with(slot: CapabilitySlot, kind: str) -> list[EnvPackBinding]:
    return [b if b.slot is not slot else _bind(slot, kind) for b in local_default_bindings()]


EMPTY: dict[str, object] = {"unknown_kinds": [], "slot_mismatches": [], "version_skew": []}


def test_default_local_bindings_are_healthy(registry: EnvPackRegistry) -> None:
    env = _env(local_default_bindings())
    env.validate()
    assert doctor_bindings(env, registry) == {**EMPTY, "extensions": {"count": 0, **EMPTY}}


def test_dev_store_1_0_0_is_version_skew(registry: EnvPackRegistry) -> None:
    # A commonly bound version that the built-in ^0.1.0 handler does not accept.
    env = _env(_with(CapabilitySlot.secrets, "greentic.secrets.dev-store@1.0.0"))
    report = doctor_bindings(env, registry)
    assert report["version_skew"] == [
        {
            "kind": "greentic.secrets.dev-store@1.0.0",
            "requested": "1.0.0",
            "supported": "^0.1.0",
        }
    ]
    assert report["unknown_kinds"] == []
    assert report["slot_mismatches"] == []


def test_unknown_kinds_and_slot_mismatches(registry: EnvPackRegistry) -> None:
    packs = _with(CapabilitySlot.telemetry, "acme.telemetry.otlp@1.0.0")
    packs = [
        b
        if b.slot is not CapabilitySlot.state
        else _bind(b.slot, "greentic.sessions.in-memory@0.1.0")
        for b in packs
    ]
    report = doctor_bindings(_env(packs), registry)
    assert report["unknown_kinds"] == ["acme.telemetry.otlp@1.0.0"]
    assert report["slot_mismatches"] == [
        {
            "kind": "greentic.sessions.in-memory@0.1.0",
            "bound_slot": "state",
            "handler_slot": "sessions",
        }
    ]
    assert report["version_skew"] == []


def test_extensions_resolve_against_extension_handlers(registry: EnvPackRegistry) -> None:
    registry.register(
        EnvPackHandler(
            slot=CapabilitySlot.extension,
            descriptor_path="acme.oauth.auth0",
            supported_versions="^1.0.0",
        )
    )
    extensions = [
        ExtensionBinding(kind="acme.oauth.auth0@1.3.0", pack_ref="builtin"),
        ExtensionBinding(kind="acme.oauth.auth0@2.0.0", pack_ref="builtin", instance_id="eu"),
        ExtensionBinding(kind="acme.unknown.thing@1.0.0", pack_ref="builtin"),
        ExtensionBinding(kind="greentic.state.in-memory@0.1.0", pack_ref="builtin"),
    ]
    report = doctor_bindings(_env(local_default_bindings(), extensions), registry)
    assert report["extensions"] == {
        "count": 4,
        "unknown_kinds": ["acme.unknown.thing@1.0.0"],
        "slot_mismatches": [
            {
                "kind": "greentic.state.in-memory@0.1.0",
                "bound_slot": "extension",
                "handler_slot": "state",
            }
        ],
        "version_skew": [
            {"kind": "acme.oauth.auth0@2.0.0", "requested": "2.0.0", "supported": "^1.0.0"}
        ],
    }
    assert report["unknown_kinds"] == []
