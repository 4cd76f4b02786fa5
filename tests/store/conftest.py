"""Fixtures of the store tests: a store under a temp root and a stored environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from greentic_deployer.spec.clock import fixed_clock
from greentic_deployer.spec.environment import Environment
from greentic_deployer.store import atomic
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.locking import LOCK_TIMEOUT_ENV

from .builders import NOW, make_env


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test depends on the developer's lock-timeout setting or leaks a fault hook."""
    monkeypatch.delenv(LOCK_TIMEOUT_ENV, raising=False)
    monkeypatch.setattr(atomic, "fault_hook", None)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The store root (not created: the store must cope with that)."""
    return tmp_path / "environments"


@pytest.fixture
def store(root: Path) -> LocalFileStore:
    """A store with the real clock and a short lock timeout."""
    return LocalFileStore(root, lock_timeout=5.0)


@pytest.fixture
def fixed_store(root: Path) -> LocalFileStore:
    """A store whose clock never moves (deterministic backup names)."""
    return LocalFileStore(root, lock_timeout=5.0, clock=fixed_clock(NOW))


@pytest.fixture
def env(store: LocalFileStore) -> Environment:
    """A created `staging` environment."""
    created = make_env()
    store.create(created)
    return created
