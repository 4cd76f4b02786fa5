"""Per-environment exclusive OS file locks (flock via `filelock`)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.store.errors import LockTimeoutError

LOCK_TIMEOUT_ENV = "GREENTIC_STORE_LOCK_TIMEOUT_SECS"
DEFAULT_LOCK_TIMEOUT = 30.0
# filelock retries a contended flock by polling; its 50 ms default caps a busy env at about
# 20 commits per second, while a short interval costs only a cheap syscall per retry.
POLL_INTERVAL = 0.002


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


@contextmanager
def hold_lock(lock_file: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on `lock_file` (created on demand, never deleted) for the block."""
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
        lock.acquire()
    except Timeout as exc:
        raise LockTimeoutError.waiting_for(lock_file, timeout, LOCK_TIMEOUT_ENV) from exc
    try:
        yield
    finally:
        lock.release()
