"""Writes and deletes of tracked files: pre-image backup, the atomic change, then pruning."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import JsonValue

from greentic_deployer.spec.serde import SpecModel
from greentic_deployer.store.atomic import atomic_write_bytes, durable_delete, pretty_json
from greentic_deployer.store.backup import backup_file, prune_backups
from greentic_deployer.store.paths import EnvLayout


def replace_tracked(layout: EnvLayout, path: Path, data: bytes, now: datetime) -> None:
    """Back up the current content (if any), atomically replace it, then prune old backups."""
    backup_file(path, layout.backup_dir_for(path), now)
    atomic_write_bytes(path, data)
    # Only after the write succeeded: a failed write must keep every pre-image.
    prune_backups(path, layout.backup_dir_for(path), layout.backup_retention)


def replace_tracked_json(
    layout: EnvLayout, path: Path, value: SpecModel | JsonValue, now: datetime
) -> None:
    """`replace_tracked` with the store's pretty JSON form."""
    replace_tracked(layout, path, pretty_json(value).encode("utf-8"), now)


def remove_tracked(layout: EnvLayout, path: Path, now: datetime) -> bool:
    """Back up and delete `path`, then prune old backups; False (and no backup) when absent."""
    # A dangling symlink has no content to back up but must still go.
    if backup_file(path, layout.backup_dir_for(path), now) is None and not path.is_symlink():
        return False
    removed = durable_delete(path)
    prune_backups(path, layout.backup_dir_for(path), layout.backup_retention)
    return removed
