"""The engine stays pure: no I/O, no clock, no imports beyond spec and a small stdlib set."""

from __future__ import annotations

import ast
from pathlib import Path

import greentic_deployer.engine as engine_pkg

ENGINE_DIR = Path(engine_pkg.__file__).parent
ALLOWED_MODULES = {
    "__future__",
    "collections.abc",
    "dataclasses",
    "datetime",
    "re",
    "typing",
    "pydantic",
}
FORBIDDEN_CALLS = {"open", "now", "utcnow", "today", "time", "monotonic", "sleep", "print"}


def _sources() -> list[Path]:
    files = sorted(ENGINE_DIR.glob("*.py"))
    assert len(files) >= 8
    return files


def test_engine_imports_only_spec_engine_and_pure_stdlib() -> None:
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                ok = (
                    name in ALLOWED_MODULES
                    or name.startswith("greentic_deployer.spec")
                    or name.startswith("greentic_deployer.engine")
                )
                assert ok, f"{path.name} imports {name}"


def test_engine_never_reads_the_clock_or_does_io() -> None:
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}()"
