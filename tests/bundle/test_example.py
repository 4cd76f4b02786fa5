"""The shipped example bundle: reproducible build, committed copy current, stages cleanly."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from greentic_deployer.bundle.squashfs import EntryKind, SquashfsImage

from .conftest import EXAMPLES, RID, stage

BUILD_SCRIPT = EXAMPLES / "build_bundle.py"
COMMITTED = EXAMPLES / "hello.gtbundle"


def _build(output: Path) -> None:
    subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--output", str(output)],
        check=True,
        capture_output=True,
    )


def _contents(image_path: Path) -> list[tuple[str, str, int, str]]:
    """(path, kind, mode, sha256) of every entry: what an image holds, whatever built it."""
    listing = []
    with SquashfsImage(image_path) as image:
        for entry in image.entries():
            digest = ""
            if entry.kind is EntryKind.FILE:
                digest = hashlib.sha256(b"".join(image.iter_chunks(entry))).hexdigest()
            listing.append((entry.path, entry.kind.value, entry.mode, digest))
    return listing


def test_build_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.gtbundle", tmp_path / "b.gtbundle"
    _build(first)
    _build(second)
    assert first.read_bytes() == second.read_bytes()


def test_committed_bundle_matches_its_sources(tmp_path: Path) -> None:
    # Compared entry by entry, not byte by byte: another mksquashfs version may lay
    # the same contents out differently.
    fresh = tmp_path / "fresh.gtbundle"
    _build(fresh)
    assert _contents(COMMITTED) == _contents(fresh)


def test_committed_bundle_stages(revision_dir: Path) -> None:
    staged = stage(COMMITTED, revision_dir, bundle_id="hello")
    assert [(e.pack_id, e.version) for e in staged.pack_list] == [("hello-pack", "0.0.0")]
    assert staged.manifest["bundle_id"] == "hello"
    assert staged.pack_config_refs == [f"revisions/{RID}/pack-configs/hello-pack.json"]
    config = json.loads((revision_dir / "pack-configs/hello-pack.json").read_text())
    assert config["non_secret"]["greeting"] == "Hello from Greentic!"
    assert config["secret_refs"] == {}


def test_the_example_pack_is_a_zip_of_its_sources(revision_dir: Path) -> None:
    import zipfile

    stage(COMMITTED, revision_dir, bundle_id="hello")
    with zipfile.ZipFile(revision_dir / "bundle/packs/hello-pack.gtpack") as archive:
        names = archive.namelist()
    assert names == ["README.md", "flows/hello.json", "pack.json"]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_bundle", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_mksquashfs_the_committed_bundle_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _load_script()
    monkeypatch.setattr(script, "find_mksquashfs", lambda: None)
    existing = tmp_path / "kept.gtbundle"
    existing.write_bytes(b"committed")
    assert script.main(["--output", str(existing)]) == 0
    assert "keeping the committed" in capsys.readouterr().out
    assert existing.read_bytes() == b"committed"
    assert script.main(["--output", str(tmp_path / "absent.gtbundle")]) == 1
    assert "mksquashfs not found" in capsys.readouterr().err
