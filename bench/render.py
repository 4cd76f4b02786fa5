"""Render: 1,000 present revisions → 2,012 objects, deterministic, no API calls, linear."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.fixtures import make_env
from bench.report import Row, Settings, fmt_bytes, fmt_seconds, median_seconds, ratio
from greentic_deployer.packs.k8s.render import ENV_LEVEL_OBJECTS, render_environment
from greentic_deployer.spec.serde import dumps_compact

BENCH = "render (k8s)"
LARGE = 1000
SMALL = 100
NETWORK_MODULES = (
    "lightkube",
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "urllib3",
    "ssl",
    "http.client",
)


def _is_network_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)


class SocketGuard:
    """Counts (and refuses) every socket the renderer tries to create or resolve."""

    def __init__(self) -> None:
        self.attempts = 0

    @contextmanager
    def active(self) -> Iterator[None]:
        """Patch socket.socket, create_connection and getaddrinfo for the duration."""
        guard = self
        originals = (socket.socket, socket.create_connection, socket.getaddrinfo)

        class GuardedSocket(socket.socket):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                guard.attempts += 1
                raise RuntimeError("bench: the renderer opened a socket")

        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            guard.attempts += 1
            raise RuntimeError("bench: the renderer tried to reach the network")

        socket.socket = GuardedSocket  # type: ignore[misc]
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        try:
            yield
        finally:
            socket.socket, socket.create_connection, socket.getaddrinfo = originals  # type: ignore[misc]


def _differing(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> int:
    if len(first) != len(second):
        return abs(len(first) - len(second)) + min(len(first), len(second))
    return sum(json.dumps(a) != json.dumps(b) for a, b in zip(first, second, strict=True))


def _network_modules_of_import() -> int:
    """Network-client modules a fresh interpreter loads with the renderer (want 0)."""
    code = (
        "import sys, json; import greentic_deployer.packs.k8s.render; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return sum(_is_network_module(m) for m in json.loads(done.stdout))


def run(settings: Settings) -> list[Row]:
    """Counts, linearity, determinism, no-network proof and memory of one large render."""
    reps = settings.reps
    large = make_env(LARGE)
    small = make_env(SMALL)
    with_secrets = make_env(LARGE, secrets_binding=True)

    def render(env: Any) -> Callable[[], list[dict[str, Any]]]:
        return lambda: render_environment(env, None)

    render(large)()  # warm-up
    guard = SocketGuard()
    modules_before = set(sys.modules)
    with guard.active():
        first = render_environment(large, None)
        second = render_environment(large, None)
        secrets_count = len(render_environment(with_secrets, None))
    new_network = [m for m in set(sys.modules) - modules_before if _is_network_module(m)]
    fresh_network = _network_modules_of_import()
    large_s = median_seconds(render(large), reps)
    small_s = median_seconds(render(small), reps)
    large_paused = median_seconds(render(large), reps, gc_paused=True)
    small_paused = median_seconds(render(small), reps, gc_paused=True)
    small_count = len(render_environment(small, None))
    expected = ENV_LEVEL_OBJECTS + 2 * LARGE
    differing = _differing(first, second)
    env_bytes = len(dumps_compact(large))
    tracemalloc.start()
    try:
        kept = render_environment(large, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    api_calls = guard.attempts + len(new_network) + fresh_network
    return [
        Row(
            BENCH,
            f"objects, {LARGE} ready revisions, no secrets binding",
            f"{len(first):,}",
            f"expected {expected:,} ({'ok' if len(first) == expected else 'MISMATCH'}); "
            f"with a dev-store secrets binding: {secrets_count:,}",
        ),
        Row(
            BENCH,
            f"{LARGE} vs {SMALL} revisions (time ratio)",
            ratio(large_s, small_s),
            f"{fmt_seconds(large_s)} vs {fmt_seconds(small_s)} ({small_count} objects), "
            f"median of {reps}; linear ≈ {ratio(len(first), small_count)} by object count",
        ),
        Row(
            BENCH,
            f"{LARGE} vs {SMALL} revisions (time ratio, collector paused)",
            ratio(large_paused, small_paused),
            f"{fmt_seconds(large_paused)} vs {fmt_seconds(small_paused)}: the renderer alone, "
            "without CPython's heap-size-dependent gen-2 collections",
        ),
        Row(
            BENCH,
            f"throughput, {LARGE} revisions",
            f"{len(first) / large_s:,.0f} objects/s",
            f"{fmt_seconds(large_s)} per render",
        ),
        Row(
            BENCH,
            "determinism: objects differing between two renders (json.dumps)",
            f"{differing}",
            "deterministic: yes" if differing == 0 else "deterministic: NO",
        ),
        Row(
            BENCH,
            "API calls during render",
            f"{api_calls}",
            f"sockets attempted {guard.attempts}; network-client modules loaded by the render "
            f"{len(new_network)}, by importing the renderer {fresh_network}",
        ),
        Row(
            BENCH,
            f"tracemalloc peak ÷ compact environment JSON ({LARGE} revisions)",
            ratio(peak, env_bytes),
            f"peak {fmt_bytes(peak)} vs {fmt_bytes(env_bytes)} of JSON",
        ),
    ]
