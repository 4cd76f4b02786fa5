"""Pre-image backups taken before every overwrite or delete of a tracked file."""

from __future__ import annotations

import contextlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from greentic_deployer.store.atomic import fsync_dir
from greentic_deployer.store.errors import (
    AtomicWriteError,
    BackupCollisionError,
    CorruptDocumentError,
)
from greentic_deployer.store.files import MAX_DOCUMENT_BYTES, FileRefusedError, read_regular_file

# The unsuffixed name plus suffixes .1 … .1023.
MAX_BACKUP_ATTEMPTS = 1024


def backup_stamp(now: datetime) -> str:
    """`YYYYMMDDTHHMMSS.nnnnnnnnnZ` in UTC (datetime carries microseconds; the rest is zero)."""
    utc = now.astimezone(UTC)
    return f"{utc:%Y%m%dT%H%M%S}.{utc.microsecond * 1000:09d}Z"


def backup_file(path: Path, backup_dir: Path, now: datetime) -> Path | None:
    """Copy `path` to `<backup_dir>/<name>.<stamp>[.<n>].bak`; None when `path` does not exist."""
    try:
        # Never follows a symlink or blocks on a FIFO planted where a document belongs.
        data = read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES)
    except FileNotFoundError:
        return None
    except FileRefusedError as exc:
        raise CorruptDocumentError.at(path, exc.problem) from exc
    except OSError as exc:
        raise AtomicWriteError.during("read (for backup)", path, exc) from exc
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AtomicWriteError.during("create the backup directory", backup_dir, exc) from exc
    stamp = backup_stamp(now)
    base = f"{path.name}.{stamp}"
    # Never below a suffix already used for this instant: pruning may have freed a lower
    # one, and a backup there would sort as older than the ones it follows.
    used = [n for other, n, _name in _backups_of(path.name, backup_dir) if other == stamp]
    for attempt in range(max(used, default=-1) + 1, MAX_BACKUP_ATTEMPTS):
        target = backup_dir / (f"{base}.bak" if attempt == 0 else f"{base}.{attempt}.bak")
        try:
            # Exclusive create reserves the name even against a concurrent writer.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise AtomicWriteError.during("create backup", target, exc) from exc
        try:
            # No fsync: the original stays intact until the atomic replace,
            # and the replace itself is fsynced.
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise AtomicWriteError.during("write backup", target, exc) from exc
        return target
    raise BackupCollisionError.exhausted(path, backup_dir, MAX_BACKUP_ATTEMPTS)


def _backups_of(name: str, backup_dir: Path) -> list[tuple[str, int, str]]:
    # `<name>.<stamp>[.<n>].bak`; the fixed-width stamp sorts chronologically, then `n`.
    pattern = re.compile(re.escape(name) + r"\.([0-9]{8}T[0-9]{6}\.[0-9]{9}Z)(?:\.([0-9]+))?\.bak")
    try:
        names = os.listdir(backup_dir)
    except OSError:
        return []
    found = []
    for entry in names:
        match = pattern.fullmatch(entry)
        if match is not None:
            found.append((match[1], int(match[2] or 0), entry))
    return sorted(found)


def prune_backups(path: Path, backup_dir: Path, keep: int | None) -> list[str]:
    """Delete all but the newest `keep` backups of `path`; returns the names deleted.

    Best effort: a backup that cannot be deleted now is left for the next write to retry,
    because the write this follows has already succeeded.
    """
    if keep is None:
        return []
    backups = _backups_of(path.name, backup_dir)
    removed = []
    for _stamp, _n, name in backups[: max(0, len(backups) - keep)]:
        with contextlib.suppress(OSError):
            os.unlink(backup_dir / name)
            removed.append(name)
    if removed:
        with contextlib.suppress(OSError):
            fsync_dir(backup_dir)
    return removed
