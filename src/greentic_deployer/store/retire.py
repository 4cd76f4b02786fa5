"""Retiring an environment: its directory moves aside whole, nothing is deleted."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from greentic_deployer.store.atomic import fsync_dir
from greentic_deployer.store.backup import MAX_BACKUP_ATTEMPTS, backup_stamp
from greentic_deployer.store.errors import AtomicWriteError, BackupCollisionError
from greentic_deployer.store.paths import EnvLayout


def retire_env_dir(layout: EnvLayout, retired_root: Path, now: datetime) -> Path:
    """Move the env dir to `<retired_root>/<env_id>.<stamp>[.<n>]` and return that path."""
    base = f"{layout.env_id}.{backup_stamp(now)}"
    try:
        retired_root.mkdir(parents=True, exist_ok=True)
        for attempt in range(MAX_BACKUP_ATTEMPTS):
            target = retired_root / (base if attempt == 0 else f"{base}.{attempt}")
            try:
                # Reserve the name; renaming a directory onto an empty one is atomic on POSIX.
                target.mkdir()
            except FileExistsError:
                continue
            os.rename(layout.env_dir, target)
            fsync_dir(layout.env_dir.parent)
            fsync_dir(retired_root)
            return target
    except OSError as exc:
        raise AtomicWriteError.during("retire", layout.env_dir, exc) from exc
    raise BackupCollisionError.exhausted(layout.env_dir, retired_root, MAX_BACKUP_ATTEMPTS)
