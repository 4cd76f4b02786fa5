"""Fixtures for bundle tests: the fixture bundles, and hostile images built with mksquashfs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from greentic_deployer.bundle.extract import DEFAULT_LIMITS, ExtractionLimits
from greentic_deployer.bundle.stage import StagedBundle, stage_bundle

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "fixtures" / "bundles"
EXAMPLES = REPO / "examples"
RID = "01J00000000000000000000000"
ENV = "local"
BUNDLE = "demo"
MANIFEST = '{"format_version": "gtbundle-v1", "bundle_id": "demo"}'


@dataclass(frozen=True)
class Link:
    """A symlink in a source tree."""

    target: str


@dataclass(frozen=True)
class Sparse:
    """A sparse file of `size` bytes (all holes) in a source tree."""

    size: int


# path -> file content, symlink, sparse file, or None for an empty directory.
Tree = Mapping[str, bytes | str | Link | Sparse | None]
MINIMAL: dict[str, bytes | str | Link | Sparse | None] = {
    "bundle-manifest.json": MANIFEST,
    "packs/app.gtpack": b"PK\x03\x04app",
}


def mksquashfs() -> str:
    """The mksquashfs executable (installed here and in CI; tests do not skip without it)."""
    found = shutil.which("mksquashfs") or next(
        (p for p in ("/usr/bin/mksquashfs", "/usr/sbin/mksquashfs") if os.access(p, os.X_OK)),
        None,
    )
    assert found, "mksquashfs (squashfs-tools) is required by the bundle tests"
    return found


def write_tree(root: Path, tree: Tree) -> None:
    """Materialize `tree` below `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir(exist_ok=True)
        elif isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, Sparse):
            with path.open("wb") as handle:
                handle.truncate(content.size)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)


def squash(source: Path, output: Path, *extra: str, comp: str = "gzip") -> Path:
    """Build a SquashFS image of `source` (pseudo definitions and flags in `extra`)."""
    subprocess.run(
        [
            *(mksquashfs(), str(source), str(output)),
            *("-noappend", "-all-root", "-no-progress", "-quiet", "-comp", comp),
            *extra,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return output


class ImageFactory(Protocol):
    """Builds an image from a tree spec."""

    def __call__(self, tree: Tree, *extra: str, comp: str = "gzip") -> Path: ...


@pytest.fixture
def make_image(tmp_path: Path) -> ImageFactory:
    """Build `.gtbundle` images from tree specs inside tmp_path."""
    counter = iter(range(1_000_000))

    def make(tree: Tree, *extra: str, comp: str = "gzip") -> Path:
        n = next(counter)
        source = tmp_path / f"src-{n}"
        write_tree(source, tree)
        return squash(source, tmp_path / f"image-{n}.gtbundle", *extra, comp=comp)

    return make


@pytest.fixture
def env_dir(tmp_path: Path) -> Path:
    """An environment directory (not created)."""
    return tmp_path / "env"


@pytest.fixture
def revision_dir(env_dir: Path) -> Path:
    """`<env>/revisions/<RID>` (not created)."""
    return env_dir / "revisions" / RID


def stage(
    source: Path,
    revision_dir: Path,
    *,
    env_id: str = ENV,
    bundle_id: str = BUNDLE,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> StagedBundle:
    """`stage_bundle` with the test env, bundle and revision ids."""
    return stage_bundle(
        source, revision_dir, env_id=env_id, bundle_id=bundle_id, revision_id=RID, limits=limits
    )
