"""Errors of the environment store, each with the CLI error kind it surfaces as.

Like every GreenticError they take a finished message; the classmethods build the store's
standard messages from structured data and keep that data on the instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from greentic_deployer.spec.errors import (
    ConflictError,
    GreenticError,
    InvalidArgumentError,
    NotFoundError,
)


class StoreError(GreenticError):
    """A failure inside the environment store."""

    kind = "store"


class EnvNotFoundError(NotFoundError):
    """The environment has no `environment.json` under the store root."""

    env_id: str | None = None

    @classmethod
    def for_env(cls, env_id: str, root: Path) -> Self:
        """The standard message, naming the root (the CLI adds the way out)."""
        error = cls(f"environment `{env_id}` not found under {root}")
        error.env_id = env_id
        return error


class UnsafeEnvIdError(InvalidArgumentError):
    """An environment id that is not a single safe path segment."""

    def __init__(self, env_id: str, rule: str | None = None) -> None:
        super().__init__(
            "environment_id",
            rule
            or "must be a single path segment (not empty, '.' or '..'; "
            "no '/', '\\', ':' or NUL characters)",
            env_id,
        )


class StoreRootError(StoreError):
    """The store root exists but is not a directory (a regular file, FIFO, …)."""

    root: Path | None = None

    @classmethod
    def not_a_directory(cls, root: Path) -> Self:
        """Names the root and the way out."""
        error = cls(
            f"store root {root} is not a directory; pass a directory with --store-root "
            "(or GREENTIC_STORE_ROOT)"
        )
        error.root = root
        return error


class EnvIdMismatchError(StoreError):
    """A document names a different environment than the one it is stored under or saved to."""

    expected: str | None = None
    actual: str | None = None

    @classmethod
    def between(cls, expected: str, actual: str, where: str) -> Self:
        """`<where>: environment id `actual` does not match environment `expected``."""
        error = cls(f"{where}: environment id `{actual}` does not match environment `{expected}`")
        error.expected = expected
        error.actual = actual
        return error


class CorruptDocumentError(StoreError):
    """A stored document could not be read, parsed or validated; it is never overwritten."""

    path: Path | None = None

    @classmethod
    def at(cls, path: Path, problem: str) -> Self:
        """Names the file, the problem, and how to recover."""
        error = cls(
            f"{path} is unreadable or invalid: {problem}; the file was left untouched "
            "(repair it by hand or copy a pre-image back from the backups/ directory)"
        )
        error.path = path
        return error


class EnvExistsError(ConflictError):
    """`create` refuses to overwrite an environment that already loads."""

    @classmethod
    def for_env(cls, env_id: str) -> Self:
        """`environment `x` already exists`."""
        return cls(f"environment `{env_id}` already exists")


class LockTimeoutError(StoreError):
    """Another process held a store lock for longer than the timeout."""

    lock_file: Path | None = None

    @classmethod
    def waiting_for(cls, lock_file: Path, waited: float, env_var: str) -> Self:
        """Names the lock file, how long we waited, and what to do."""
        error = cls(
            f"timed out after {waited:g}s waiting for the lock {lock_file}: another command is "
            "still changing this environment; wait for it to finish and retry, or raise "
            f"{env_var}"
        )
        error.lock_file = lock_file
        return error


class AtomicWriteError(StoreError):
    """A write, rename or delete of a stored file failed at the OS level."""

    kind = "io"
    path: Path | None = None

    @classmethod
    def during(cls, action: str, path: Path, cause: OSError) -> Self:
        """`could not <action> <path>: <OS reason>`."""
        error = cls(f"could not {action} {path}: {cause.strerror or cause}")
        error.path = path
        return error


class BackupCollisionError(StoreError):
    """Every candidate backup name for one instant was already taken."""

    @classmethod
    def exhausted(cls, path: Path, backup_dir: Path, attempts: int) -> Self:
        """Names the file, the backup directory and the attempts made."""
        return cls(
            f"could not reserve a backup name for {path.name} in {backup_dir} "
            f"after {attempts} attempts; remove stale backups and retry"
        )


class CommittedAfterSaveError(StoreError):
    """The new state was persisted, but a later step (e.g. the runtime-config refresh) failed."""

    def __init__(self, inner: BaseException) -> None:
        super().__init__(f"changes were saved, but a follow-up step failed: {inner}")
        self.inner = inner


class AuditError(GreenticError):
    """The audit event could not be appended."""

    kind = "audit"


class SnapshotNotFoundError(NotFoundError):
    """No snapshot with a manifest exists under that id."""

    @classmethod
    def for_snapshot(cls, env_id: str, snapshot_id: str) -> Self:
        """Names the snapshot and the environment."""
        return cls(
            f"snapshot `{snapshot_id}` of environment `{env_id}` not found "
            "(no snapshots/<id>/manifest.json)"
        )
