"""Per-environment exclusive OS file locks (flock via `filelock`)."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.store.errors import LockTimeoutError

if TYPE_CHECKING:
    from filelock import FileLock

LOCK_TIMEOUT_ENV = "GREENTIC_STORE_LOCK_TIMEOUT_SECS"
DEFAULT_LOCK_TIMEOUT = 30.0
# filelock retries a contended flock by polling; its 50 ms default caps a busy env at about
# 20 commits per second, while a short interval costs only a cheap syscall per retry.
POLL_INTERVAL = 0.002
# How long a command waits in silence before it says whose lock it is waiting for.
NOTICE_AFTER = 1.0


def resolve_lock_timeout(explicit: float | None) -> float:
    """An explicit timeout wins, then $GREENTIC_STORE_LOCK_TIMEOUT_SECS, then 30 s."""
    if explicit is not None:
        return _check_timeout(explicit, "lock_timeout", explicit)
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidArgumentError(
            LOCK_TIMEOUT_ENV, "must be a number of seconds (e.g. 30 or 2.5)", raw
        ) from exc
    return _check_timeout(value, LOCK_TIMEOUT_ENV, raw)


def _check_timeout(value: float, field: str, shown: object) -> float:
    # A negative or infinite wait would let one stuck command hang every other one forever.
    if not math.isfinite(value) or value < 0:
        raise InvalidArgumentError(field, "must be a finite number of seconds ≥ 0", shown)
    return value


def _to_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def lock_holder(lock_file: Path) -> int | None:
    """The pid the current holder wrote into the lock file, if it is readable."""
    try:
        text = lock_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _write_holder(lock_file: Path, pid: int | None) -> None:
    # filelock never truncates the lock file, so waiters can read who holds it; best effort.
    try:
        fd = os.open(lock_file, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return
    try:
        os.ftruncate(fd, 0)
        if pid is not None:
            os.write(fd, str(pid).encode("ascii"))
    except OSError:
        pass
    finally:
        os.close(fd)


def _acquire(
    lock: FileLock,
    lock_file: Path,
    timeout: float,
    what: str,
    notice_after: float,
    notify: Callable[[str], None],
) -> None:
    """Acquire within `timeout`; after `notice_after` seconds of waiting, say who holds it."""
    from filelock import Timeout

    first = min(timeout, notice_after)
    try:
        lock.acquire(timeout=first)
        return
    except Timeout:
        if timeout <= notice_after:
            raise
    holder = lock_holder(lock_file)
    held_by = f" (held by pid {holder})" if holder is not None else ""
    notify(f"waiting for the lock on {what}{held_by}…")
    lock.acquire(timeout=timeout - first)


@contextmanager
def hold_lock(
    lock_file: Path,
    timeout: float,
    *,
    what: str | None = None,
    notice_after: float = NOTICE_AFTER,
    notify: Callable[[str], None] = _to_stderr,
) -> Iterator[None]:
    """Hold an exclusive flock on `lock_file` (created on demand, never deleted) for the block.

    A wait longer than `notice_after` seconds is announced once through `notify` (stderr by
    default), naming `what` is locked and the pid the holder recorded in the lock file.
    """
    # Imported on use: read-only verbs (`env list`, `show`) never lock, and filelock's import
    # (asyncio, threading helpers) is a noticeable share of the CLI's start-up.
    from filelock import FileLock, Timeout

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # flock is released by the kernel when the holder dies, so a killed command never blocks the
    # next one; preserve_lock_file keeps waiters on one inode and rules out the marker-file
    # fallback, whose stale markers would outlive a dead holder.
    lock = FileLock(
        lock_file, timeout=timeout, poll_interval=POLL_INTERVAL, preserve_lock_file=True
    )
    try:
        _acquire(lock, lock_file, timeout, what or str(lock_file), notice_after, notify)
    except Timeout as exc:
        raise LockTimeoutError.waiting_for(lock_file, timeout, LOCK_TIMEOUT_ENV) from exc
    _write_holder(lock_file, os.getpid())
    try:
        yield
    finally:
        _write_holder(lock_file, None)
        lock.release()
