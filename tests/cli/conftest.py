"""Run the installed console script in a subprocess against a temp store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GTC = Path(sys.executable).parent / "gtc"


@dataclass
class Run:
    """One CLI invocation's outcome."""

    code: int
    stdout: str
    stderr: str

    @property
    def result(self) -> Any:
        """The success envelope's `result` (asserts the envelope shape)."""
        assert self.code == 0, f"exit {self.code}: {self.stderr}"
        lines = self.stdout.splitlines()
        assert len(lines) == 1, self.stdout
        envelope = json.loads(lines[0])
        assert set(envelope) == {"op", "noun", "result"}
        return envelope["result"]

    @property
    def error(self) -> dict[str, str]:
        """The failure envelope's `error` (asserts exit 1, empty stdout, one stderr line)."""
        assert self.code == 1, f"exit {self.code}: {self.stdout} {self.stderr}"
        assert self.stdout == ""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, self.stderr
        envelope = json.loads(lines[0])
        assert set(envelope) == {"op", "noun", "error"}
        assert set(envelope["error"]) == {"kind", "message"}
        return dict(envelope["error"])


class Cli:
    """`gtc` bound to one store root."""

    def __init__(self, store_root: Path, cwd: Path) -> None:
        self.store_root = store_root
        self.cwd = cwd

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        store: bool = True,
        extra_env: dict[str, str] | None = None,
        op: bool = True,
    ) -> Run:
        """Run `gtc op <args>`; `--store-root` is appended after the verb (a global flag)."""
        argv = [str(GTC), *(["op"] if op else []), *args]
        if store:
            argv += ["--store-root", str(self.store_root)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTIC_")}
        env.update(extra_env or {})
        # A store under HOME must never be touched, even if --store-root were ignored.
        env["HOME"] = str(self.cwd / "home")
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=env,
            input=stdin,
            timeout=120,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str) -> Any:
        """Run and return the success result."""
        return self(*args).result

    def fail(self, *args: str) -> dict[str, str]:
        """Run and return the failure error object."""
        return self(*args).error


@pytest.fixture
def gtc(tmp_path: Path) -> Cli:
    """A CLI runner with a fresh store root."""
    assert GTC.exists(), f"console script not installed at {GTC}"
    return Cli(tmp_path / "store", tmp_path)


@pytest.fixture
def local_env(gtc: Cli) -> Cli:
    """A store with `local` initialised."""
    assert gtc.ok("env", "init")["outcome"] == "created"
    return gtc
