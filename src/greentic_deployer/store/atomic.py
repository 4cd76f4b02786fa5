"""Crash-safe file replacement: temp file, fsync, rename, fsync the directory."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import JsonValue

from greentic_deployer.spec.serde import SpecModel, dumps_pretty, sort_json
from greentic_deployer.store.errors import AtomicWriteError
from greentic_deployer.store.paths import TEMP_PREFIX

# Step names passed to `fault_hook`, in the order an atomic write reaches them.
WRITE_STEPS = ("temp-created", "written", "flushed", "file-synced", "replaced", "dir-synced")

FaultHook = Callable[[str, Path], None]
# Test seam: called as `fault_hook(step, target)` after each step; raising (or exiting the
# process) there simulates a write that dies at that point.
fault_hook: FaultHook | None = None


def _reached(step: str, target: Path) -> None:
    if fault_hook is not None:
        fault_hook(step, target)


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable (no-op where directories cannot be opened)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so readers see either the old or the new content, never a mix."""
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", dir=directory)
    except OSError as exc:
        raise AtomicWriteError.during("create a temporary file for", path, exc) from exc
    temp = Path(temp_name)
    replaced = False
    try:
        with os.fdopen(fd, "wb") as handle:
            _reached("temp-created", path)
            handle.write(data)
            _reached("written", path)
            handle.flush()
            _reached("flushed", path)
            os.fsync(handle.fileno())
            _reached("file-synced", path)
        os.replace(temp, path)
        replaced = True
        _reached("replaced", path)
        fsync_dir(directory)
        _reached("dir-synced", path)
    except OSError as exc:
        raise AtomicWriteError.during("write", path, exc) from exc
    finally:
        if not replaced:
            with contextlib.suppress(OSError):
                temp.unlink()


def atomic_write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def pretty_json(value: SpecModel | JsonValue) -> str:
    """The store's on-disk JSON form: pretty, maps sorted, trailing newline."""
    if isinstance(value, SpecModel):
        return dumps_pretty(value)
    return json.dumps(sort_json(value), indent=2, ensure_ascii=False) + "\n"


def atomic_write_json(path: Path, value: SpecModel | JsonValue) -> None:
    """Atomically write a spec document or plain JSON value in the store's pretty form."""
    atomic_write_text(path, pretty_json(value))


def durable_delete(path: Path) -> bool:
    """Unlink `path` and fsync its directory; False when it was already absent."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise AtomicWriteError.during("delete", path, exc) from exc
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise AtomicWriteError.during("sync the directory of", path, exc) from exc
    return True
