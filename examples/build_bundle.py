"""Build `examples/hello.gtbundle` from the readable sources in `examples/hello/`.

The build is deterministic: the same sources and the same mksquashfs give the same
bytes (fixed timestamps, root ownership, explicit permissions, stored zip entries),
so the committed bundle can be checked by rebuilding it. Without mksquashfs the
committed bundle is kept.

Usage: python examples/build_bundle.py [--source DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE / "hello"
DEFAULT_OUTPUT = HERE / "hello.gtbundle"
# Copied verbatim into the bundle root; everything else is generated.
BUNDLE_FILES = ("bundle-manifest.json", "bundle.yaml")
BUNDLE_TREES = ("state",)
# One sub-directory per pack: pack-src/<pack_id>/ becomes packs/<pack_id>.gtpack.
PACK_SOURCES = "pack-src"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MKSQUASHFS_FLAGS = (
    "-noappend",
    "-all-root",
    "-mkfs-time",
    "0",
    "-all-time",
    "0",
    "-comp",
    "gzip",
    "-no-xattrs",
    "-no-progress",
    "-quiet",
)
MKSQUASHFS_FALLBACKS = ("/usr/bin/mksquashfs", "/usr/sbin/mksquashfs", "/sbin/mksquashfs")


def find_mksquashfs() -> str | None:
    """The mksquashfs executable, or None when it is not installed."""
    found = shutil.which("mksquashfs")
    if found:
        return found
    for candidate in MKSQUASHFS_FALLBACKS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def source_files(root: Path) -> list[Path]:
    """Every regular file below `root`, sorted by relative path."""
    return sorted(
        (path for path in root.rglob("*") if path.is_file()),
        key=lambda path: path.relative_to(root).as_posix(),
    )


def build_gtpack(pack_dir: Path, output: Path) -> None:
    """Zip a pack source directory deterministically (sorted, stored, fixed time and mode)."""
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in source_files(pack_dir):
            info = zipfile.ZipInfo(path.relative_to(pack_dir).as_posix(), date_time=ZIP_EPOCH)
            info.create_system = 3  # Unix, whatever machine builds it
            info.external_attr = 0o100644 << 16
            archive.writestr(info, path.read_bytes())


def assemble(source: Path, staging: Path) -> None:
    """Lay out the bundle tree in `staging` with explicit permissions (umask-independent)."""
    for name in BUNDLE_FILES:
        _copy(source / name, staging / name)
    for tree in BUNDLE_TREES:
        for path in source_files(source / tree):
            _copy(path, staging / tree / path.relative_to(source / tree))
    packs = staging / "packs"
    packs.mkdir()
    for pack_dir in sorted(p for p in (source / PACK_SOURCES).iterdir() if p.is_dir()):
        build_gtpack(pack_dir, packs / f"{pack_dir.name}.gtpack")
    # The image records permissions: make them independent of the builder's umask.
    staging.chmod(0o755)
    for path in staging.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def build(source: Path, output: Path, mksquashfs: str) -> None:
    """Assemble the tree and squash it; `output` is replaced only by a complete image."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gtbundle-build-") as work:
        staging = Path(work) / "root"
        staging.mkdir()
        assemble(source, staging)
        image = Path(work) / "image.gtbundle"
        subprocess.run([mksquashfs, str(staging), str(image), *MKSQUASHFS_FLAGS], check=True)
        temp = output.with_name(f".{output.name}.tmp")
        shutil.copyfile(image, temp)
        os.replace(temp, output)


def main(argv: list[str] | None = None) -> int:
    """Build the example bundle; keep the committed one when mksquashfs is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    source: Path = args.source
    output: Path = args.output
    mksquashfs = find_mksquashfs()
    if mksquashfs is None:
        if output.exists():
            print(f"mksquashfs not found; keeping the committed {output}")
            return 0
        print(f"mksquashfs not found and {output} does not exist", file=sys.stderr)
        print("install squashfs-tools (e.g. apt-get install squashfs-tools)", file=sys.stderr)
        return 1
    build(source, output, mksquashfs)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    print(f"built {output} ({output.stat().st_size} bytes, sha256:{digest})")
    return 0


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


if __name__ == "__main__":
    sys.exit(main())
