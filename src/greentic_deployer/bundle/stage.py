"""Stage a `.gtbundle` into a brand-new revision directory.

Layout written under `revisions/<rid>/`:
  bundle.gtbundle            immutable (read-only) copy of the source, the only thing hashed
  bundle/…                   hardened extraction of that copy
  pack-list.lock             PackListLock of the pinned packs
  pack-configs/<pack>.json   PackConfig docs materialized from bundle/state/pack-configs/
Any failure after the directory is created removes it entirely, together with `revisions/`
when this call created that too; a directory that already existed is never touched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greentic_deployer.bundle.digest import sha256_file
from greentic_deployer.bundle.errors import (
    BundleError,
    BundleIOError,
    BundleTooLargeError,
    InvalidManifestError,
    MissingManifestError,
    NotASquashfsError,
)
from greentic_deployer.bundle.extract import DEFAULT_LIMITS, ExtractionLimits, extract_bundle
from greentic_deployer.bundle.json_file import read_json_object
from greentic_deployer.bundle.pack_configs import (
    load_pack_config_inputs,
    materialize_pack_configs,
)
from greentic_deployer.bundle.packs import build_pack_list_lock, pack_list_from_lock, scan_packs
from greentic_deployer.bundle.progress import StageProgress
from greentic_deployer.bundle.sizes import human_size
from greentic_deployer.bundle.squashfs import MAGIC
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from greentic_deployer.spec.ids import parse_env_id, parse_ulid
from greentic_deployer.spec.revision import PackListEntry
from greentic_deployer.store.atomic import atomic_write_json, fsync_dir

STAGED_BUNDLE = "bundle.gtbundle"
EXTRACTED_DIR = "bundle"
PACK_LIST_LOCK = "pack-list.lock"
PACK_CONFIGS_DIR = "pack-configs"
MANIFEST = "bundle-manifest.json"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# An image is its (compressed) data plus metadata; allow the metadata on top of the
# unpacked-size limit, refuse anything bigger before copying a byte.
SOURCE_SLACK_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StagedBundle:
    """What staging pinned: the digest, packs, lock and pack-config refs (env-relative)."""

    bundle_digest: str
    pack_list: list[PackListEntry]
    pack_list_lock_ref: str
    pack_config_refs: list[str]
    manifest: dict[str, Any]
    # True when staging also created `revisions/`, so a later clean-up may remove it again.
    created_revisions_dir: bool = False


def stage_bundle(
    source: Path,
    revision_dir: Path,
    *,
    env_id: str,
    bundle_id: str,
    revision_id: str,
    limits: ExtractionLimits = DEFAULT_LIMITS,
    progress: StageProgress | None = None,
) -> StagedBundle:
    """Copy, hash, extract and pin `source` into the new `revision_dir` (removed on failure).

    `progress`, when given, hears how far the copy, hash and extract phases have got.
    """
    env_id = parse_env_id(env_id, "env_id")
    revision_id = parse_ulid(revision_id, "revision_id")
    if not bundle_id.strip():
        raise InvalidArgumentError("bundle_id", "bundle id must not be empty", bundle_id)
    if revision_dir.name != revision_id:
        raise InvalidArgumentError(
            "revision_dir",
            f"must be the directory named after revision {revision_id}",
            str(revision_dir),
        )
    max_source_bytes = limits.max_total_bytes + SOURCE_SLACK_BYTES
    _check_source(source, max_source_bytes)
    # Raises before creating anything when the directory exists: it belongs to someone else.
    created_parent = _create_revision_dir(revision_dir)
    try:
        try:
            staged = _stage_into(
                source,
                revision_dir,
                env_id=env_id,
                bundle_id=bundle_id,
                revision_id=revision_id,
                limits=limits,
                max_source_bytes=max_source_bytes,
                progress=progress,
            )
        except OSError as exc:
            raise BundleIOError(str(revision_dir), exc) from exc
    except BaseException:
        # Whatever went wrong, the half-staged revision this call created must not survive.
        remove_staged_dir(revision_dir, created_parent=created_parent)
        raise
    return dataclasses.replace(staged, created_revisions_dir=created_parent)


def remove_staged_dir(revision_dir: Path, *, created_parent: bool) -> None:
    """Remove a revision directory that staging created (and `revisions/` if it created that)."""
    shutil.rmtree(revision_dir, ignore_errors=True)
    if created_parent:
        with contextlib.suppress(OSError):
            revision_dir.parent.rmdir()  # only succeeds when nothing else was staged meanwhile


def _stage_into(
    source: Path,
    revision_dir: Path,
    *,
    env_id: str,
    bundle_id: str,
    revision_id: str,
    limits: ExtractionLimits,
    max_source_bytes: int,
    progress: StageProgress | None,
) -> StagedBundle:
    label = source.name
    staged = revision_dir / STAGED_BUNDLE
    # Copy first and work only from the copy: the digest and the extraction see the
    # same bytes even if the source changes meanwhile (no TOCTOU).
    _copy_source(source, staged, max_source_bytes, progress)
    bundle_digest = sha256_file(staged, progress)
    bundle_root = revision_dir / EXTRACTED_DIR
    extract_bundle(staged, bundle_root, limits, label=label, progress=progress)
    manifest = _read_manifest(bundle_root, label)
    packs = scan_packs(bundle_root, label)
    rel_dir = f"revisions/{revision_id}"
    lock = build_pack_list_lock(revision_id, packs, f"{rel_dir}/{EXTRACTED_DIR}")
    configs = materialize_pack_configs(
        load_pack_config_inputs(bundle_root, label),
        env_id=env_id,
        bundle_id=bundle_id,
        revision_id=revision_id,
        pack_ids={pack.pack_id for pack in packs},
    )
    atomic_write_json(revision_dir / PACK_LIST_LOCK, lock)
    config_refs: list[str] = []
    for config in configs:
        name = f"{config.pack_id}.json"
        atomic_write_json(revision_dir / PACK_CONFIGS_DIR / name, config)
        config_refs.append(f"{rel_dir}/{PACK_CONFIGS_DIR}/{name}")
    # The new revision directory's own entry in revisions/ must survive a crash too.
    fsync_dir(revision_dir.parent)
    return StagedBundle(
        bundle_digest=bundle_digest,
        pack_list=pack_list_from_lock(lock),
        pack_list_lock_ref=f"{rel_dir}/{PACK_LIST_LOCK}",
        pack_config_refs=sorted(config_refs),
        manifest=manifest,
    )


def _check_source(source: Path, max_bytes: int) -> None:
    """Refuse a missing, special, oversized or non-SquashFS source before anything is created."""
    subject = f"bundle file {str(source)!r}"
    try:
        info = source.stat()
    except FileNotFoundError:
        raise BundleError(subject, "does not exist") from None
    except OSError as exc:
        raise BundleError(subject, f"cannot be read: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise BundleError(subject, "is not a regular file")
    if info.st_size > max_bytes:
        raise BundleTooLargeError(
            subject,
            f"is {human_size(info.st_size)}, over the {human_size(max_bytes)} limit "
            "for a bundle image",
        )
    try:
        with source.open("rb") as handle:
            magic = handle.read(len(MAGIC))
    except OSError as exc:
        raise BundleError(subject, f"cannot be read: {exc.strerror}") from exc
    if magic != MAGIC:
        raise NotASquashfsError(
            subject, "is not a SquashFS image (bad magic); a .gtbundle is a SquashFS 4.0 file"
        )


def _create_revision_dir(revision_dir: Path) -> bool:
    """Create the new revision directory; True when `revisions/` had to be created too."""
    if revision_dir.exists() or revision_dir.is_symlink():
        raise ConflictError(f"revision directory {str(revision_dir)!r} already exists")
    parent = revision_dir.parent
    created_parent = False
    if not parent.is_dir():
        try:
            parent.mkdir(parents=True)
            created_parent = True
        except FileExistsError:
            pass  # another stager made it first: it is shared, never ours to remove
    try:
        revision_dir.mkdir()
    except FileExistsError:
        # Lost a race with another stager: the directory is theirs, never ours to remove.
        if created_parent:
            with contextlib.suppress(OSError):
                parent.rmdir()
        raise ConflictError(f"revision directory {str(revision_dir)!r} already exists") from None
    except BaseException:
        if created_parent:
            with contextlib.suppress(OSError):
                parent.rmdir()
        raise
    return created_parent


def _copy_source(
    source: Path, target: Path, max_bytes: int, progress: StageProgress | None = None
) -> None:
    subject = f"bundle file {str(source)!r}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    copied = 0
    try:
        with source.open("rb") as src, os.fdopen(os.open(target, flags, 0o644), "wb") as dst:
            expected = os.fstat(src.fileno()).st_size
            while chunk := src.read(_CHUNK):
                copied += len(chunk)
                # The source may grow after the pre-flight check.
                if copied > max_bytes:
                    raise BundleTooLargeError(
                        subject, f"is over the {human_size(max_bytes)} limit for a bundle image"
                    )
                dst.write(chunk)
                if progress is not None:
                    progress("copy", copied, max(expected, copied))
            dst.flush()
            os.fsync(dst.fileno())
    except BundleError:
        raise
    except OSError as exc:
        raise BundleError(subject, f"cannot be copied: {exc.strerror}") from exc
    # The staged copy is the revision's immutable record.
    target.chmod(0o444)


def _read_manifest(bundle_root: Path, label: str) -> dict[str, Any]:
    subject = f"{label}: {MANIFEST}"
    path = bundle_root / MANIFEST
    if not path.exists() and not path.is_symlink():
        raise MissingManifestError(subject, "is required at the bundle root")
    return read_json_object(path, subject, MAX_MANIFEST_BYTES, InvalidManifestError)
