"""Fixtures for env-pack tests: the bench environment, fresh registries, ports."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from greentic_deployer.packs.builtins import builtin_handlers
from greentic_deployer.packs.conformance import build_fixture
from greentic_deployer.packs.registry import EnvPackRegistry
from greentic_deployer.spec.environment import Environment


@pytest.fixture
def fixture_env() -> Environment:
    """The conformance bench's environment."""
    return build_fixture()


@pytest.fixture
def registry() -> EnvPackRegistry:
    """A fresh registry of the built-in handlers only (no entry points)."""
    return EnvPackRegistry(builtin_handlers())


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (chosen by the OS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def occupy() -> Iterator[Callable[[int], socket.socket]]:
    """Hold a listening socket on 127.0.0.1:<port> until the test ends."""
    held: list[socket.socket] = []

    def bind(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        held.append(sock)
        return sock

    yield bind
    for sock in held:
        sock.close()
