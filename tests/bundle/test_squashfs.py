"""The typed SquashFS reader: entries, kinds, streaming, and what it refuses to open."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from greentic_deployer.bundle.errors import BundleError, BundleTooLargeError, NotASquashfsError
from greentic_deployer.bundle.squashfs import EntryKind, SquashfsImage

from .conftest import FIXTURES, MINIMAL, ImageFactory, Link


def test_entries_of_a_fixture_bundle() -> None:
    with SquashfsImage(FIXTURES / "provider-packs-bundle.gtbundle") as image:
        assert image.compression == "gzip"
        listing = [(e.path, e.kind, e.size) for e in image.entries()]
    assert listing[:3] == [
        ("bundle-manifest.json", EntryKind.FILE, 406),
        ("packs", EntryKind.DIRECTORY, 0),
        ("packs/app.gtpack", EntryKind.FILE, 7),
    ]
    assert ("providers/deployer/deployer-terraform.gtpack", EntryKind.FILE, 13) in listing
    assert len(listing) == 12


def test_file_contents_stream_in_blocks() -> None:
    with SquashfsImage(FIXTURES / "telegram-bundle.gtbundle") as image:
        entry = next(e for e in image.entries() if e.path == "packs/quickstart.gtpack")
        digest = hashlib.sha256()
        chunks = 0
        for chunk in image.iter_chunks(entry):
            assert len(chunk) <= 1024 * 1024
            digest.update(chunk)
            chunks += 1
    assert chunks > 1
    assert digest.hexdigest() == "ff2e24d5d1413d90e038abec471ed7d901191591e59aa99166c36fe0fc8393c7"


def test_symlinks_report_their_target_and_mode(make_image: ImageFactory) -> None:
    image_path = make_image({**MINIMAL, "link": Link("packs/app.gtpack")})
    with SquashfsImage(image_path) as image:
        entries = {e.path: e for e in image.entries()}
    assert entries["link"].kind is EntryKind.SYMLINK
    assert entries["link"].link_target == "packs/app.gtpack"
    assert entries["packs/app.gtpack"].link_target is None


def test_modes_are_reported() -> None:
    with SquashfsImage(FIXTURES / "provider-packs-bundle.gtbundle") as image:
        modes = {e.path: e.mode for e in image.entries()}
    assert modes["packs"] == 0o755
    assert modes["packs/app.gtpack"] == 0o644


def test_xz_and_uncompressed_images(make_image: ImageFactory) -> None:
    for comp, flags in (("xz", ()), ("gzip", ("-noI", "-noD", "-noF", "-noX"))):
        with SquashfsImage(make_image(MINIMAL, *flags, comp=comp)) as image:
            entry = next(e for e in image.entries() if e.path == "packs/app.gtpack")
            assert b"".join(image.iter_chunks(entry)) == MINIMAL["packs/app.gtpack"]


def test_unsupported_compression_is_refused(make_image: ImageFactory) -> None:
    with pytest.raises(NotASquashfsError, match="only gzip, xz and none"):
        SquashfsImage(make_image(MINIMAL, comp="lz4"))


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "x.gtbundle"
    path.write_bytes(b"\0" * 200)
    with pytest.raises(NotASquashfsError, match="bad magic"):
        SquashfsImage(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="cannot be read"):
        SquashfsImage(tmp_path / "absent.gtbundle")


def test_wrong_version_is_refused(make_image: ImageFactory, tmp_path: Path) -> None:
    data = bytearray(make_image(MINIMAL).read_bytes())
    data[28] = 3  # s_major
    path = tmp_path / "v3.gtbundle"
    path.write_bytes(bytes(data))
    with pytest.raises(NotASquashfsError, match=r"SquashFS 4\.0"):
        SquashfsImage(path)


def test_entry_limit_is_enforced_while_opening(make_image: ImageFactory) -> None:
    with pytest.raises(BundleTooLargeError, match="more than 2 entries"):
        SquashfsImage(make_image(MINIMAL), max_entries=2)


def test_iter_chunks_refuses_directories() -> None:
    with SquashfsImage(FIXTURES / "provider-only-bundle.gtbundle") as image:
        directory = next(e for e in image.entries() if e.kind is EntryKind.DIRECTORY)
        with pytest.raises(ValueError, match="not a regular file"):
            list(image.iter_chunks(directory))


def test_entry_limit_holds_even_when_the_superblock_lies(
    make_image: ImageFactory, tmp_path: Path
) -> None:
    data = bytearray(make_image({**MINIMAL, **{f"d/{i}": "x" for i in range(6)}}).read_bytes())
    data[4:8] = (1).to_bytes(4, "little")  # claims a single inode
    path = tmp_path / "liar.gtbundle"
    path.write_bytes(bytes(data))
    with pytest.raises(BundleTooLargeError, match="more than 5 entries"):
        SquashfsImage(path, max_entries=5)
    with SquashfsImage(path) as image:
        assert len(list(image.entries())) == 10
