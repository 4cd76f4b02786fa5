"""The built-in env-pack handlers and the process-wide default registry."""

from __future__ import annotations

from functools import cache

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


@cache
def default_registry() -> EnvPackRegistry:
    """Built-ins plus third-party entry points, built once per process."""
    registry = EnvPackRegistry(builtin_handlers())
    load_entry_point_handlers(registry)
    return registry
