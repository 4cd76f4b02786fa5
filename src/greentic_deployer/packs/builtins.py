"""The built-in env-pack handlers and the default registry (built-ins plus entry points)."""

from __future__ import annotations

from greentic_deployer.packs.k8s.handler import k8s_handler
from greentic_deployer.packs.local_process.handler import local_process_handler
from greentic_deployer.packs.registry import (
    EnvPackHandler,
    EnvPackRegistry,
    load_entry_point_handlers,
)
from greentic_deployer.spec.slots import CapabilitySlot

_METADATA_ONLY: tuple[tuple[CapabilitySlot, str], ...] = (
    (CapabilitySlot.secrets, "greentic.secrets.dev-store"),
    (CapabilitySlot.telemetry, "greentic.telemetry.stdout"),
    (CapabilitySlot.sessions, "greentic.sessions.in-memory"),
    (CapabilitySlot.state, "greentic.state.in-memory"),
)


def builtin_handlers() -> list[EnvPackHandler]:
    """The four metadata-only `local` handlers plus the local-process and k8s deployers."""
    handlers = [
        EnvPackHandler(slot=slot, descriptor_path=path, supported_versions="^0.1.0")
        for slot, path in _METADATA_ONLY
    ]
    handlers.append(local_process_handler())
    handlers.append(k8s_handler())
    return handlers


def default_registry() -> EnvPackRegistry:
    """A new registry of the built-ins plus third-party entry points (callers keep it)."""
    registry = EnvPackRegistry(builtin_handlers())
    load_entry_point_handlers(registry)
    return registry
