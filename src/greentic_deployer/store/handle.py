"""The locked handle of one environment and the transaction rule built on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import JsonValue

from greentic_deployer.engine.errors import CommitOnError
from greentic_deployer.spec.clock import Clock
from greentic_deployer.spec.documents import EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store import idempotency, loading, snapshot
from greentic_deployer.store.errors import CommittedAfterSaveError, EnvIdMismatchError
from greentic_deployer.store.paths import EnvLayout
from greentic_deployer.store.projection import RefreshOutcome, refresh_runtime_config
from greentic_deployer.store.tracked import remove_tracked, replace_tracked_json

T = TypeVar("T")
# `transact` passes a loaded Environment, `transact_new` one that may be None.
E = TypeVar("E", bound=Environment | None)


class LockedEnv:
    """One environment while its lock is held: saves never re-lock and refuse other env ids."""

    def __init__(self, layout: EnvLayout, root: Path, clock: Clock) -> None:
        self.layout = layout
        self._root = root
        self._clock = clock

    @property
    def env_id(self) -> str:
        """The locked environment's id."""
        return self.layout.env_id

    def _own(self, env_id: str, what: str) -> None:
        if env_id != self.env_id:
            raise EnvIdMismatchError.between(self.env_id, env_id, f"{what} saved under the lock")

    def load(self) -> Environment:
        """The validated environment (EnvNotFoundError when absent)."""
        return loading.load_environment(self.layout, self._root)

    def load_or_none(self) -> Environment | None:
        """The validated environment, or None when `environment.json` is absent."""
        return loading.load_environment_or_none(self.layout)

    def write_environment(self, env: Environment) -> None:
        """Validate, back up and atomically write `environment.json` (no projection refresh)."""
        self._own(env.environment_id, "environment")
        env.validate()
        replace_tracked_json(self.layout, self.layout.environment_json, env, self._clock())

    def refresh_runtime_config(self, env: Environment) -> RefreshOutcome:
        """Re-derive `runtime-config.json` from `env`."""
        self._own(env.environment_id, "runtime-config projection")
        return refresh_runtime_config(self.layout, env, self._clock())

    def save(self, env: Environment) -> None:
        """Write `env`, then refresh the projection (failure there: CommittedAfterSaveError)."""
        self.write_environment(env)
        _refresh_after_commit(self, env)

    def commit(self, before: Environment | None, after: Environment) -> bool:
        """Persist `after` only when it differs from `before`; always refresh the projection."""
        self._own(after.environment_id, "environment")
        changed = before is None or before.to_json_dict() != after.to_json_dict()
        if not changed:
            # Still re-project so an earlier failed publish heals; nothing new was committed.
            self.refresh_runtime_config(after)
            return False
        self.write_environment(after)
        _refresh_after_commit(self, after)
        return True

    def save_runtime(self, runtime: EnvironmentRuntime) -> None:
        """Back up and atomically write `runtime.json`."""
        self._own(runtime.environment_id, "runtime.json")
        replace_tracked_json(self.layout, self.layout.runtime_json, runtime, self._clock())

    def save_pack_answers(self, slot: CapabilitySlot | str, data: JsonValue) -> None:
        """Back up and atomically write `env-packs/<slot>/answers.json`."""
        replace_tracked_json(self.layout, self.layout.pack_answers(slot), data, self._clock())

    def delete_pack_answers(self, slot: CapabilitySlot | str) -> bool:
        """Back up and delete the slot's answers; False when there were none."""
        return remove_tracked(self.layout, self.layout.pack_answers(slot), self._clock())

    def key_history(self) -> idempotency.KeyHistory | None:
        """The remembered idempotency keys, or None when there is no history file."""
        return idempotency.load_history(self.layout)

    def remember_key(
        self,
        history: idempotency.KeyHistory | None,
        claim: idempotency.KeyClaim,
        outcome: JsonValue,
    ) -> None:
        """Add a key and its outcome to the bounded history loaded under this lock."""
        idempotency.remember(self.layout, history, claim, outcome, self._clock())

    def snapshot(self) -> str:
        """Capture the tracked files; returns the snapshot id."""
        return snapshot.take_snapshot(self.layout)

    def restore(self, snapshot_id: str) -> None:
        """Restore the tracked files, then validate and re-derive `runtime-config.json`."""
        snapshot.restore_snapshot(self.layout, snapshot_id, self._clock())
        env = self.load_or_none()
        if env is not None:
            self.refresh_runtime_config(env)


def _refresh_after_commit(handle: LockedEnv, env: Environment) -> None:
    try:
        handle.refresh_runtime_config(env)
    except Exception as exc:
        raise CommittedAfterSaveError(exc) from exc


def run_transaction(
    handle: LockedEnv,
    before: E,
    fn: Callable[[E], tuple[Environment, T]],
) -> T:
    """Apply the persist rule: ok → persist; CommitOnError → persist then re-raise; else nothing."""
    try:
        after, result = fn(before)
    except CommitOnError as exc:
        try:
            handle.commit(before, exc.environment)
        except CommittedAfterSaveError as late:
            _mark_committed(exc)
            # `inner` keeps the step that failed; the cause is the error the verb reports.
            raise late from exc
        _mark_committed(exc)
        raise
    handle.commit(before, after)
    return result


def _mark_committed(exc: CommitOnError) -> None:
    # Lets the audit boundary report the verb as committed although it failed.
    setattr(exc, "committed", True)  # noqa: B010  (CommitOnError declares no such attribute)


def run_keyed_transaction(
    handle: LockedEnv,
    claim: idempotency.KeyClaim,
    fn: Callable[[Environment], tuple[Environment, T]],
    replay: Callable[[Environment, JsonValue], T],
    outcome: Callable[[T], JsonValue | None],
) -> T:
    """`run_transaction` that remembers the key once the document write has succeeded.

    A remembered key with the same request replays its outcome and changes nothing; with a
    different request it is a conflict. `outcome` returning None remembers nothing.
    """
    env = handle.load()
    history = handle.key_history()
    record = history.find(claim.scope, claim.key) if history is not None else None
    if record is not None:
        claim.check(record)
        # Like a replay of the live split: nothing is written, but a projection that an
        # earlier failed publish left stale is healed.
        handle.refresh_runtime_config(env)
        return replay(env, record.outcome)
    result = run_transaction(handle, env, fn)
    recorded = outcome(result)
    if recorded is not None:
        try:
            handle.remember_key(history, claim, recorded)
        except Exception as exc:
            raise CommittedAfterSaveError(exc) from exc
    return result
