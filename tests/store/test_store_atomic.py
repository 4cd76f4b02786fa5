"""Atomic writes: a write that dies at any step leaves the old or the new document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from greentic_deployer.spec.serde import dumps_pretty
from greentic_deployer.store import atomic
from greentic_deployer.store.atomic import (
    WRITE_STEPS,
    atomic_write_json,
    atomic_write_text,
    durable_delete,
)
from greentic_deployer.store.errors import AtomicWriteError
from greentic_deployer.store.local import LocalFileStore

from .builders import make_env

# Steps after which the rename has happened: the target already holds the new content.
AFTER_RENAME = {"replaced", "dir-synced"}


class InjectedFault(Exception):
    """Raised by the fault hook to kill a write mid-way."""


def test_json_is_pretty_with_a_trailing_newline(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "doc.json"
    atomic_write_json(target, {"b": 1, "a": {"d": 2, "c": [3]}})
    expected = '{\n  "a": {\n    "c": [\n      3\n    ],\n    "d": 2\n  },\n  "b": 1\n}\n'
    assert target.read_text() == expected
    env = make_env()
    atomic_write_json(target, env)
    assert target.read_text() == dumps_pretty(env)
    assert list(target.parent.iterdir()) == [target]


@pytest.mark.parametrize("step", WRITE_STEPS)
def test_an_exception_at_any_step_leaves_old_or_new_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "doc.json"
    atomic_write_text(target, "old\n")
    reached: list[str] = []

    def hook(at: str, path: Path) -> None:
        reached.append(at)
        assert path == target
        if at == step:
            raise InjectedFault(at)

    monkeypatch.setattr(atomic, "fault_hook", hook)
    with pytest.raises(InjectedFault):
        atomic_write_text(target, "new\n")
    assert reached == list(WRITE_STEPS[: WRITE_STEPS.index(step) + 1])
    assert target.read_text() == ("new\n" if step in AFTER_RENAME else "old\n")
    assert [p.name for p in tmp_path.iterdir()] == ["doc.json"]


# Dies (no cleanup, like a power cut or SIGKILL) at one step of the environment.json write.
CRASH_CHILD = """
import os, sys
from pathlib import Path
from greentic_deployer.store import atomic
from greentic_deployer.store.local import LocalFileStore

root, step = Path(sys.argv[1]), sys.argv[2]

def hook(at, path):
    if path.name == "environment.json" and at == step:
        os._exit(9)

store = LocalFileStore(root)
env = store.load("staging")
atomic.fault_hook = hook
store.save(env.model_copy(update={"name": "New name"}))
"""


@pytest.mark.parametrize("step", WRITE_STEPS)
def test_a_process_dying_at_any_step_leaves_a_loadable_document(
    store: LocalFileStore, root: Path, step: str
) -> None:
    store.create(make_env(name="Old name"))
    done = subprocess.run(
        [sys.executable, "-c", CRASH_CHILD, str(root), step],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 9, done.stderr.decode()
    loaded = store.load("staging")
    assert loaded.name == ("New name" if step in AFTER_RENAME else "Old name")
    env_dir = root / "staging"
    strays = [p for p in env_dir.iterdir() if p.name.startswith(".tmp-")]
    assert bool(strays) is (step not in AFTER_RENAME)
    # A stray temp file is never taken for a document, and the next write works normally.
    assert [e.environment_id for e in store.list()] == ["staging"]
    store.transact("staging", lambda e: (e.model_copy(update={"name": "Next"}), None))
    assert store.load("staging").name == "Next"


def test_stray_temp_files_with_garbage_are_ignored(store: LocalFileStore, root: Path) -> None:
    store.create(make_env())
    (root / "staging" / ".tmp-environment.json.abc").write_text("{garbage")
    (root / ".tmp-stray").write_text("{garbage")
    assert store.load("staging").name == "Staging"
    assert [e.environment_id for e in store.list()] == ["staging"]


def test_os_errors_become_atomic_write_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AtomicWriteError) as caught:
        atomic_write_text(blocker / "doc.json", "data")
    assert caught.value.kind == "io"
    assert str(blocker / "doc.json") in str(caught.value)


def test_durable_delete(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    target.write_text("{}")
    assert durable_delete(target) is True
    assert not target.exists()
    assert durable_delete(target) is False
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x").write_text("")
    with pytest.raises(AtomicWriteError):
        durable_delete(tmp_path / "dir")


def test_pretty_json_keeps_unicode(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    atomic_write_json(target, {"name": "Zürich"})
    assert "Zürich" in target.read_text(encoding="utf-8")
    assert json.loads(target.read_text(encoding="utf-8")) == {"name": "Zürich"}
