"""What every use-case needs: the store and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from greentic_deployer.spec.clock import Clock, format_timestamp, system_clock
from greentic_deployer.store.protocol import EnvironmentStore


@dataclass
class OpContext:
    """The store a verb works on and the clock it stamps with."""

    store: EnvironmentStore
    clock: Clock = field(default=system_clock)

    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.clock()

    def timestamp(self) -> str:
        """The current time as an RFC 3339 string."""
        return format_timestamp(self.clock())
