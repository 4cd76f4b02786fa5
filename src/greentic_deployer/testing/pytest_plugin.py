"""Pytest plugin for env-pack authors: conformance fixtures and the Kubernetes API emulator.

Installed with greentic-deployer (entry point `pytest11`), so a pack's test suite needs no
conftest wiring:

    async def test_my_deployer_is_conformant(conformance):
        await conformance(MyDeployer())

`kube_emulator` serves a KubeEmulator over HTTP and writes a kubeconfig;
`kube_emulator_app` is the same emulator in-process. The bench and the emulator are
imported lazily, inside the fixtures, so merely having the plugin installed costs every
pytest run nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from greentic_deployer.packs.conformance import ConformanceReport
    from greentic_deployer.spec.environment import Environment
    from greentic_deployer.testing.kube_emulator import KubeEmulator, RunningEmulator

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


@pytest.fixture
def kube_emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    """A Kubernetes API emulator on 127.0.0.1 (random port) with `<tmp_path>/kubeconfig`."""
    from greentic_deployer.testing.kube_emulator import run_emulator

    with run_emulator(tmp_path) as running:
        yield running


@pytest.fixture
def kube_emulator_app() -> KubeEmulator:
    """An in-process emulator: drive `.app` through `httpx.ASGITransport` (no port)."""
    from greentic_deployer.testing.kube_emulator import KubeEmulator

    return KubeEmulator()
