"""What the ops layer needs from any environment store (local today; a shared database later).

Ops type their context with `EnvironmentStore`, never with a concrete backend, so a second
backend implements this protocol and nothing in ops changes. Staged bundle files always live on
the local disk (`root`, `env_dir`, `revision_dir`), whatever holds the documents.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import JsonValue

from greentic_deployer.spec.documents import AuditEvent, EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.idempotency import KeyClaim, KeyRecord

T = TypeVar("T")


class EnvironmentStore(Protocol):
    """Load, list and transactionally change environments; append audit events."""

    @property
    def root(self) -> Path:
        """Where this store keeps environment files on the local disk (named in messages)."""
        ...

    # -- local files of an environment ----------------------------------------------------

    def env_dir(self, env_id: str) -> Path:
        """The environment's directory, after the EnvId and path-safety checks."""
        ...

    def revision_dir(self, env_id: str, revision_id: str) -> Path:
        """Where a revision's staged bundle files live; the revision id must be a ULID."""
        ...

    def delete_revision_files(self, env_id: str, revision_id: str) -> None:
        """Remove a revision's staged files (absent = nothing to do)."""
        ...

    def read_env_relative(self, env_id: str, rel_path: str, field: str = "path") -> Path:
        """Resolve an env-relative reference that must exist and stay inside the env dir."""
        ...

    # -- documents --------------------------------------------------------------------------

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

    def transact_keyed(
        self,
        env_id: str,
        claim: KeyClaim,
        fn: Callable[[Environment], tuple[Environment, T]],
        *,
        replay: Callable[[Environment, JsonValue], T],
        outcome: Callable[[T], JsonValue | None],
    ) -> T:
        """`transact` with a remembered idempotency key: a known key replays its outcome."""
        ...

    def key_record(self, env_id: str, scope: str, key: str) -> KeyRecord | None:
        """The remembered record of an idempotency key, if any."""
        ...

    def transact_new(
        self, env_id: str, fn: Callable[[Environment | None], tuple[Environment, T]]
    ) -> T:
        """Like `transact`, for an environment that may not exist yet."""
        ...

    def retire(
        self,
        env_id: str,
        *,
        guard: Callable[[Environment], None] | None = None,
        audit: Callable[[], AuditEvent] | None = None,
    ) -> Path:
        """Take an environment out of the store under its lock; `guard` may refuse by raising.

        `audit`'s event is appended where the retired environment's log ends up.
        """
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
