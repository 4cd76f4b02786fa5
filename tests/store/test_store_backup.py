"""Pre-image backups: naming, collisions, and which writes take them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from greentic_deployer.spec.serde import dumps_pretty
from greentic_deployer.store.backup import MAX_BACKUP_ATTEMPTS, backup_file, backup_stamp
from greentic_deployer.store.errors import BackupCollisionError
from greentic_deployer.store.local import LocalFileStore

from .builders import NOW, make_env

STAMP = "20250102T030405.123456000Z"


def test_stamp_is_utc_with_nanoseconds() -> None:
    assert backup_stamp(NOW) == STAMP
    plus_two = timezone(timedelta(hours=2))
    assert backup_stamp(NOW.astimezone(plus_two)) == STAMP
    assert backup_stamp(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)) == (
        "20251231T235959.000000000Z"
    )


def test_no_backup_when_the_target_is_missing(tmp_path: Path) -> None:
    assert backup_file(tmp_path / "absent.json", tmp_path / "backups", NOW) is None
    assert not (tmp_path / "backups").exists()


def test_backup_copies_bytes_and_suffixes_collisions(tmp_path: Path) -> None:
    source = tmp_path / "environment.json"
    backups = tmp_path / "backups"
    names = []
    for i in range(3):
        source.write_bytes(f"v{i}\n".encode())
        made = backup_file(source, backups, NOW)
        assert made is not None
        assert made.parent == backups
        assert made.read_bytes() == f"v{i}\n".encode()
        names.append(made.name)
    assert names == [
        f"environment.json.{STAMP}.bak",
        f"environment.json.{STAMP}.1.bak",
        f"environment.json.{STAMP}.2.bak",
    ]


def test_collisions_are_bounded(tmp_path: Path) -> None:
    source = tmp_path / "environment.json"
    source.write_text("{}")
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / f"environment.json.{STAMP}.bak").write_text("")
    for n in range(1, MAX_BACKUP_ATTEMPTS - 1):
        (backups / f"environment.json.{STAMP}.{n}.bak").write_text("")
    last = backup_file(source, backups, NOW)
    assert last is not None
    assert last.name == f"environment.json.{STAMP}.{MAX_BACKUP_ATTEMPTS - 1}.bak"
    with pytest.raises(BackupCollisionError) as caught:
        backup_file(source, backups, NOW)
    assert caught.value.kind == "store"
    assert "1024 attempts" in str(caught.value)


def test_saves_back_up_the_previous_document_only(fixed_store: LocalFileStore, root: Path) -> None:
    first = make_env(name="First")
    fixed_store.create(first)
    assert not (root / "staging" / "backups").exists()
    fixed_store.save(first.model_copy(update={"name": "Second"}))
    backup = root / "staging" / "backups" / f"environment.json.{STAMP}.bak"
    assert backup.read_text() == dumps_pretty(first)
    fixed_store.transact("staging", lambda e: (e.model_copy(update={"name": "Third"}), None))
    second = root / "staging" / "backups" / f"environment.json.{STAMP}.1.bak"
    assert "Second" in second.read_text()


def test_pack_answer_backups_live_under_their_slot(fixed_store: LocalFileStore, root: Path) -> None:
    fixed_store.create(make_env())
    fixed_store.save_pack_answers("staging", "deployer", {"v": 1})
    fixed_store.save_pack_answers("staging", "deployer", {"v": 2})
    fixed_store.delete_pack_answers("staging", "deployer")
    slot_backups = root / "staging" / "backups" / "env-packs" / "deployer"
    assert sorted(p.name for p in slot_backups.iterdir()) == [
        f"answers.json.{STAMP}.1.bak",
        f"answers.json.{STAMP}.bak",
    ]
    assert '"v": 1' in (slot_backups / f"answers.json.{STAMP}.bak").read_text()
    assert '"v": 2' in (slot_backups / f"answers.json.{STAMP}.1.bak").read_text()
    assert fixed_store.load_pack_answers("staging", "deployer") is None
