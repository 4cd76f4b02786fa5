"""Snapshots capture the tracked files; restore puts them back and re-derives the projection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.errors import (
    CorruptDocumentError,
    EnvIdMismatchError,
    EnvNotFoundError,
    SnapshotNotFoundError,
)
from greentic_deployer.store.local import LocalFileStore

from .builders import bump, counter, make_env, routed_env

TRUST_ROOT = '{"schema": "greentic.trust-root.v1", "keys": ["operator"]}\n'
DEV_SECRETS = ".greentic/dev/.dev.secrets.env"


def _prepare(store: LocalFileStore) -> Path:
    store.create(make_env())
    env_dir = store.env_dir("staging")
    store.save_pack_answers("staging", "deployer", {"namespace": "a"})
    (env_dir / "messaging").mkdir()
    (env_dir / "messaging" / "index.json").write_text('{"endpoints": ["e1"]}\n')
    (env_dir / "messaging" / "e1.json").write_text('{"id": "e1"}\n')
    (env_dir / DEV_SECRETS).parent.mkdir(parents=True)
    (env_dir / DEV_SECRETS).write_text("KEY=enc:abc\n")
    (env_dir / "trust-root.json").write_text(TRUST_ROOT)
    return env_dir


def _manifest(env_dir: Path, snapshot_id: str) -> dict[str, object]:
    data = json.loads((env_dir / "snapshots" / snapshot_id / "manifest.json").read_text())
    assert isinstance(data, dict)
    return data


def test_snapshot_captures_tracked_files_but_not_the_trust_root(store: LocalFileStore) -> None:
    env_dir = _prepare(store)
    snapshot_id = store.snapshot("staging")
    manifest = _manifest(env_dir, snapshot_id)
    files = manifest["files"]
    assert manifest["schema"] == "greentic.snapshot-manifest.v1"
    assert manifest["env_id"] == "staging"
    assert files == {
        "environment.json": True,
        "runtime.json": False,
        "runtime-config.json": False,
        **{
            f"env-packs/{s.value}/answers.json": s == CapabilitySlot.deployer
            for s in CapabilitySlot
        },
        "messaging/e1.json": True,
        "messaging/index.json": True,
        DEV_SECRETS: True,
        ".greentic/state/dev/.dev.secrets.env": False,
    }
    assert isinstance(files, dict)
    assert list(files) == sorted(files)
    captured = env_dir / "snapshots" / snapshot_id
    for rel, present in files.items():
        assert (captured / rel).exists() is present
        if present:
            assert (captured / rel).read_bytes() == (env_dir / rel).read_bytes()
    assert not (captured / "trust-root.json").exists()


def test_restore_round_trip(store: LocalFileStore) -> None:
    env_dir = _prepare(store)
    originals = {
        rel: (env_dir / rel).read_bytes()
        for rel in ("environment.json", "messaging/e1.json", DEV_SECRETS)
    }
    snapshot_id = store.snapshot("staging")

    # Drift after the snapshot: new traffic, changed and new answers, messaging, secrets.
    store.transact("staging", lambda e: (routed_env(), None))
    store.save_pack_answers("staging", "deployer", {"namespace": "b"})
    store.save_pack_answers("staging", "secrets", {"backend": "vault"})
    (env_dir / "messaging" / "e1.json").write_text('{"id": "changed"}\n')
    (env_dir / "messaging" / "stray.json").write_text("{}\n")
    (env_dir / DEV_SECRETS).write_text("KEY=enc:changed\n")
    (env_dir / "trust-root.json").write_text('{"keys": []}\n')  # a revocation
    assert (env_dir / "runtime-config.json").exists()

    store.restore("staging", snapshot_id)

    for rel, data in originals.items():
        assert (env_dir / rel).read_bytes() == data
    assert store.load("staging") == make_env()
    assert store.load_pack_answers("staging", "deployer") == {"namespace": "a"}
    # Absent at snapshot time → deleted; stray messaging files → deleted.
    assert store.load_pack_answers("staging", "secrets") is None
    assert not (env_dir / "messaging" / "stray.json").exists()
    # The projection follows the restored environment; the trust root is never rolled back.
    assert not (env_dir / "runtime-config.json").exists()
    assert (env_dir / "trust-root.json").read_text() == '{"keys": []}\n'
    # Everything replaced or deleted was backed up first.
    backups = env_dir / "backups"
    assert any(p.name.startswith("environment.json.") for p in backups.iterdir())
    assert any(p.name.startswith("stray.json.") for p in (backups / "messaging").iterdir())
    assert list((backups / "env-packs" / "secrets").iterdir())


def test_restore_re_derives_the_projection(store: LocalFileStore) -> None:
    store.create(routed_env())
    env_dir = store.env_dir("staging")
    # A snapshot taken while the projection was missing (e.g. after a failed publish)...
    (env_dir / "runtime-config.json").unlink()
    snapshot_id = store.snapshot("staging")
    assert _manifest(env_dir, snapshot_id)["files"]["runtime-config.json"] is False  # type: ignore[index]
    store.transact("staging", bump)
    store.restore("staging", snapshot_id)
    # ...restores the environment and then publishes its projection again.
    assert counter(store.load("staging")) == 0
    assert (env_dir / "runtime-config.json").exists()


def test_restore_errors(store: LocalFileStore, env: Environment) -> None:
    with pytest.raises(SnapshotNotFoundError) as caught:
        store.restore("staging", ulid_from_int(7))
    assert caught.value.kind == "not-found"
    with pytest.raises(InvalidArgumentError) as invalid:
        store.restore("staging", "../../elsewhere")
    assert invalid.value.field == "snapshot_id"
    with pytest.raises(EnvNotFoundError):
        store.snapshot("prod")


def _tamper(store: LocalFileStore, snapshot_id: str, **changes: object) -> None:
    path = store.env_dir("staging") / "snapshots" / snapshot_id / "manifest.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "bad_path",
    [
        "../outside.json",
        "/etc/passwd",
        "trust-root.json",
        ".lock",
        "messaging/../environment.json",
        "env-packs/unknown/answers.json",
        "messaging/sub/x.json",
    ],
)
def test_manifests_may_only_name_tracked_relative_paths(
    store: LocalFileStore, env: Environment, bad_path: str
) -> None:
    snapshot_id = store.snapshot("staging")
    store.transact("staging", bump)
    _tamper(store, snapshot_id, files={"environment.json": True, bad_path: False})
    with pytest.raises(InvalidArgumentError) as caught:
        store.restore("staging", snapshot_id)
    assert caught.value.value == bad_path
    assert counter(store.load("staging")) == 1


def test_damaged_snapshots_change_nothing(store: LocalFileStore, env: Environment) -> None:
    snapshot_id = store.snapshot("staging")
    store.transact("staging", bump)
    captured = store.env_dir("staging") / "snapshots" / snapshot_id / "environment.json"
    captured.unlink()
    with pytest.raises(CorruptDocumentError):
        store.restore("staging", snapshot_id)
    _tamper(store, snapshot_id, env_id="prod")
    with pytest.raises(EnvIdMismatchError):
        store.restore("staging", snapshot_id)
    assert counter(store.load("staging")) == 1
