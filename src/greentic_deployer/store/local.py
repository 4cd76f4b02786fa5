"""The local filesystem environment store."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from greentic_deployer.spec.clock import Clock, system_clock
from greentic_deployer.spec.errors import GreenticError, InvalidArgumentError
from greentic_deployer.store.errors import EnvExistsError, EnvNotFoundError, StoreRootError
from greentic_deployer.store.locking import hold_lock, resolve_lock_timeout
from greentic_deployer.store.paths import RETIRED_DIR, EnvLayout, check_env_id, contained_path
from greentic_deployer.store.settings import load_store_settings

# The document models (pydantic) are imported where a document is read or written, so
# opening the store and listing an empty root (`op env list` on a fresh machine) never pays
# for them; the CLI's start-up budget (`make bench`) depends on it.
if TYPE_CHECKING:
    from pydantic import JsonValue

    from greentic_deployer.spec.documents import AuditEvent, EnvironmentRuntime
    from greentic_deployer.spec.environment import Environment
    from greentic_deployer.spec.slots import CapabilitySlot
    from greentic_deployer.store.handle import LockedEnv
    from greentic_deployer.store.idempotency import KeyClaim, KeyRecord
    from greentic_deployer.store.projection import RefreshOutcome

T = TypeVar("T")

STORE_ROOT_ENV = "GREENTIC_STORE_ROOT"


def default_root() -> Path:
    """`$GREENTIC_STORE_ROOT`, else `$HOME/.greentic/environments` (`%USERPROFILE%` on Windows)."""
    override = os.environ.get(STORE_ROOT_ENV)
    if override:
        return Path(override)
    home = os.environ.get("HOME") or (os.environ.get("USERPROFILE") if os.name == "nt" else None)
    if not home:
        raise InvalidArgumentError(
            "store_root",
            f"HOME is not set, so there is no default store root; pass --store-root "
            f"or set {STORE_ROOT_ENV}",
        )
    return Path(home) / ".greentic" / "environments"


class LocalFileStore:
    """Environments as JSON documents under `root/<env_id>/`, one exclusive lock per env."""

    def __init__(
        self, root: Path, *, lock_timeout: float | None = None, clock: Clock = system_clock
    ) -> None:
        self.root = Path(root)
        self.lock_timeout = resolve_lock_timeout(lock_timeout)
        self._clock = clock

    # -- layout ------------------------------------------------------------------------

    def layout(self, env_id: str) -> EnvLayout:
        """The paths of one environment (the id is checked for safety first)."""
        return EnvLayout(check_env_id(env_id), self.root / env_id)

    def env_dir(self, env_id: str) -> Path:
        """`<root>/<env_id>` after the EnvId and path-safety checks."""
        return self.layout(env_id).env_dir

    def revision_dir(self, env_id: str, revision_id: str) -> Path:
        """`<env>/revisions/<rid>`; the revision id must be a ULID."""
        return self.layout(env_id).revision_dir(revision_id)

    def delete_revision_files(self, env_id: str, revision_id: str) -> None:
        """Remove a revision's directory, and `revisions/` when that leaves it empty."""
        revision_dir = self.revision_dir(env_id, revision_id)
        shutil.rmtree(revision_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            revision_dir.parent.rmdir()  # only succeeds when nothing else is staged

    def read_env_relative(self, env_id: str, rel_path: str, field: str = "path") -> Path:
        """Resolve an env-relative reference that must exist and stay inside the env dir."""
        return contained_path(self.env_dir(env_id), rel_path, field)

    # -- reads (never locked) ----------------------------------------------------------

    def exists(self, env_id: str) -> bool:
        """Whether `environment.json` exists."""
        return self.layout(env_id).environment_json.exists()

    def load(self, env_id: str) -> Environment:
        """Load and validate; EnvNotFoundError, CorruptDocumentError or EnvIdMismatchError."""
        from greentic_deployer.store import loading

        return loading.load_environment(self.layout(env_id), self.root)

    def list_ids(self) -> builtins.list[str]:
        """Sorted safe env ids whose directory has an `environment.json` (not parsed)."""
        return sorted(
            name for name in self._safe_dir_names() if self.layout(name).environment_json.exists()
        )

    def list(self) -> builtins.list[Environment]:
        """Every environment that loads and validates, sorted by id; corrupt ones are skipped."""
        names = sorted(self._safe_dir_names())
        if not names:
            return []
        from greentic_deployer.store import loading

        envs = []
        for name in names:
            try:
                env = loading.load_environment_or_none(self.layout(name))
            except GreenticError:
                continue
            if env is not None:
                envs.append(env)
        return envs

    def _safe_dir_names(self) -> builtins.list[str]:
        try:
            with os.scandir(self.root) as entries:
                names = [e.name for e in entries if e.is_dir()]
        except FileNotFoundError:
            return []  # a store nothing was written to yet is empty
        except NotADirectoryError:
            # A root that is a file must not read as an empty store.
            raise StoreRootError.not_a_directory(self.root) from None
        safe = []
        for name in names:
            try:
                check_env_id(name)
            except InvalidArgumentError:
                continue
            safe.append(name)
        return safe

    def load_runtime(self, env_id: str) -> EnvironmentRuntime | None:
        """`runtime.json`, or None when absent."""
        from greentic_deployer.store import loading

        return loading.load_runtime(self.layout(env_id))

    def load_pack_answers(self, env_id: str, slot: CapabilitySlot | str) -> JsonValue | None:
        """`env-packs/<slot>/answers.json` (any JSON), or None when absent."""
        from greentic_deployer.store import loading

        return loading.load_json_or_none(self.layout(env_id).pack_answers(slot))

    # -- locking -----------------------------------------------------------------------

    @contextmanager
    def locked(self, env_id: str, *, create: bool = False) -> Iterator[LockedEnv]:
        """Hold the env lock; without `create` a missing env dir is EnvNotFoundError."""
        from greentic_deployer.store.handle import LockedEnv

        layout = self.layout(env_id)
        # Checked before locking so a typo never leaves an empty env dir behind.
        if not create and not layout.env_dir.is_dir():
            raise EnvNotFoundError.for_env(env_id, self.root)
        # Read per lock, so a changed `store.json` applies to the next write.
        retention = load_store_settings(self.root).backup_retention
        layout = dataclasses.replace(layout, backup_retention=retention)
        with hold_lock(layout.lock_file, self.lock_timeout, what=f"env {env_id}"):
            yield LockedEnv(layout, self.root, self._clock)

    # -- writes ------------------------------------------------------------------------

    def create(self, env: Environment) -> None:
        """Write a new environment; never overwrites one that exists (or is corrupt)."""
        env.validate()
        with self.locked(env.environment_id, create=True) as handle:
            if handle.load_or_none() is not None:
                raise EnvExistsError.for_env(env.environment_id)
            handle.save(env)

    def save(self, env: Environment) -> None:
        """Validate, lock, back up and write `env`, then refresh `runtime-config.json`."""
        env.validate()
        with self.locked(env.environment_id, create=True) as handle:
            handle.save(env)

    def transact(self, env_id: str, fn: Callable[[Environment], tuple[Environment, T]]) -> T:
        """Load → `fn` → validate → save under one lock; see `handle.run_transaction`."""
        from greentic_deployer.store.handle import run_transaction

        with self.locked(env_id) as handle:
            return run_transaction(handle, handle.load(), fn)

    def transact_keyed(
        self,
        env_id: str,
        claim: KeyClaim,
        fn: Callable[[Environment], tuple[Environment, T]],
        *,
        replay: Callable[[Environment, JsonValue], T],
        outcome: Callable[[T], JsonValue | None],
    ) -> T:
        """`transact` with a remembered idempotency key; see `handle.run_keyed_transaction`."""
        from greentic_deployer.store.handle import run_keyed_transaction

        with self.locked(env_id) as handle:
            return run_keyed_transaction(handle, claim, fn, replay, outcome)

    def key_record(self, env_id: str, scope: str, key: str) -> KeyRecord | None:
        """The remembered record of an idempotency key (an unlocked read), if any."""
        from greentic_deployer.store.idempotency import find_record

        return find_record(self.layout(env_id), scope, key)

    def transact_new(
        self, env_id: str, fn: Callable[[Environment | None], tuple[Environment, T]]
    ) -> T:
        """Like `transact`, but `fn` gets None when `environment.json` does not exist yet."""
        from greentic_deployer.store.handle import run_transaction

        with self.locked(env_id, create=True) as handle:
            return run_transaction(handle, handle.load_or_none(), fn)

    def refresh_runtime_config(self, env: Environment) -> RefreshOutcome:
        """Re-derive `runtime-config.json` from `env` under the env lock."""
        with self.locked(env.environment_id) as handle:
            return handle.refresh_runtime_config(env)

    def save_runtime(self, runtime: EnvironmentRuntime) -> None:
        """Back up and write `runtime.json` of an existing env."""
        with self.locked(runtime.environment_id) as handle:
            handle.save_runtime(runtime)

    def save_pack_answers(self, env_id: str, slot: CapabilitySlot | str, data: JsonValue) -> None:
        """Back up and write the slot's wizard answers."""
        with self.locked(env_id) as handle:
            handle.save_pack_answers(slot, data)

    def delete_pack_answers(self, env_id: str, slot: CapabilitySlot | str) -> None:
        """Back up and delete the slot's wizard answers (no-op when absent)."""
        with self.locked(env_id) as handle:
            handle.delete_pack_answers(slot)

    def append_audit(self, env_id: str, event: AuditEvent) -> None:
        """Append one audit line under the audit file's own lock (safe inside `transact`)."""
        from greentic_deployer.store.audit import append_audit_line

        append_audit_line(self.layout(env_id), event, self.lock_timeout)

    def retire(
        self,
        env_id: str,
        *,
        guard: Callable[[Environment], None] | None = None,
        audit: Callable[[], AuditEvent] | None = None,
    ) -> Path:
        """Move an environment's directory under `<root>/.retired/`; returns where.

        `guard` sees the loaded environment under the lock and may refuse by raising;
        `audit`'s event is appended to the moved directory's log, so the trail travels with it.
        """
        from greentic_deployer.store.audit import append_audit_line
        from greentic_deployer.store.retire import retire_env_dir

        with self.locked(env_id) as handle:
            env = handle.load()
            if guard is not None:
                guard(env)
            retired = retire_env_dir(handle.layout, self.root / RETIRED_DIR, self._clock())
        if audit is not None:
            append_audit_line(EnvLayout(env_id, retired), audit(), self.lock_timeout)
        return retired

    def snapshot(self, env_id: str) -> str:
        """Capture the tracked files under the env lock; returns the snapshot ULID."""
        with self.locked(env_id) as handle:
            return handle.snapshot()

    def restore(self, env_id: str, snapshot_id: str) -> None:
        """Restore a snapshot under the env lock and re-derive `runtime-config.json`."""
        with self.locked(env_id) as handle:
            handle.restore(snapshot_id)
