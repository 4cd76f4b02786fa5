"""Backup retention: the newest N backups per document survive a successful write."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from greentic_deployer.store import atomic
from greentic_deployer.store.errors import AtomicWriteError, CorruptDocumentError
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.paths import DEFAULT_BACKUP_RETENTION
from greentic_deployer.store.settings import (
    STORE_SETTINGS_FILE,
    STORE_SETTINGS_SCHEMA,
    load_store_settings,
)

from .builders import NOW, make_env


class Ticking:
    """A clock that moves one second per reading, so every backup has its own stamp."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _settings(root: Path, retention: object) -> None:
    root.mkdir(parents=True, exist_ok=True)
    doc = {"schema": STORE_SETTINGS_SCHEMA, "backup_retention": retention}
    (root / STORE_SETTINGS_FILE).write_text(json.dumps(doc))


def _backups(root: Path, name: str = "environment.json") -> list[Path]:
    backups = root / "staging" / "backups"
    return sorted(p for p in backups.iterdir() if p.name.startswith(f"{name}."))


def _save_names(store: LocalFileStore, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        store.save(make_env(name=f"v{n}"))


def test_the_newest_n_backups_are_kept(root: Path) -> None:
    _settings(root, 3)
    store = LocalFileStore(root, lock_timeout=5.0, clock=Ticking())
    _save_names(store, 7)  # six overwrites: pre-images v0 … v5
    kept = _backups(root)
    assert [json.loads(p.read_text())["name"] for p in kept] == ["v3", "v4", "v5"]
    assert store.load("staging").name == "v6"


def test_the_default_keeps_one_hundred_backups(root: Path) -> None:
    assert load_store_settings(root).backup_retention == DEFAULT_BACKUP_RETENTION == 100
    store = LocalFileStore(root, lock_timeout=5.0, clock=Ticking())
    _save_names(store, 104)
    kept = _backups(root)
    assert len(kept) == 100
    assert json.loads(kept[0].read_text())["name"] == "v3"
    assert json.loads(kept[-1].read_text())["name"] == "v102"


def test_collision_suffixes_count_as_newer(root: Path, fixed_store: LocalFileStore) -> None:
    _settings(root, 2)
    _save_names(fixed_store, 5)  # one instant: .bak, .1.bak, .2.bak, .3.bak
    names = [p.name.split(".json.", 1)[1] for p in _backups(root)]
    assert [n.split("Z", 1)[1] for n in names] == [".2.bak", ".3.bak"]


def test_a_failed_write_prunes_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settings(root, 2)
    store = LocalFileStore(root, lock_timeout=5.0, clock=Ticking())
    _save_names(store, 3)
    before = _backups(root)
    assert len(before) == 2

    def fail(step: str, target: Path) -> None:
        if step == "written" and target.name == "environment.json":
            raise OSError("disk full")

    monkeypatch.setattr(atomic, "fault_hook", fail)
    with pytest.raises(AtomicWriteError, match="disk full"):
        store.save(make_env(name="lost"))
    monkeypatch.setattr(atomic, "fault_hook", None)
    after = _backups(root)
    # The failed write's own pre-image is there too, and nothing older went.
    assert set(before) < set(after) and len(after) == 3
    assert store.load("staging").name == "v2"
    store.save(make_env(name="next"))
    assert len(_backups(root)) == 2


def test_documents_are_pruned_separately(root: Path) -> None:
    _settings(root, 1)
    store = LocalFileStore(root, lock_timeout=5.0, clock=Ticking())
    _save_names(store, 3)
    for n in range(3):
        store.save_pack_answers("staging", "deployer", {"n": n})
    assert len(_backups(root)) == 1
    answers = root / "staging" / "backups" / "env-packs" / "deployer"
    assert [json.loads(p.read_text()) for p in answers.iterdir()] == [{"n": 1}]
    store.delete_pack_answers("staging", "deployer")
    assert [json.loads(p.read_text()) for p in answers.iterdir()] == [{"n": 2}]


def test_null_retention_keeps_every_backup(root: Path) -> None:
    _settings(root, None)
    store = LocalFileStore(root, lock_timeout=5.0, clock=Ticking())
    _save_names(store, 6)
    assert len(_backups(root)) == 5


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"schema": "greentic.store-settings.v1", "backup_retention": 0}', "integer ≥ 1"),
        ('{"schema": "greentic.store-settings.v1", "backup_retention": true}', "integer ≥ 1"),
        ('{"schema": "greentic.store-settings.v1", "backup_retention": "5"}', "integer ≥ 1"),
        ('{"schema": "greentic.store-settings.v1", "keep": 5}', "unknown key(s) keep"),
        ('{"backup_retention": 5}', "schema: expected"),
        ("[5]", "must be a JSON object"),
        ("{", "not JSON"),
    ],
)
def test_a_bad_settings_file_refuses_writes_but_not_reads(
    root: Path, store: LocalFileStore, content: str, problem: str
) -> None:
    store.save(make_env())
    (root / STORE_SETTINGS_FILE).write_text(content)
    with pytest.raises(CorruptDocumentError) as info:
        store.save(make_env(name="changed"))
    assert problem in str(info.value) and STORE_SETTINGS_FILE in str(info.value)
    assert store.load("staging").name == "Staging"
    assert store.list_ids() == ["staging"]
