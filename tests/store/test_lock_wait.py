"""A command waiting for an env lock says so, naming the pid that holds it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from greentic_deployer.store.errors import LockTimeoutError
from greentic_deployer.store.locking import hold_lock, lock_holder


def test_the_holder_records_its_pid_while_it_holds_the_lock(tmp_path: Path) -> None:
    lock_file = tmp_path / ".lock"
    with hold_lock(lock_file, 1.0):
        assert lock_holder(lock_file) == os.getpid()
    assert lock_holder(lock_file) is None  # released: nobody is named


def test_a_wait_past_the_threshold_announces_the_holder_then_proceeds(tmp_path: Path) -> None:
    lock_file = tmp_path / ".lock"
    notices: list[str] = []
    noticed = threading.Event()
    acquired = threading.Event()
    holder = FileLock(lock_file, preserve_lock_file=True)
    holder.acquire()
    lock_file.write_text("4242")  # what a holder in another process records

    def waiter() -> None:
        def notify(message: str) -> None:
            notices.append(message)
            noticed.set()

        with hold_lock(lock_file, 30.0, what="env prod", notice_after=0.0, notify=notify):
            acquired.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    assert noticed.wait(10)
    assert not acquired.is_set()
    holder.release()
    thread.join(10)
    assert acquired.is_set()
    assert notices == ["waiting for the lock on env prod (held by pid 4242)…"]


def test_a_short_wait_is_silent_and_a_timeout_still_fails(tmp_path: Path) -> None:
    lock_file = tmp_path / ".lock"
    notices: list[str] = []
    holder = FileLock(lock_file, preserve_lock_file=True)
    holder.acquire()
    try:
        with (
            pytest.raises(LockTimeoutError),
            hold_lock(lock_file, 0.01, notice_after=1.0, notify=notices.append),
        ):
            pass
    finally:
        holder.release()
    assert notices == []  # the whole wait was under the threshold
