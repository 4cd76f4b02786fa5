"""Pytest plugin for env-pack authors: `conformance` and `conformance_fixture_env` fixtures.

Installed with greentic-deployer (entry point `pytest11`), so a pack's test suite needs no
conftest wiring:

    async def test_my_deployer_is_conformant(conformance):
        await conformance(MyDeployer())

The bench is imported lazily, inside the fixtures, so merely having the plugin installed
costs every pytest run nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from greentic_deployer.packs.conformance import ConformanceReport
    from greentic_deployer.spec.environment import Environment

ConformanceRunner = Callable[..., Awaitable["ConformanceReport"]]


@pytest.fixture
def conformance() -> ConformanceRunner:
    """`await conformance(deployer, answers=None)` runs the bench and asserts it passed."""
    from greentic_deployer.packs.conformance import assert_conformant

    async def run(deployer: Any, *, answers: dict[str, Any] | None = None) -> ConformanceReport:
        return await assert_conformant(deployer, answers=answers)

    return run


@pytest.fixture
def conformance_fixture_env() -> Environment:
    """A fresh copy of the bench's fixed environment (env `conformance`, two deployments)."""
    from greentic_deployer.packs.conformance import build_fixture

    return build_fixture()
