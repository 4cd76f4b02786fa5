"""The path guards on their own, including shapes mksquashfs cannot produce."""

from __future__ import annotations

import lzma
import zlib

import pytest

from greentic_deployer.bundle import squashfs
from greentic_deployer.bundle.errors import UnsafeEntryError
from greentic_deployer.bundle.extract import (
    check_entry_name,
    resolve_link_target,
    safe_relative_parts,
)


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/etc/passwd", "absolute"),
        ("../etc/passwd", "'..'"),
        ("packs/../../etc", "'..'"),
        ("packs//app.gtpack", "''"),
        ("packs/./app.gtpack", "'.'"),
        ("packs\\app.gtpack", "'\\\\\\\\'"),
        ("packs/a\0b", "NUL|\\\\x00"),
        ("", "''"),
    ],
)
def test_unsafe_member_paths(path: str, rule: str) -> None:
    with pytest.raises(UnsafeEntryError, match=rule) as info:
        safe_relative_parts(path)
    assert info.value.kind == "invalid-argument"


def test_safe_member_path_splits() -> None:
    assert safe_relative_parts("packs/app.gtpack") == ("packs", "app.gtpack")
    assert safe_relative_parts("..hidden/...") == ("..hidden", "...")


@pytest.mark.parametrize("name", ["a/b", "..", ".", "", "x\\y", "nul\0"])
def test_unsafe_names(name: str) -> None:
    with pytest.raises(UnsafeEntryError):
        check_entry_name(name, "entry")


@pytest.mark.parametrize(
    ("link", "target", "resolved"),
    [
        (("a",), "b", ("b",)),
        (("d", "link"), "../x", ("x",)),
        (("d", "e", "link"), "./../../f/./g", ("f", "g")),
        (("d", "link"), "..", ()),
    ],
)
def test_link_targets_inside(link: tuple[str, ...], target: str, resolved: tuple[str, ...]) -> None:
    assert resolve_link_target(link, target, "entry") == resolved


@pytest.mark.parametrize(
    ("link", "target", "rule"),
    [
        (("link",), "/etc/passwd", "absolute"),
        (("link",), "..", "outside"),
        (("d", "link"), "../../x", "outside"),
        (("d", "link"), "x/../../..", "outside"),
        (("link",), "", "empty"),
        (("link",), "a\0b", "usable"),
        (("link",), "a/" * 3000, "usable"),
    ],
)
def test_link_targets_outside(link: tuple[str, ...], target: str, rule: str) -> None:
    with pytest.raises(UnsafeEntryError, match=rule):
        resolve_link_target(link, target, "entry")


def test_gzip_blocks_never_inflate_past_their_bound() -> None:
    bomb = zlib.compress(bytes(10 * 1024 * 1024))
    inflate = squashfs._BoundedInflate()
    with pytest.raises(ValueError, match="beyond its declared size"):
        inflate.uncompress(bomb, len(bomb), 128 * 1024)
    assert inflate.uncompress(zlib.compress(b"ok"), 0, 8192) == b"ok"


def test_xz_blocks_never_decompress_past_their_bound() -> None:
    bomb = lzma.compress(bytes(10 * 1024 * 1024))
    unxz = squashfs._BoundedXz()
    with pytest.raises(ValueError, match="beyond its declared size"):
        unxz.uncompress(bomb, len(bomb), 128 * 1024)
    assert unxz.uncompress(lzma.compress(b"ok"), 0, 8192) == b"ok"


def test_metadata_bound_when_the_reader_passes_zero() -> None:
    # The reader passes 0 for a table that is an exact multiple of the metadata block.
    inflate = squashfs._BoundedInflate()
    assert len(inflate.uncompress(zlib.compress(bytes(8192)), 0, 0)) == 8192
    with pytest.raises(ValueError):
        inflate.uncompress(zlib.compress(bytes(8193)), 0, 0)
