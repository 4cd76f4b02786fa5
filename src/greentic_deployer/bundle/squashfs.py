"""Typed, bounded reading of SquashFS 4.0 images (gzip, xz or uncompressed).

PySquashfsImage is untyped and trusts its input: it decompresses blocks without an
output bound, caches up to 256 data blocks per process and scans the whole
directory tree eagerly. A bundle is hostile input, so this module subclasses the
pinned 0.9.0 reader to bound every decompression, cap the cached blocks, count
entries and depth *while* the tree is scanned, and check that each directory
entry agrees with its inode. Everything above this module sees only typed values
and `BundleError`s.
"""

from __future__ import annotations

import lzma
import os
import stat
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from PySquashfsImage import SquashFsImage as _SquashFsImage
from PySquashfsImage.const import SQUASHFS_MAGIC, SQUASHFS_METADATA_SIZE, Compression, Type
from PySquashfsImage.file import filetype as _node_class_by_type
from PySquashfsImage.macro import SQUASHFS_COMPRESSED_BLOCK, SQUASHFS_COMPRESSED_SIZE_BLOCK
from PySquashfsImage.structure import Superblock

from greentic_deployer.bundle.errors import (
    BundleError,
    BundleTooLargeError,
    CorruptBundleError,
    NotASquashfsError,
    UnsafeEntryError,
)

MAGIC = b"hsqs"
DEFAULT_MAX_ENTRIES = 20_000
# Deeper trees than this are not bundles; the bound also keeps the recursive scan
# far from Python's recursion limit.
MAX_DEPTH = 128
# Bytes one directory entry may take in a listing: header + longest name.
_LISTING_BYTES_PER_ENTRY = 8 + 256 + 12
# Small LRU of decompressed data blocks: fragments are shared by many small files.
_CACHED_BLOCKS = 8
_MIN_BLOCK_LOG = 12
_MAX_BLOCK_LOG = 20


class EntryKind(StrEnum):
    """What an image entry is."""

    DIRECTORY = "directory"
    FILE = "file"
    SYMLINK = "symlink"
    BLOCK_DEVICE = "block-device"
    CHAR_DEVICE = "char-device"
    FIFO = "fifo"
    SOCKET = "socket"


_KIND_BY_FORMAT = {
    stat.S_IFDIR: EntryKind.DIRECTORY,
    stat.S_IFREG: EntryKind.FILE,
    stat.S_IFLNK: EntryKind.SYMLINK,
    stat.S_IFBLK: EntryKind.BLOCK_DEVICE,
    stat.S_IFCHR: EntryKind.CHAR_DEVICE,
    stat.S_IFIFO: EntryKind.FIFO,
    stat.S_IFSOCK: EntryKind.SOCKET,
}
# Directory entries use the basic inode types only.
_FORMAT_BY_ENTRY_TYPE = {
    Type.DIR: stat.S_IFDIR,
    Type.FILE: stat.S_IFREG,
    Type.SYMLINK: stat.S_IFLNK,
    Type.BLKDEV: stat.S_IFBLK,
    Type.CHRDEV: stat.S_IFCHR,
    Type.FIFO: stat.S_IFIFO,
    Type.SOCKET: stat.S_IFSOCK,
}


@dataclass(frozen=True)
class ImageEntry:
    """One entry below the image root, as declared by the image (nothing is trusted yet)."""

    parts: tuple[str, ...]
    kind: EntryKind
    size: int
    mode: int
    link_target: str | None
    node: Any = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> str:
        """The entry's path below the image root, `/`-separated."""
        return "/".join(self.parts)


class _BoundedInflate:
    """gzip (zlib) blocks, never inflated beyond the size the format allows."""

    name = "gzip"

    def uncompress(self, src: bytes, size: int, outsize: int) -> bytes:
        inflater = zlib.decompressobj()
        out = inflater.decompress(src, _output_bound(outsize))
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("a gzip block inflates beyond its declared size or is truncated")
        return out


class _BoundedXz:
    """xz blocks, never decompressed beyond the size the format allows."""

    name = "xz"

    def uncompress(self, src: bytes, size: int, outsize: int) -> bytes:
        decompressor = lzma.LZMADecompressor()
        out = decompressor.decompress(src, max_length=_output_bound(outsize))
        if not decompressor.eof:
            raise ValueError("an xz block decompresses beyond its declared size or is truncated")
        return out


class _Stored:
    """Uncompressed images."""

    name = "none"

    def uncompress(self, src: bytes, size: int, outsize: int) -> bytes:
        if len(src) > _output_bound(outsize):
            raise ValueError("a stored block is larger than its declared size")
        return src


def _output_bound(outsize: int) -> int:
    # The reader passes 0 for a metadata table whose size is an exact multiple of
    # the metadata block size; a metadata block is never larger than that.
    return outsize if outsize > 0 else SQUASHFS_METADATA_SIZE


_COMPRESSORS: dict[int, type[_BoundedInflate | _BoundedXz | _Stored]] = {
    Compression.NO: _Stored,
    Compression.ZLIB: _BoundedInflate,
    Compression.XZ: _BoundedXz,
}


class _HardenedReader(_SquashFsImage):  # type: ignore[misc]  # untyped base class
    """PySquashfsImage 0.9.0 with bounded decompression, entry/depth limits and type checks."""

    def __init__(self, handle: Any, *, label: str, max_entries: int) -> None:
        # Set before the base constructor: it scans the tree through our overrides.
        self._label = label
        self._max_entries = max_entries
        self._entry_count = 0
        self._scan_path: list[str] = []
        self._blocks: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        super().__init__(handle)

    def _read_super(self) -> None:
        sblk = Superblock.from_fd(self._fd)
        if sblk.s_magic != SQUASHFS_MAGIC or (sblk.s_major, sblk.s_minor) != (4, 0):
            raise NotASquashfsError(self._label, "is not a SquashFS 4.0 image")
        if sblk.compression not in _COMPRESSORS:
            raise NotASquashfsError(
                self._label,
                f"uses compression id {sblk.compression}; only gzip, xz and none are supported",
            )
        if not _MIN_BLOCK_LOG <= sblk.block_log <= _MAX_BLOCK_LOG or sblk.block_size != (
            1 << sblk.block_log
        ):
            raise CorruptBundleError(self._label, "declares an invalid block size")
        size = self._fd.seek(0, os.SEEK_END) - self._offset
        if sblk.bytes_used > size:
            raise CorruptBundleError(
                self._label,
                f"is truncated: it declares {sblk.bytes_used} bytes but holds only {size}",
            )
        # The superblock's inode count includes the root; refuse early, the scan
        # below still counts the real entries in case the count lies.
        if sblk.inodes > self._max_entries + 1:
            raise _too_many_entries(self._label, self._max_entries)
        self._sblk = sblk
        self._comp = _COMPRESSORS[sblk.compression]()

    def _read_data_block(self, start: int, size: int) -> bytes:
        key = (start, size)
        cached = self._blocks.get(key)
        if cached is not None:
            self._blocks.move_to_end(key)
            return cached
        length = SQUASHFS_COMPRESSED_SIZE_BLOCK(size)
        self._fd.seek(self._offset + start)
        raw: bytes = self._fd.read(length)
        if len(raw) != length:
            raise ValueError("a data block lies beyond the end of the image")
        block: bytes = (
            self._comp.uncompress(raw, length, self._sblk.block_size)
            if SQUASHFS_COMPRESSED_BLOCK(size)
            else raw
        )
        self._blocks[key] = block
        if len(self._blocks) > _CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block

    def _dir_scan(self, start_block: int, offset: int) -> Any:
        if len(self._scan_path) > MAX_DEPTH:
            raise BundleTooLargeError(
                self._entry_label(), f"directories nest deeper than {MAX_DEPTH} levels"
            )
        inode = self._read_inode(start_block, offset)
        if not stat.S_ISDIR(inode.mode):
            raise CorruptBundleError(self._entry_label(), "is listed as a directory but is not one")
        if inode.data > (self._max_entries + 1) * _LISTING_BYTES_PER_ENTRY:
            raise _too_many_entries(self._label, self._max_entries)
        directory = self._opendir(start_block, offset)
        for entry in directory.entries:
            self._entry_count += 1
            if self._entry_count > self._max_entries:
                raise _too_many_entries(self._label, self._max_entries)
            name = self._decode_name(entry["name"])
            if name in directory.children:
                raise CorruptBundleError(self._entry_label(name), "appears twice in its directory")
            entry_type = entry["type"]
            if entry_type not in _FORMAT_BY_ENTRY_TYPE:
                raise CorruptBundleError(self._entry_label(name), "has an unknown entry type")
            self._scan_path.append(name)
            try:
                if entry_type == Type.DIR:
                    node = self._dir_scan(entry["start_block"], entry["offset"])
                    node._parent = directory
                    node._name = entry["name"]
                else:
                    child_inode = self._read_inode(entry["start_block"], entry["offset"])
                    if stat.S_IFMT(child_inode.mode) != _FORMAT_BY_ENTRY_TYPE[entry_type]:
                        raise CorruptBundleError(
                            self._entry_label(), "has an entry type that disagrees with its inode"
                        )
                    node_class = _node_class_by_type[entry_type]
                    node = node_class(self, child_inode, entry["name"], directory)
            finally:
                self._scan_path.pop()
            directory.children[name] = node
        del directory.entries
        return directory

    def _decode_name(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeEntryError(
                self._entry_label(repr(raw)), "entry names must be valid UTF-8"
            ) from None

    def _entry_label(self, name: str | None = None) -> str:
        parts = [*self._scan_path, name] if name is not None else self._scan_path
        return f"{self._label}: entry {'/'.join(parts) or '/'!r}"


def _too_many_entries(label: str, limit: int) -> BundleTooLargeError:
    return BundleTooLargeError(label, f"has more than {limit} entries (limit max_entries)")


class SquashfsImage:
    """A read-only SquashFS image opened from a file; use it as a context manager."""

    def __init__(
        self, path: Path, *, max_entries: int = DEFAULT_MAX_ENTRIES, label: str | None = None
    ) -> None:
        # `label` names the image in errors (the operator's file, not the staged copy).
        self._label = label or path.name
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise BundleError(str(path), f"cannot be read: {exc.strerror}") from exc
        try:
            if handle.read(len(MAGIC)) != MAGIC:
                raise NotASquashfsError(self._label, "is not a SquashFS image (bad magic)")
            handle.seek(0)
            self._reader = _HardenedReader(handle, label=self._label, max_entries=max_entries)
        except BundleError:
            handle.close()
            raise
        except Exception as exc:
            handle.close()
            raise _corrupt(self._label, exc) from exc

    def __enter__(self) -> SquashfsImage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the underlying file."""
        if self._reader._fd is not None:
            self._reader.close()

    @property
    def compression(self) -> str:
        """`gzip`, `xz` or `none`."""
        name: str = self._reader._comp.name
        return name

    def entries(self) -> Iterator[ImageEntry]:
        """Every entry below the root, parents before children, siblings sorted by name."""
        yield from self._walk(self._reader.root, ())

    def _walk(self, directory: Any, parent: tuple[str, ...]) -> Iterator[ImageEntry]:
        for name in sorted(directory.children):
            node = directory.children[name]
            parts = (*parent, name)
            kind = _KIND_BY_FORMAT[stat.S_IFMT(node.mode)]
            size = int(node.size) if kind is EntryKind.FILE else 0
            target = self._link_target(node, parts) if kind is EntryKind.SYMLINK else None
            yield ImageEntry(parts, kind, size, stat.S_IMODE(node.mode), target, node)
            if kind is EntryKind.DIRECTORY:
                yield from self._walk(node, parts)

    def _link_target(self, node: Any, parts: tuple[str, ...]) -> str:
        # The raw bytes: the reader's own accessor decodes without error handling.
        raw: bytes = bytes(node.inode._symlink)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeEntryError(
                f"{self._label}: entry {'/'.join(parts)!r}", "symlink targets must be valid UTF-8"
            ) from None

    def iter_chunks(self, entry: ImageEntry) -> Iterator[bytes]:
        """Stream a regular file's contents block by block; exactly `entry.size` bytes."""
        if entry.kind is not EntryKind.FILE:
            raise ValueError(f"{entry.path!r} is a {entry.kind}, not a regular file")
        produced = 0
        label = f"{self._label}: entry {entry.path!r}"
        try:
            for chunk in self._reader.iter_file(entry.node.inode):
                produced += len(chunk)
                if produced > entry.size:
                    raise CorruptBundleError(label, "holds more data than its declared size")
                yield chunk
        except BundleError:
            raise
        except Exception as exc:
            raise _corrupt(label, exc) from exc
        if produced != entry.size:
            raise CorruptBundleError(label, "holds less data than its declared size")


def _corrupt(label: str, exc: Exception) -> CorruptBundleError:
    # The reader raises whatever a malformed structure trips over (struct, zlib,
    # lzma, index, key, recursion errors...); to the caller they all mean "corrupt".
    return CorruptBundleError(
        label, f"is not a readable SquashFS image ({type(exc).__name__}: {exc})"
    )
