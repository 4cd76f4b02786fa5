"""What the ops layer needs from any environment store (local today; remote stores later)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Protocol, TypeVar

from pydantic import JsonValue

from greentic_deployer.spec.documents import AuditEvent, EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.slots import CapabilitySlot

T = TypeVar("T")


class EnvironmentStore(Protocol):
    """Load, list and transactionally change environments; append audit events."""

    def exists(self, env_id: str) -> bool:
        """Whether the environment exists."""
        ...

    def load(self, env_id: str) -> Environment:
        """Load and validate one environment."""
        ...

    def list(self) -> builtins.list[Environment]:
        """Every loadable environment, sorted by id."""
        ...

    def create(self, env: Environment) -> None:
        """Store a new environment; never overwrites."""
        ...

    def transact(self, env_id: str, fn: Callable[[Environment], tuple[Environment, T]]) -> T:
        """Run a pure transform under the env lock and persist its result."""
        ...

    def transact_new(
        self, env_id: str, fn: Callable[[Environment | None], tuple[Environment, T]]
    ) -> T:
        """Like `transact`, for an environment that may not exist yet."""
        ...

    def load_runtime(self, env_id: str) -> EnvironmentRuntime | None:
        """The environment's runtime document, if any."""
        ...

    def save_runtime(self, runtime: EnvironmentRuntime) -> None:
        """Store the environment's runtime document."""
        ...

    def load_pack_answers(self, env_id: str, slot: CapabilitySlot | str) -> JsonValue | None:
        """A slot's wizard answers, if any."""
        ...

    def save_pack_answers(self, env_id: str, slot: CapabilitySlot | str, data: JsonValue) -> None:
        """Store a slot's wizard answers."""
        ...

    def delete_pack_answers(self, env_id: str, slot: CapabilitySlot | str) -> None:
        """Remove a slot's wizard answers."""
        ...

    def append_audit(self, env_id: str, event: AuditEvent) -> None:
        """Append one audit event (raises AuditError on failure)."""
        ...
