"""Hostile images: every one gets a typed error and leaves no revision directory behind."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from greentic_deployer.bundle.errors import (
    BundleTooLargeError,
    CorruptBundleError,
    DuplicatePackStemError,
    InvalidManifestError,
    InvalidPackNameError,
    MissingManifestError,
    NoPacksError,
    UnsafeEntryError,
)
from greentic_deployer.bundle.extract import ExtractionLimits, extract_bundle

from .conftest import (
    MANIFEST,
    MINIMAL,
    ImageFactory,
    Link,
    Sparse,
    Tree,
    squash,
    stage,
    write_tree,
)

MIB = 1024 * 1024


def _refused(
    image: Path,
    revision_dir: Path,
    error: type[Exception],
    match: str,
    limits: ExtractionLimits | None = None,
) -> str:
    """Stage `image`, expect `error`, check the revision dir is gone; return the message."""
    with pytest.raises(error, match=match) as info:
        if limits is None:
            stage(image, revision_dir)
        else:
            stage(image, revision_dir, limits=limits)
    assert not revision_dir.exists()
    # Staging created `revisions/` too, so it goes; nothing above it is touched.
    assert not revision_dir.parent.exists()
    assert revision_dir.parent.parent.is_dir()
    return str(info.value)


def test_symlink_to_etc_passwd_named_like_a_pack(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image({**MINIMAL, "packs/evil.gtpack": Link("/etc/passwd")})
    message = _refused(image, revision_dir, UnsafeEntryError, "absolute")
    assert "packs/evil.gtpack" in message
    assert "/etc/passwd" in message


def test_symlink_climbing_out_with_dotdot(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image({**MINIMAL, "packs/evil.gtpack": Link("../../../../etc/passwd")})
    _refused(image, revision_dir, UnsafeEntryError, "points outside the bundle")


def test_symlink_chain_whose_links_each_stay_inside_but_together_leave(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    # sub/up -> ..  is the bundle root; escape -> sub/up/..  is lexically "sub" but
    # really resolves to the root's parent.
    image = make_image({**MINIMAL, "sub/up": Link(".."), "escape": Link("sub/up/..")})
    message = _refused(image, revision_dir, UnsafeEntryError, "through another symlink")
    assert "'escape'" in message


def test_symlink_chain_with_an_escaping_hop(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image({**MINIMAL, "a": Link("b"), "b": Link("../outside")})
    message = _refused(image, revision_dir, UnsafeEntryError, "outside")
    assert "'b'" in message


def test_internal_symlinks_are_recreated(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image(
        {**MINIMAL, "docs/v1/README": "hi", "docs/latest": Link("v1"), "up": Link("docs/../docs")}
    )
    staged = stage(image, revision_dir)
    latest = revision_dir / "bundle/docs/latest"
    assert latest.is_symlink()
    assert str(latest.readlink()) == "v1"
    assert (latest / "README").read_text() == "hi"
    assert [e.pack_id for e in staged.pack_list] == ["app"]


def test_internal_symlink_named_like_a_pack_is_refused(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image({**MINIMAL, "packs/alias.gtpack": Link("app.gtpack")})
    message = _refused(image, revision_dir, UnsafeEntryError, "symlink named like a pack")
    assert "packs/alias.gtpack" in message


def test_symlinked_directories_are_not_followed_by_the_pack_scan(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image(
        {
            **MINIMAL,
            "extra/other.gtpack": b"other",
            "packs/more": Link("../extra"),
            "providers/state": Link("../extra"),
        }
    )
    staged = stage(image, revision_dir)
    assert [e.pack_id for e in staged.pack_list] == ["app"]


def test_huge_sparse_file_is_refused_before_anything_is_written(
    make_image: ImageFactory, tmp_path: Path, revision_dir: Path
) -> None:
    image = make_image({**MINIMAL, "packs/bomb.gtpack": Sparse(600 * MIB)})
    assert image.stat().st_size < MIB  # mksquashfs stores the holes, not the bytes
    message = _refused(image, revision_dir, BundleTooLargeError, "max_file_bytes")
    assert "packs/bomb.gtpack" in message
    assert "declares 600 MiB, over the 256 MiB per-file limit" in message
    # Extraction checks every declared size before creating its destination.
    destination = tmp_path / "out"
    with pytest.raises(BundleTooLargeError):
        extract_bundle(image, destination)
    assert not destination.exists()


def test_total_size_limit(make_image: ImageFactory, tmp_path: Path, revision_dir: Path) -> None:
    image = make_image({**MINIMAL, **{f"data/{i}.bin": bytes([i]) * 400 for i in range(3)}})
    limits = ExtractionLimits(max_total_bytes=1000)
    _refused(image, revision_dir, BundleTooLargeError, "max_total_bytes", limits)
    destination = tmp_path / "out"
    with pytest.raises(BundleTooLargeError):
        extract_bundle(image, destination, limits)
    assert not destination.exists()


def test_entry_count_limit(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image({**MINIMAL, **{f"data/{i}": "x" for i in range(10)}})
    _refused(
        image, revision_dir, BundleTooLargeError, "max_entries", ExtractionLimits(max_entries=5)
    )


def test_limits_that_fit_exactly_pass(make_image: ImageFactory, revision_dir: Path) -> None:
    tree: Tree = {**MINIMAL, "data/a.bin": b"a" * 100}
    image = make_image(tree)
    sizes = len(MANIFEST) + len(b"PK\x03\x04app") + 100
    limits = ExtractionLimits(max_total_bytes=sizes, max_entries=5, max_file_bytes=100)
    staged = stage(image, revision_dir, limits=limits)
    assert [e.pack_id for e in staged.pack_list] == ["app"]


def _patched_image(tmp_path: Path, tree: Tree, old: bytes, new: bytes) -> Path:
    """Build with uncompressed metadata and data, then rename an entry in the raw bytes."""
    source = tmp_path / "patched-src"
    write_tree(source, tree)
    image = squash(source, tmp_path / "patched.gtbundle", "-noI", "-noD", "-noF", "-noX")
    data = image.read_bytes()
    assert data.count(old) == 1, "the name to patch must be unique in the image"
    image.write_bytes(data.replace(old, new))
    return image


def test_dotdot_entry_is_refused(tmp_path: Path, revision_dir: Path) -> None:
    image = _patched_image(tmp_path, {**MINIMAL, "qq/pwned": "x"}, b"qq", b"..")
    message = _refused(image, revision_dir, UnsafeEntryError, "'..' is not allowed")
    assert "entry '..'" in message
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("pwned")] == [
        "patched-src/qq/pwned"
    ]


def test_absolute_entry_name_is_refused(tmp_path: Path, revision_dir: Path) -> None:
    image = _patched_image(tmp_path, {**MINIMAL, "Zetc/passwd": "x"}, b"Zetc", b"/etc")
    _refused(image, revision_dir, UnsafeEntryError, "contains '/'")


@pytest.mark.parametrize(
    ("pseudo", "what"),
    [
        ("dev c 666 root root 1 3", "character device"),
        ("disk b 660 root root 8 0", "block device"),
        ("pipe i 644 root root f", "FIFO"),
        ("sock i 644 root root s", "socket"),
    ],
)
def test_special_files_are_refused(
    pseudo: str, what: str, make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image(MINIMAL, "-p", pseudo)
    message = _refused(image, revision_dir, UnsafeEntryError, what)
    assert f"'{pseudo.split(maxsplit=1)[0]}'" in message


def test_missing_manifest(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image({"packs/app.gtpack": b"app"})
    _refused(image, revision_dir, MissingManifestError, "bundle-manifest.json: is required")


def test_manifest_in_a_subdirectory_does_not_count(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image({"packs/app.gtpack": b"app", "nested/bundle-manifest.json": "{}"})
    _refused(image, revision_dir, MissingManifestError, "bundle-manifest.json")


@pytest.mark.parametrize(
    ("content", "match"),
    [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object")],
)
def test_invalid_manifest(
    content: str, match: str, make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image({**MINIMAL, "bundle-manifest.json": content})
    _refused(image, revision_dir, InvalidManifestError, match)


def test_manifest_symlink_is_not_followed(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image({**MINIMAL, "real.json": "{}", "bundle-manifest.json": Link("real.json")})
    _refused(image, revision_dir, InvalidManifestError, "regular file")


def test_duplicate_pack_stems_name_both_paths(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image({**MINIMAL, "providers/state/app.gtpack": b"other app"})
    message = _refused(image, revision_dir, DuplicatePackStemError, "'app'")
    assert "packs/app.gtpack" in message
    assert "providers/state/app.gtpack" in message


def test_no_packs_in_scope(make_image: ImageFactory, revision_dir: Path) -> None:
    image = make_image(
        {
            "bundle-manifest.json": "{}",
            "resolved/stray.gtpack": b"x",
            "providers/deployer/deployer-k8s.gtpack": b"x",
            "providers/loose.gtpack": b"x",
            "packs/readme.txt": "no packs here",
        }
    )
    _refused(image, revision_dir, NoPacksError, "no .gtpack file")


def test_pack_file_name_must_give_a_usable_pack_id(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    image = make_image({**MINIMAL, "packs/bad name.gtpack": b"x"})
    _refused(image, revision_dir, InvalidPackNameError, "pack_id")


def _noise(size: int) -> bytes:
    """Deterministic incompressible bytes."""
    blocks = (hashlib.sha256(i.to_bytes(8, "little")).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def test_truncated_image_is_corrupt(tmp_path: Path, revision_dir: Path) -> None:
    source = tmp_path / "src"
    write_tree(source, {**MINIMAL, "data/blob.bin": _noise(64 * 1024)})
    data = squash(source, tmp_path / "full.gtbundle").read_bytes()
    (bytes_used,) = struct.unpack_from("<Q", data, 40)
    truncated = tmp_path / "truncated.gtbundle"
    truncated.write_bytes(data[: bytes_used // 2])
    _refused(truncated, revision_dir, CorruptBundleError, "is truncated")


def test_corrupted_data_block_is_corrupt(tmp_path: Path, revision_dir: Path) -> None:
    source = tmp_path / "src"
    payload = bytes(range(256)) * 1024  # 256 KiB: two full data blocks
    write_tree(source, {**MINIMAL, "data/blob.bin": payload})
    image = squash(source, tmp_path / "full.gtbundle")
    data = bytearray(image.read_bytes())
    data[200:240] = b"\xff" * 40  # inside the first (compressed) data block
    image.write_bytes(bytes(data))
    _refused(image, revision_dir, CorruptBundleError, "blob.bin")


def test_standalone_extraction_removes_a_partial_tree(
    make_image: ImageFactory, tmp_path: Path
) -> None:
    image = make_image({**MINIMAL, "sub/up": Link(".."), "escape": Link("sub/up/..")})
    destination = tmp_path / "out"
    with pytest.raises(UnsafeEntryError):
        extract_bundle(image, destination)
    assert not destination.exists()


def test_extraction_summary_and_permissions(make_image: ImageFactory, tmp_path: Path) -> None:
    source = tmp_path / "perm-src"
    write_tree(source, {**MINIMAL, "bin/run": "#!/bin/sh\n", "docs/link": Link("../bin/run")})
    (source / "bin/run").chmod(0o4775)  # setuid and group-writable in the image
    image = squash(source, tmp_path / "perm.gtbundle")
    destination = tmp_path / "out"
    summary = extract_bundle(image, destination)
    assert (summary.entries, summary.symlinks) == (7, 1)
    assert summary.total_bytes == len(MANIFEST) + len(b"PK\x03\x04app") + len("#!/bin/sh\n")
    assert (destination / "bin/run").stat().st_mode & 0o7777 == 0o755
    assert (destination / "packs/app.gtpack").stat().st_mode & 0o7777 == 0o644
