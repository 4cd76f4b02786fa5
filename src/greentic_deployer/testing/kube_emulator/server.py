"""Serving the emulator over HTTP with uvicorn, and the kubeconfig that points at it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from greentic_deployer.testing.kube_emulator.app import DROP_EXTENSION, KubeEmulator

STARTUP_TIMEOUT_SECS = 10.0
STOP_TIMEOUT_SECS = 5.0


@dataclass
class RunningEmulator:
    """An emulator served on 127.0.0.1, and the kubeconfig written for it."""

    emulator: KubeEmulator
    url: str
    kubeconfig: Path
    token: str | None


def kubeconfig_document(url: str, token: str | None) -> dict[str, Any]:
    """A kubeconfig with cluster, context and user all named `emulator`."""
    user: dict[str, Any] = {"token": token} if token is not None else {}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "emulator", "cluster": {"server": url}}],
        "users": [{"name": "emulator", "user": user}],
        "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator"}}],
        "current-context": "emulator",
        "preferences": {},
    }


def write_kubeconfig(path: Path, url: str, token: str | None) -> Path:
    """Write the kubeconfig (owner-only: it may hold a token) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig_document(url, token), sort_keys=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0 = any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def make_server(emulator: KubeEmulator, sock: socket.socket) -> Any:
    """A uvicorn server for the emulator whose connections can be dropped on request."""
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class DroppableH11(H11Protocol):
        """h11 protocol that offers the app a way to abort the connection without answering."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            inner = self.app

            async def app(scope: Any, receive: Any, send: Any) -> None:
                await inner({**scope, DROP_EXTENSION: transport.abort}, receive, send)

            self.app = app

    class EmulatorServer(uvicorn.Server):
        """Ends open watches at once on a stop, and treats SIGINT/SIGTERM as a clean exit."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            # Not re-raised after shutdown (uvicorn's default): a requested stop is success.
            emulator.close()
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            else:
                self.should_exit = True

    port = sock.getsockname()[1]
    emulator.server_address = f"127.0.0.1:{port}"
    config = uvicorn.Config(
        emulator.app,
        http=DroppableH11,
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
        ws="none",
        interface="asgi3",
        proxy_headers=False,
    )
    return EmulatorServer(config)


@contextlib.contextmanager
def run_emulator(
    directory: Path, *, token: str | None = None, port: int = 0, **kwargs: Any
) -> Iterator[RunningEmulator]:
    """Serve a new KubeEmulator on 127.0.0.1 in a background thread; write <directory>/kubeconfig.

    `kwargs` go to KubeEmulator. The kubeconfig carries `token`, or the first configured
    token when tokens are given and `token` is not.
    """
    emulator = KubeEmulator(**kwargs)
    tokens = kwargs.get("tokens")
    if token is None and tokens:
        token = next(iter(tokens))
    sock = bind(port)
    server = make_server(emulator, sock)
    url = f"http://{emulator.server_address}"
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=serve, name="kube-emulator", daemon=True)
    thread.start()
    # uvicorn offers no start-up callback: poll its flag, briefly and with a bound.
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECS
    pause = threading.Event()
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        pause.wait(0.005)
    if not server.started:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_SECS)
        sock.close()
        raise RuntimeError(
            f"the kube emulator did not start: {failure[0] if failure else 'unknown'}"
        )
    try:
        kubeconfig = write_kubeconfig(Path(directory) / "kubeconfig", url, token)
        yield RunningEmulator(emulator, url, kubeconfig, token)
    finally:
        emulator.close()
        server.should_exit = True
        thread.join(STOP_TIMEOUT_SECS)
        sock.close()


async def serve_forever(emulator: KubeEmulator, sock: socket.socket) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn installs the handlers), then stop cleanly."""
    server = make_server(emulator, sock)
    try:
        await server.serve(sockets=[sock])
    finally:
        emulator.close()
