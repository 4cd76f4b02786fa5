"""Hardened extraction of a `.gtbundle` image into a brand-new directory.

Rules (docs/bundle-format.md explains them for operators):
- every entry name is a single safe component: not empty, `.` or `..`, no `/`, `\\` or NUL;
- only directories, regular files and symlinks are extracted; block/char devices,
  FIFOs and sockets are refused;
- the limits are checked against the sizes the image *declares*, for every entry,
  before the first byte is written, so a bomb (or a huge sparse file) costs nothing;
- symlinks are recreated only when their target is relative and stays inside the
  extraction root: lexically when planned, then again after all links exist by
  resolving each one on disk (this catches chains such as `a -> sub/up/..` where
  `sub/up -> ..`); nothing is ever written through a symlink, because links are
  created only after every file has been written.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from greentic_deployer.bundle.errors import BundleTooLargeError, UnsafeEntryError
from greentic_deployer.bundle.progress import StageProgress
from greentic_deployer.bundle.sizes import human_size
from greentic_deployer.bundle.squashfs import EntryKind, ImageEntry, SquashfsImage

MIB = 1024 * 1024
# Linux PATH_MAX: a longer target cannot name anything.
MAX_LINK_TARGET = 4096
_FORBIDDEN_IN_NAME = ("/", "\\", "\0")
_REFUSED_KINDS = {
    EntryKind.BLOCK_DEVICE: "block device",
    EntryKind.CHAR_DEVICE: "character device",
    EntryKind.FIFO: "FIFO",
    EntryKind.SOCKET: "socket",
}


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds on what one bundle may unpack to; exceeding any is a `BundleTooLargeError`."""

    max_total_bytes: int = 512 * MIB
    max_entries: int = 20_000
    max_file_bytes: int = 256 * MIB


DEFAULT_LIMITS = ExtractionLimits()


@dataclass(frozen=True)
class ExtractionSummary:
    """What an extraction wrote."""

    entries: int
    total_bytes: int
    symlinks: int


def check_entry_name(name: str, subject: str) -> None:
    """Refuse a path component that could escape or alias: empty, `.`, `..`, `/`, `\\`, NUL."""
    if name in ("", ".", ".."):
        raise UnsafeEntryError(subject, f"path component {name!r} is not allowed")
    for forbidden in _FORBIDDEN_IN_NAME:
        if forbidden in name:
            raise UnsafeEntryError(subject, f"path component {name!r} contains {forbidden!r}")


def safe_relative_parts(path: str, subject: str | None = None) -> tuple[str, ...]:
    """Split a `/`-separated member path, refusing absolute paths and unsafe components."""
    where = subject or f"entry {path!r}"
    if path.startswith("/"):
        raise UnsafeEntryError(where, "absolute paths are not allowed")
    parts = tuple(path.split("/"))
    for part in parts:
        check_entry_name(part, where)
    return parts


def resolve_link_target(link_parts: tuple[str, ...], target: str, subject: str) -> tuple[str, ...]:
    """Where a symlink points, lexically, relative to the root; refuse targets that leave it."""
    if not target:
        raise UnsafeEntryError(subject, "symlink target is empty")
    if "\0" in target or len(target) > MAX_LINK_TARGET:
        raise UnsafeEntryError(subject, "symlink target is not a usable path")
    if target.startswith("/"):
        raise UnsafeEntryError(
            subject,
            f"symlink target {target!r} is absolute; only relative targets inside "
            "the bundle are allowed",
        )
    resolved = list(link_parts[:-1])
    for component in target.split("/"):
        if component in ("", "."):
            continue
        if component == "..":
            if not resolved:
                raise UnsafeEntryError(
                    subject, f"symlink target {target!r} points outside the bundle"
                )
            resolved.pop()
        else:
            resolved.append(component)
    return tuple(resolved)


def extract_bundle(
    image_path: Path,
    destination: Path,
    limits: ExtractionLimits = DEFAULT_LIMITS,
    *,
    label: str | None = None,
    progress: StageProgress | None = None,
) -> ExtractionSummary:
    """Validate every entry of `image_path`, then unpack it into the new dir `destination`.

    `destination` must not exist; it is removed again if unpacking fails part-way.
    """
    label = label or image_path.name
    with SquashfsImage(image_path, max_entries=limits.max_entries, label=label) as image:
        entries = _plan(image.entries(), label, limits)
        # Created only now: a refused bundle leaves nothing behind.
        destination.mkdir()
        try:
            return _unpack(image, entries, destination, label, progress)
        except BaseException:
            # A partial tree (corrupt data, unsafe link, full disk) is never left behind.
            shutil.rmtree(destination, ignore_errors=True)
            raise


def _unpack(
    image: SquashfsImage,
    entries: list[ImageEntry],
    destination: Path,
    label: str,
    progress: StageProgress | None = None,
) -> ExtractionSummary:
    total = 0
    declared = sum(e.size for e in entries if e.kind is EntryKind.FILE)
    for entry in entries:
        target = destination.joinpath(*entry.parts)
        if entry.kind is EntryKind.DIRECTORY:
            target.mkdir()
            target.chmod(0o755)
        elif entry.kind is EntryKind.FILE:
            total += _write_file(image, entry, target)
            if progress is not None:
                progress("extract", total, declared)
    # Links last: no file is ever written through one.
    links = [entry for entry in entries if entry.kind is EntryKind.SYMLINK]
    for entry in links:
        assert entry.link_target is not None  # set for every symlink entry
        os.symlink(entry.link_target, destination.joinpath(*entry.parts))
    _verify_links(links, destination, label)
    return ExtractionSummary(len(entries), total, len(links))


def _plan(entries: Iterable[ImageEntry], label: str, limits: ExtractionLimits) -> list[ImageEntry]:
    """Every check that can be made from the image's declarations, before any write."""
    planned: list[ImageEntry] = []
    total = 0
    for entry in entries:
        subject = f"{label}: entry {entry.path!r}"
        for part in entry.parts:
            check_entry_name(part, subject)
        if entry.kind in _REFUSED_KINDS:
            raise UnsafeEntryError(
                subject,
                f"is a {_REFUSED_KINDS[entry.kind]}; bundles may hold only "
                "directories, regular files and symlinks",
            )
        if entry.kind is EntryKind.SYMLINK:
            resolve_link_target(entry.parts, entry.link_target or "", subject)
        if entry.kind is EntryKind.FILE:
            if entry.size > limits.max_file_bytes:
                raise BundleTooLargeError(
                    subject,
                    f"declares {human_size(entry.size)}, over the "
                    f"{human_size(limits.max_file_bytes)} per-file limit (max_file_bytes)",
                )
            total += entry.size
            if total > limits.max_total_bytes:
                raise BundleTooLargeError(
                    label,
                    f"unpacks to more than {human_size(limits.max_total_bytes)} (max_total_bytes)",
                )
        planned.append(entry)
        if len(planned) > limits.max_entries:
            raise BundleTooLargeError(
                label, f"has more than {limits.max_entries} entries (max_entries)"
            )
    return planned


def _write_file(image: SquashfsImage, entry: ImageEntry, target: Path) -> int:
    # Normalized permissions: 0o755 if any execute bit was set, else 0o644; never
    # setuid/setgid/sticky or group/other write.
    mode = 0o755 if entry.mode & 0o111 else 0o644
    # O_EXCL + O_NOFOLLOW: never replace or write through anything already there.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    written = 0
    fd = os.open(target, flags, mode)
    os.fchmod(fd, mode)  # exact, whatever the umask
    with os.fdopen(fd, "wb") as out:
        for chunk in image.iter_chunks(entry):
            out.write(chunk)
            written += len(chunk)
    return written


def _verify_links(links: list[ImageEntry], destination: Path, label: str) -> None:
    root = os.path.realpath(destination)
    for entry in links:
        resolved = os.path.realpath(destination.joinpath(*entry.parts))
        if resolved != root and not resolved.startswith(root + os.sep):
            raise UnsafeEntryError(
                f"{label}: entry {entry.path!r}",
                f"symlink target {entry.link_target!r} resolves outside the bundle "
                "through another symlink",
            )
