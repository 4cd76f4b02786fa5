"""Start-up budget guard: light commands must not import what only other verbs need.

Timing is too noisy for a test; the imported module set is exact, so these tests pin the
start-up work of `op env list`, `--help` and `op --help` (the budget line of `make bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

GTC = Path(sys.executable).parent / "gtc"

# Runs the CLI in-process and, at exit (after typer's SystemExit), reports sys.modules.
PROBE = """
import atexit, json, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from greentic_deployer.cli.main import run
sys.argv = ["gtc", *sys.argv[2:]]
run()
"""

# Wanted by no read-only verb: YAML/SquashFS readers, the cluster client, the emulator's
# server and HTTP clients, rich (text output and help only), filelock (writes only), and
# semantic_version (reads package metadata at import).
THIRD_PARTY = (
    "rich",
    "yaml",
    "PySquashfsImage",
    "lightkube",
    "httpx",
    "httpx2",
    "uvicorn",
    "filelock",
    "semantic_version",
)
# The write path (audit chain, payload models), packs, bundles and the other nouns.
OWN = (
    "greentic_deployer.ops.audit",
    "greentic_deployer.ops.env",
    "greentic_deployer.ops.payloads",
    "greentic_deployer.packs",
    "greentic_deployer.bundle",
    "greentic_deployer.engine.k8s",
    "greentic_deployer.testing",
    "greentic_deployer.cli.bundles",
    "greentic_deployer.cli.env_packs",
    "greentic_deployer.cli.revisions",
    "greentic_deployer.cli.traffic",
    "greentic_deployer.cli.credentials",
    "greentic_deployer.cli.text",
)


def imported(tmp_path: Path, *args: str) -> set[str]:
    """Every module a `gtc *args` run had imported when it exited."""
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k != "GREENTIC_STORE_ROOT"}
    subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        timeout=60,
        check=False,
    )
    modules: list[str] = json.loads(out.read_text())
    return set(modules)


def loaded_from(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """Members of `modules` that are one of `packages` or inside one."""
    return sorted(m for m in modules for p in packages if m == p or m.startswith(p + "."))


# What only reading or writing a document needs: pydantic and the models built on it, the
# loaders, python-ulid (reads its package metadata at import) and typer's pydantic adapters.
DOCUMENT_PATH = (
    "pydantic",
    "pydantic_core",
    "ulid",
    "importlib.metadata",
    "typer._adapters",
    "greentic_deployer.spec.documents",
    "greentic_deployer.spec.environment",
    "greentic_deployer.store.loading",
    "greentic_deployer.store.handle",
    "greentic_deployer.store.protocol",
)


def test_env_list_on_an_empty_store_imports_no_document_machinery(tmp_path: Path) -> None:
    """Regression: `op env list` imported pydantic, typer's adapters and every document model
    before it found there was nothing to read (the start-up budget of `make bench`)."""
    modules = imported(tmp_path, "op", "env", "list", "--store-root", str(tmp_path / "store"))
    assert "greentic_deployer.store.local" in modules  # the probe really ran the verb
    assert loaded_from(modules, THIRD_PARTY + OWN + DOCUMENT_PATH) == []


def test_env_list_of_a_store_imports_no_heavy_or_write_path_module(tmp_path: Path) -> None:
    """Regression: `op env list` imported the audit chain and every noun."""
    store = tmp_path / "store"
    subprocess.run(
        [str(GTC), "op", "env", "init", "--store-root", str(store)],
        capture_output=True,
        timeout=60,
        check=True,
    )
    modules = imported(tmp_path, "op", "env", "list", "--store-root", str(store))
    assert "greentic_deployer.spec.environment" in modules  # it read the document
    # Validating the env-pack versions of a document takes semantic_version.
    unwanted = tuple(p for p in THIRD_PARTY if p != "semantic_version") + OWN
    assert loaded_from(modules, unwanted) == []
    assert "typer._adapters" not in modules  # options never go through pydantic adapters


def test_env_list_builds_no_document_schema(tmp_path: Path) -> None:
    """Regression: document models built their pydantic core schema at import (defer_build)."""
    code = (
        "from greentic_deployer.spec.environment import Environment;"
        "from greentic_deployer.spec.documents import EnvironmentRuntime;"
        "from greentic_deployer.ops.payloads import CreateEnvPayload;"
        "print(Environment.__pydantic_complete__, EnvironmentRuntime.__pydantic_complete__,"
        " CreateEnvPayload.__pydantic_complete__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "False", "False"]


def test_help_imports_neither_pydantic_nor_any_noun_handler(tmp_path: Path) -> None:
    """Regression: `--help` imported pydantic through the verb table and every noun module."""
    modules = imported(tmp_path, "--help")
    assert "rich" in modules  # help is the one place rich formats at start-up
    assert (
        loaded_from(modules, ("pydantic", "greentic_deployer.ops", "greentic_deployer.store")) == []
    )
    assert loaded_from(modules, THIRD_PARTY[1:] + OWN[:-1]) == []


def test_op_help_lists_every_noun_without_the_ops_layer(tmp_path: Path) -> None:
    """Regression: building nouns on demand must still list them all under `op --help`."""
    modules = imported(tmp_path, "op", "--help")
    assert {f"greentic_deployer.cli.{m}" for m in ("env", "traffic", "credentials")} <= modules
    assert loaded_from(modules, ("greentic_deployer.ops", "greentic_deployer.store")) == []
