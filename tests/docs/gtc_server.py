"""A fork server for the docs replay: one warm interpreter, one forked child per `gtc` call.

Starting `gtc` costs a second of imports on a loaded machine; the docs run a few hundred
commands. The server imports the CLI once and forks a child per call. The child takes over
the caller's stdin/stdout/stderr (passed as file descriptors), working directory,
environment and argv, runs the same `run()` the console script runs, and reports the exit
status. `GTC_DOCS_REAL=1` makes the replay call the installed console script instead.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pkgutil
import signal
import socket
import struct
import sys
from pathlib import Path

# The shim the replay puts on PATH as `gtc`: stdlib only, started isolated (-I) and without
# site (-S) so it starts in milliseconds.
SHIM = """\
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect({socket_path!r})
body = json.dumps({{"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)}}).encode()
socket.send_fds(s, [struct.pack("!I", len(body)) + body], [0, 1, 2])
status = b""
while len(status) < 4:
    chunk = s.recv(4 - len(status))
    if not chunk:
        sys.exit(70)
    status += chunk
sys.exit(struct.unpack("!i", status)[0])
"""


def write_shim(bin_dir: Path, socket_path: Path) -> Path:
    """Write the `gtc` shim that forwards to the server at `socket_path`."""
    shim = bin_dir / "gtc"
    shim.write_text(f"#!{sys.executable} -IS\n" + SHIM.format(socket_path=str(socket_path)))
    shim.chmod(0o755)
    return shim


def _receive(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    """Read one request: a length-prefixed JSON body and the caller's three descriptors."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    (length,) = struct.unpack("!I", data[:4])
    body = data[4:]
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise EOFError("request truncated")
        body += chunk
    return json.loads(body), list(fds)


def _serve_one(conn: socket.socket) -> None:
    """In the forked child: become the caller's `gtc` process and run the CLI once."""
    from greentic_deployer.cli.main import run

    request, fds = _receive(conn)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    env = request["env"]
    assert isinstance(env, dict)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in env.items()})
    # A fresh interpreter would put $PYTHONPATH first on sys.path (entry points live there).
    extra = [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[1:1] = extra
    argv = request["argv"]
    assert isinstance(argv, list)
    sys.argv = [str(a) for a in argv]
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # the real console script would print this traceback and exit 1
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    conn.sendall(struct.pack("!i", code))
    os._exit(0)


def _warm_imports() -> None:
    """Import every module a verb may import lazily, so no child pays for it."""
    import greentic_deployer

    for module in pkgutil.walk_packages(greentic_deployer.__path__, "greentic_deployer."):
        importlib.import_module(module.name)
    for name in ("rich.console", "rich.table", "typer.rich_utils", "yaml"):
        importlib.import_module(name)
    _build_command_tree_once()


def _build_command_tree_once() -> None:
    """Typer rebuilds the click command tree from signatures on every call (~0.15 s); build
    it once here so every child reuses it. Parsing and running are untouched."""
    import typer.main

    from greentic_deployer.cli.main import app

    build = typer.main.get_command
    built: dict[int, object] = {}

    def get_command(typer_instance: typer.Typer) -> object:
        key = id(typer_instance)
        if key not in built:
            built[key] = build(typer_instance)
        return built[key]

    typer.main.get_command = get_command  # type: ignore[assignment]
    get_command(app)


def serve(socket_path: Path) -> None:
    """Accept calls forever; each is served by a fresh fork of this warm interpreter."""
    _warm_imports()
    # Children are short-lived: keep the collector from touching (and so copying) every
    # page inherited from this parent.
    gc.freeze()
    gc.disable()

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    server.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            try:
                _serve_one(conn)
            finally:
                os._exit(70)
        conn.close()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
