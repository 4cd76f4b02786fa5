"""Store-wide settings: the optional `<root>/store.json` (today only backup retention)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from greentic_deployer.store.errors import CorruptDocumentError
from greentic_deployer.store.paths import DEFAULT_BACKUP_RETENTION

STORE_SETTINGS_FILE = "store.json"
STORE_SETTINGS_SCHEMA = "greentic.store-settings.v1"
_KEYS = frozenset({"schema", "backup_retention"})


@dataclass(frozen=True)
class StoreSettings:
    """`backup_retention`: newest backups kept per document (None keeps every backup)."""

    backup_retention: int | None = DEFAULT_BACKUP_RETENTION


def load_store_settings(root: Path) -> StoreSettings:
    """`<root>/store.json`, or the defaults when it is absent; a bad file is refused."""
    path = root / STORE_SETTINGS_FILE
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return StoreSettings()
    except OSError as exc:
        raise CorruptDocumentError.at(path, f"cannot be read ({exc.strerror})") from exc
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise CorruptDocumentError.at(path, f"not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise CorruptDocumentError.at(path, "must be a JSON object")
    if doc.get("schema") != STORE_SETTINGS_SCHEMA:
        raise CorruptDocumentError.at(
            path, f"schema: expected {STORE_SETTINGS_SCHEMA!r}, got {doc.get('schema')!r}"
        )
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        raise CorruptDocumentError.at(path, f"unknown key(s) {', '.join(unknown)}")
    retention = doc.get("backup_retention", DEFAULT_BACKUP_RETENTION)
    valid = retention is None or (
        isinstance(retention, int) and not isinstance(retention, bool) and retention >= 1
    )
    if not valid:
        raise CorruptDocumentError.at(
            path, f"backup_retention: must be an integer ≥ 1 or null (got {retention!r})"
        )
    return StoreSettings(backup_retention=retention)
