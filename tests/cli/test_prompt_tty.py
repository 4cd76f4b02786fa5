"""The confirmation prompt through the console script on a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import GTC, Cli
from tests.conftest import EXAMPLE_BUNDLE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def _read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    seen = b""
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_traffic_clear_on_a_terminal_asks_and_a_no_changes_nothing(
    local_env: Cli, tmp_path: Path
) -> None:
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    controller, terminal = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTIC_")}
    env["HOME"] = str(tmp_path / "home")
    argv = [
        str(GTC),
        "op",
        "traffic",
        "clear",
        "local",
        "--bundle",
        "hello",
        "--store-root",
        str(local_env.store_root),
    ]
    with subprocess.Popen(
        argv, stdin=terminal, stderr=terminal, stdout=subprocess.PIPE, env=env
    ) as proc:
        os.close(terminal)
        asked = _read_until(controller, b"[y/N]", time.monotonic() + 60)
        assert f"deployment {deployed['deployment_id']}".encode() in asked
        os.write(controller, b"n\n")
        rest = _read_until(controller, b"}}", time.monotonic() + 60)
        stdout, _ = proc.communicate(timeout=60)
    os.close(controller)
    assert proc.returncode == 1 and stdout == b""
    line = rest.decode().strip().splitlines()[-1]
    error = json.loads(line[line.index("{") :])["error"]
    assert error["kind"] == "invalid-argument" and "not confirmed" in error["message"]
    shown = local_env.ok("traffic", "show", "local", "--bundle", "hello")
    assert shown["entries"] == [{"revision_id": deployed["revision_id"], "weight_bps": 10000}]
