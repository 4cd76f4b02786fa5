"""Which `.gtpack` files of an extracted bundle are pinned, and the lock that pins them.

Pinned: regular files named `<pack_id>.gtpack` under `packs/` (any depth) and under
`providers/<domain>/` (any depth below the domain) for every domain except
`deployer` (deployer env-packs are not part of a revision). A `.gtpack` anywhere
else is ignored. The scan never follows a symlink: a symlinked directory is not
descended into, and a symlink named `*.gtpack` inside a pinned tree is refused,
because a pin must be the digest of the bytes that are actually there.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from greentic_deployer.bundle.digest import sha256_file
from greentic_deployer.bundle.errors import (
    DuplicatePackStemError,
    InvalidPackNameError,
    NoPacksError,
    UnsafeEntryError,
)
from greentic_deployer.spec.documents import PackListLock, PackLockEntry
from greentic_deployer.spec.revision import PackListEntry

PACK_SUFFIX = ".gtpack"
PACKS_DIR = "packs"
PROVIDERS_DIR = "providers"
EXCLUDED_PROVIDER_DOMAINS = frozenset({"deployer"})
# Versions are not known from a file name, so lock-derived entries are pinned at 0.0.0.
LOCKED_PACK_VERSION = "0.0.0"
# The pack id names `pack-configs/<pack_id>.json` and appears in secret refs.
_PACK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class PackFile:
    """One pinned pack: its id (file stem), path inside the bundle, and content digest."""

    pack_id: str
    inner_path: str
    digest: str


def scan_packs(bundle_root: Path, label: str = "bundle") -> list[PackFile]:
    """Find, validate and hash the pinned packs of an extracted bundle, sorted by path."""
    found: list[tuple[str, Path]] = []
    for scope in _scopes(bundle_root):
        _walk(bundle_root, scope, found, label)
    if not found:
        raise NoPacksError(
            label,
            f"holds no {PACK_SUFFIX} file under {PACKS_DIR}/ or {PROVIDERS_DIR}/<domain>/ "
            "(symlinks are not followed; providers/deployer/ is excluded)",
        )
    found.sort(key=lambda item: item[0])
    seen: dict[str, str] = {}
    packs: list[PackFile] = []
    for inner_path, file_path in found:
        pack_id = PurePosixPath(inner_path).stem
        if not _PACK_ID.match(pack_id):
            raise InvalidPackNameError(
                f"{label}: {inner_path}",
                "a pack file must be named <pack_id>.gtpack with pack_id matching "
                "[A-Za-z0-9][A-Za-z0-9._-]*",
            )
        if pack_id in seen:
            raise DuplicatePackStemError(
                f"{label}: {inner_path}",
                f"pack id {pack_id!r} (the file stem) is also pinned from {seen[pack_id]!r}; "
                "pack file stems must be unique",
            )
        seen[pack_id] = inner_path
        packs.append(PackFile(pack_id, inner_path, sha256_file(file_path)))
    return packs


def build_pack_list_lock(
    revision_id: str, packs: list[PackFile], bundle_ref_prefix: str
) -> PackListLock:
    """The `pack-list.lock` document; paths are env-relative (`<prefix>/<inner path>`)."""
    entries = [
        PackLockEntry(
            pack_id=p.pack_id, path=f"{bundle_ref_prefix}/{p.inner_path}", digest=p.digest
        )
        for p in packs
    ]
    entries.sort(key=lambda entry: entry.path)
    return PackListLock(revision_id=revision_id, packs=entries)


def pack_list_from_lock(lock: PackListLock) -> list[PackListEntry]:
    """The revision's `pack_list`, in lock (path) order, version `0.0.0`."""
    return [
        PackListEntry(pack_id=entry.pack_id, version=LOCKED_PACK_VERSION, digest=entry.digest)
        for entry in lock.packs
    ]


def _scopes(bundle_root: Path) -> list[tuple[str, ...]]:
    """The directories whose subtrees are scanned, as paths below the bundle root."""
    scopes: list[tuple[str, ...]] = []
    if _is_real_dir(bundle_root / PACKS_DIR):
        scopes.append((PACKS_DIR,))
    providers = bundle_root / PROVIDERS_DIR
    if _is_real_dir(providers):
        for domain in sorted(os.listdir(providers)):
            if domain not in EXCLUDED_PROVIDER_DOMAINS and _is_real_dir(providers / domain):
                scopes.append((PROVIDERS_DIR, domain))
    return scopes


def _walk(
    bundle_root: Path, parts: tuple[str, ...], found: list[tuple[str, Path]], label: str
) -> None:
    directory = bundle_root.joinpath(*parts)
    with os.scandir(directory) as listing:
        children = sorted(listing, key=lambda child: child.name)
    for child in children:
        child_parts = (*parts, child.name)
        inner_path = "/".join(child_parts)
        is_pack_name = PurePosixPath(child.name).suffix == PACK_SUFFIX
        if child.is_symlink():
            if is_pack_name:
                raise UnsafeEntryError(
                    f"{label}: {inner_path}",
                    "is a symlink named like a pack; pinned packs must be regular files",
                )
            continue
        if child.is_dir(follow_symlinks=False):
            _walk(bundle_root, child_parts, found, label)
        elif is_pack_name and child.is_file(follow_symlinks=False):
            found.append((inner_path, Path(child.path)))


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except FileNotFoundError:
        return False
