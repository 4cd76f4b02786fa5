"""The per-env lock: timeouts, the override variable, and dead holders."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.store.errors import (
    EnvIdMismatchError,
    EnvNotFoundError,
    LockTimeoutError,
)
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.locking import (
    DEFAULT_LOCK_TIMEOUT,
    LOCK_TIMEOUT_ENV,
    resolve_lock_timeout,
)

from .builders import bump, counter, make_env

HOLDER = """
import sys, time
from pathlib import Path
from greentic_deployer.store.local import LocalFileStore

with LocalFileStore(Path(sys.argv[1])).locked("staging"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_timeout_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_lock_timeout(None) == DEFAULT_LOCK_TIMEOUT
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "2.5")
    assert resolve_lock_timeout(None) == 2.5
    assert resolve_lock_timeout(7) == 7
    assert LocalFileStore(Path("/nonexistent")).lock_timeout == 2.5
    for bad in ("soon", "-1", "inf", "nan"):
        monkeypatch.setenv(LOCK_TIMEOUT_ENV, bad)
        with pytest.raises(InvalidArgumentError) as caught:
            resolve_lock_timeout(None)
        assert caught.value.field == LOCK_TIMEOUT_ENV
    with pytest.raises(InvalidArgumentError):
        resolve_lock_timeout(-3)


def test_a_held_lock_times_out_with_an_actionable_error(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    impatient = LocalFileStore(root, lock_timeout=0.1)
    with store.locked("staging"):
        started = time.monotonic()
        with pytest.raises(LockTimeoutError) as caught:
            impatient.transact("staging", bump)
        assert time.monotonic() - started < 2
    message = str(caught.value)
    assert str(root / "staging" / ".lock") in message
    assert "0.1s" in message
    assert "retry" in message
    assert LOCK_TIMEOUT_ENV in message
    assert caught.value.kind == "store"
    # Once released, the same store goes through, and nothing was written meanwhile.
    assert impatient.transact("staging", bump) == 1


def test_a_killed_holder_never_blocks_the_next_command(store: LocalFileStore, root: Path) -> None:
    store.create(make_env())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeoutError):
            LocalFileStore(root, lock_timeout=0.1).transact("staging", bump)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    started = time.monotonic()
    assert store.transact("staging", bump) == 1
    assert time.monotonic() - started < 2
    assert counter(store.load("staging")) == 1
    # The lock file stays: waiters must always meet on the same inode.
    assert (root / "staging" / ".lock").exists()


def test_locked_handle_refuses_other_environments(store: LocalFileStore, env: Environment) -> None:
    store.create(make_env("other"))
    with store.locked("staging") as handle:
        with pytest.raises(EnvIdMismatchError) as caught:
            handle.save(make_env("other", name="Hijacked"))
        assert "staging" in str(caught.value)
        assert handle.env_id == "staging"
    assert store.load("other").name == "Staging"


def test_transact_on_a_missing_env_creates_no_directory(store: LocalFileStore, root: Path) -> None:
    with pytest.raises(EnvNotFoundError):
        store.transact("ghost", bump)
    assert not (root / "ghost").exists()
