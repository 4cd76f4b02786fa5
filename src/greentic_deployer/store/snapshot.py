"""Whole-environment snapshots and restores of the tracked files."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from greentic_deployer.spec.documents import SNAPSHOT_MANIFEST_SCHEMA, SnapshotManifest
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import new_ulid, parse_ulid
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.atomic import atomic_write_bytes, atomic_write_json
from greentic_deployer.store.errors import (
    AtomicWriteError,
    CorruptDocumentError,
    EnvIdMismatchError,
    SnapshotNotFoundError,
)
from greentic_deployer.store.loading import read_document
from greentic_deployer.store.paths import (
    DEV_SECRETS_FILES,
    ENVIRONMENT_FILE,
    MESSAGING_DIR,
    RUNTIME_CONFIG_FILE,
    RUNTIME_FILE,
    EnvLayout,
    is_normal_relative,
    pack_answers_rel,
)
from greentic_deployer.store.tracked import remove_tracked, replace_tracked

MANIFEST_FILE = "manifest.json"
# trust-root.json is deliberately absent: a restore must not resurrect a revoked key.
FIXED_TRACKED = (
    ENVIRONMENT_FILE,
    RUNTIME_FILE,
    RUNTIME_CONFIG_FILE,
    *(pack_answers_rel(slot) for slot in CapabilitySlot),
    *DEV_SECRETS_FILES,
)


def _messaging_entries(layout: EnvLayout) -> list[str]:
    """Names of the non-directory entries of `messaging/` (sorted; empty when absent)."""
    try:
        with os.scandir(layout.messaging_dir) as entries:
            return sorted(e.name for e in entries if not e.is_dir(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return []


def tracked_paths(layout: EnvLayout) -> list[str]:
    """Env-relative paths a snapshot captures: fixed documents plus every `messaging/*.json`."""
    messaging = [
        f"{MESSAGING_DIR}/{name}" for name in _messaging_entries(layout) if _is_messaging_doc(name)
    ]
    return sorted([*FIXED_TRACKED, *messaging])


def _is_messaging_doc(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".")


def is_restorable(rel: str) -> bool:
    """Only normal relative paths a snapshot could have captured may be restored."""
    if not is_normal_relative(rel):
        return False
    if rel in FIXED_TRACKED:
        return True
    head, _, name = rel.partition("/")
    return head == MESSAGING_DIR and "/" not in name and _is_messaging_doc(name)


def take_snapshot(layout: EnvLayout) -> str:
    """Copy every present tracked file into `snapshots/<ulid>/`; the manifest is written last."""
    snapshot_id = new_ulid()
    target_dir = layout.snapshots_dir / snapshot_id
    files: dict[str, bool] = {}
    for rel in tracked_paths(layout):
        source = layout.env_dir / rel
        try:
            data = source.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            files[rel] = False
            continue
        except OSError as exc:
            raise AtomicWriteError.during("read (for snapshot)", source, exc) from exc
        atomic_write_bytes(target_dir / rel, data)
        files[rel] = True
    # Without a manifest a half-written snapshot is simply "not found" on restore.
    atomic_write_json(
        target_dir / MANIFEST_FILE, SnapshotManifest(env_id=layout.env_id, files=files)
    )
    return snapshot_id


def _read_manifest(layout: EnvLayout, snapshot_id: str) -> tuple[Path, SnapshotManifest]:
    snapshot_dir = layout.snapshots_dir / snapshot_id
    path = snapshot_dir / MANIFEST_FILE
    try:
        manifest = read_document(path, SnapshotManifest)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise SnapshotNotFoundError.for_snapshot(layout.env_id, snapshot_id) from exc
    if manifest.schema_ != SNAPSHOT_MANIFEST_SCHEMA:
        raise CorruptDocumentError.at(
            path, f"expected schema {SNAPSHOT_MANIFEST_SCHEMA!r}, got {manifest.schema_!r}"
        )
    if manifest.env_id != layout.env_id:
        raise EnvIdMismatchError.between(layout.env_id, manifest.env_id, str(path))
    for rel in manifest.files:
        if not is_restorable(rel):
            raise InvalidArgumentError(
                f"{path}: files",
                "must name only tracked files by relative paths of normal components",
                rel,
            )
    return snapshot_dir, manifest


def restore_snapshot(layout: EnvLayout, snapshot_id: str, now: datetime) -> None:
    """Put every tracked file back as captured (absent ones deleted); backs up what it replaces."""
    snapshot_id = parse_ulid(snapshot_id, "snapshot_id")
    snapshot_dir, manifest = _read_manifest(layout, snapshot_id)
    # Read every captured file before touching the environment, so a damaged snapshot
    # is rejected without a partial restore.
    captured: dict[str, bytes] = {}
    for rel, present in manifest.files.items():
        if present:
            try:
                captured[rel] = (snapshot_dir / rel).read_bytes()
            except OSError as exc:
                raise CorruptDocumentError.at(
                    snapshot_dir / MANIFEST_FILE,
                    f"captured file {rel} is missing or unreadable ({exc.strerror or exc})",
                ) from exc
    for rel in sorted(manifest.files):
        target = layout.env_dir / rel
        if rel not in captured:
            remove_tracked(layout, target, now)
            continue
        try:
            unchanged = target.read_bytes() == captured[rel]
        except OSError:
            unchanged = False
        if not unchanged:
            replace_tracked(layout, target, captured[rel], now)
    for name in _messaging_entries(layout):
        rel = f"{MESSAGING_DIR}/{name}"
        if rel not in manifest.files:
            remove_tracked(layout, layout.env_dir / rel, now)
