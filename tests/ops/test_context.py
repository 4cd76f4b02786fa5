"""The op context carries the env-pack registry; nothing is process-global."""

from __future__ import annotations

from pathlib import Path

from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.builtins import builtin_handlers
from greentic_deployer.packs.registry import EnvPackRegistry
from greentic_deployer.store.local import LocalFileStore


def test_each_context_builds_its_own_registry_once(tmp_path: Path) -> None:
    """A context builds its registry on first use and keeps it; another context has its own."""
    built: list[EnvPackRegistry] = []

    def factory() -> EnvPackRegistry:
        built.append(EnvPackRegistry(builtin_handlers()))
        return built[-1]

    first = OpContext(store=LocalFileStore(tmp_path), registry_factory=factory)
    second = OpContext(store=LocalFileStore(tmp_path), registry_factory=factory)
    assert built == []  # nothing is built until a verb needs it
    assert first.registry is first.registry
    assert second.registry is not first.registry
    assert len(built) == 2


def test_default_context_registry_holds_the_builtins(tmp_path: Path) -> None:
    """Without a factory the context resolves the built-in handlers."""
    ctx = OpContext(store=LocalFileStore(tmp_path))
    paths = {h.descriptor_path for h in ctx.registry.handlers()}
    assert {h.descriptor_path for h in builtin_handlers()} <= paths
