"""What every use-case needs: the store, the clock and the env-pack registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from greentic_deployer.spec.clock import Clock, format_timestamp, system_clock

if TYPE_CHECKING:
    from greentic_deployer.bundle.progress import StageProgress
    from greentic_deployer.packs.registry import EnvPackRegistry
    from greentic_deployer.store.protocol import EnvironmentStore


def default_registry() -> EnvPackRegistry:
    """Built-ins plus entry points; imported on use so light verbs never load the packs."""
    from greentic_deployer.packs.builtins import default_registry as build

    return build()


@dataclass
class OpContext:
    """The store a verb works on, the clock it stamps with and the packs it resolves."""

    store: EnvironmentStore
    clock: Clock = field(default=system_clock)
    registry_factory: Callable[[], EnvPackRegistry] = field(default=default_registry)
    stage_progress: StageProgress | None = None
    # Set with a `DryRunStore`: verbs compute their result, nothing is written or audited.
    dry_run: bool = False
    _registry: EnvPackRegistry | None = field(default=None, init=False, repr=False)

    @property
    def registry(self) -> EnvPackRegistry:
        """The env-pack registry, built on first use and kept for this context."""
        if self._registry is None:
            self._registry = self.registry_factory()
        return self._registry

    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.clock()

    def timestamp(self) -> str:
        """The current time as an RFC 3339 string."""
        return format_timestamp(self.clock())
