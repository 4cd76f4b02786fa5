"""Ops reach the store only through `EnvironmentStore`, which the local store implements."""

from __future__ import annotations

import ast
from pathlib import Path

import greentic_deployer.ops
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.protocol import EnvironmentStore

OPS_DIR = Path(greentic_deployer.ops.__file__).parent


def protocol_members() -> set[str]:
    """The names `EnvironmentStore` declares."""
    return {name for name in vars(EnvironmentStore) if not name.startswith("_")}


def store_members_used_by_ops() -> dict[str, set[str]]:
    """`<name>.store.<member>` attribute reads in every ops module, by member."""
    used: dict[str, set[str]] = {}
    for path in sorted(OPS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "store"
            ):
                used.setdefault(node.attr, set()).add(path.name)
    return used


def test_local_file_store_satisfies_the_protocol(tmp_path: Path) -> None:
    """The assignment is checked by mypy --strict; the calls prove the members behave."""
    store: EnvironmentStore = LocalFileStore(tmp_path)
    assert store.root == tmp_path
    assert store.list() == []
    assert not store.exists("local")
    assert store.env_dir("local") == tmp_path / "local"


def test_ops_use_only_protocol_members() -> None:
    """A second backend implements the protocol alone; ops must not reach past it."""
    used = store_members_used_by_ops()
    assert used, "the scan found no store access at all"
    outside = {member: files for member, files in used.items() if member not in protocol_members()}
    assert outside == {}


def test_delete_revision_files_removes_the_directory_and_an_emptied_parent(
    tmp_path: Path,
) -> None:
    """Deleting a revision's files leaves no empty `revisions/` behind, and tolerates absence."""
    store = LocalFileStore(tmp_path)
    revision_id = "01HZX0000000000000000000AA"
    revision_dir = store.revision_dir("local", revision_id)
    revision_dir.mkdir(parents=True)
    (revision_dir / "bundle.gtbundle").write_bytes(b"x")
    store.delete_revision_files("local", revision_id)
    assert not revision_dir.parent.exists()
    store.delete_revision_files("local", revision_id)  # already absent: no error
