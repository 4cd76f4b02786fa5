"""In-process use-case fixtures: a store in a temp dir and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from greentic_deployer.ops.context import OpContext
from greentic_deployer.spec.clock import fixed_clock
from greentic_deployer.store.local import LocalFileStore

MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ctx(tmp_path: Path) -> OpContext:
    """A fresh store and a clock that never moves."""
    return OpContext(store=LocalFileStore(tmp_path / "store"), clock=fixed_clock(MOMENT))
