"""The five fixture bundles stage with the right pins, digests and lock."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.bundle.digest import sha256_file
from greentic_deployer.bundle.errors import BundleError, BundleIOError, NotASquashfsError
from greentic_deployer.bundle.squashfs import SquashfsImage
from greentic_deployer.spec.documents import PackListLock
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError

from .conftest import FIXTURES, RID, stage

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "perf-smoke-bundle.gtbundle": [
        ("perf-smoke-pack", "packs/perf-smoke-pack/dist/perf-smoke-pack.gtpack"),
    ],
    "provider-only-bundle.gtbundle": [
        ("messaging-webchat-gui", "providers/messaging/messaging-webchat-gui.gtpack"),
    ],
    "provider-packs-bundle.gtbundle": [
        ("app", "packs/app.gtpack"),
        ("messaging-webchat-gui", "providers/messaging/messaging-webchat-gui.gtpack"),
        ("state-memory", "providers/state/state-memory.gtpack"),
    ],
    "telegram-bundle.gtbundle": [
        ("messaging-telegram", "packs/messaging-telegram.gtpack"),
        ("quickstart", "packs/quickstart.gtpack"),
    ],
    "templates-bundle.gtbundle": [
        ("templates-pack", "packs/templates-pack/dist/templates-pack.gtpack"),
    ],
}


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_all_five_fixtures_are_covered() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.gtbundle")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_stages_with_expected_pins(name: str, revision_dir: Path) -> None:
    source = FIXTURES / name
    staged = stage(source, revision_dir)

    assert staged.bundle_digest == _sha256(source)
    copy = revision_dir / "bundle.gtbundle"
    assert copy.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o444

    expected = EXPECTED[name]
    bundle_ref = f"revisions/{RID}/bundle"
    assert staged.pack_list_lock_ref == f"revisions/{RID}/pack-list.lock"
    lock = PackListLock.model_validate_json((revision_dir / "pack-list.lock").read_text())
    assert lock.schema_ == "greentic.pack-list-lock.v1"
    assert lock.revision_id == RID
    assert [(p.pack_id, p.path) for p in lock.packs] == [
        (pack_id, f"{bundle_ref}/{inner}") for pack_id, inner in expected
    ]
    for entry in lock.packs:
        extracted = revision_dir.parent.parent / entry.path
        assert entry.digest == _sha256(extracted)

    assert [(e.pack_id, e.version, e.digest) for e in staged.pack_list] == [
        (p.pack_id, "0.0.0", p.digest) for p in lock.packs
    ]
    assert staged.pack_config_refs == []
    assert not (revision_dir / "pack-configs").exists()
    assert staged.manifest == json.loads((revision_dir / "bundle/bundle-manifest.json").read_text())


def test_lock_is_pretty_json_with_trailing_newline(revision_dir: Path) -> None:
    stage(FIXTURES / "provider-only-bundle.gtbundle", revision_dir)
    text = (revision_dir / "pack-list.lock").read_text()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_provider_packs_skip_deployer_domain_and_stray_packs(revision_dir: Path) -> None:
    staged = stage(FIXTURES / "provider-packs-bundle.gtbundle", revision_dir)
    pinned = {entry.pack_id for entry in staged.pack_list}
    assert pinned == {"app", "messaging-webchat-gui", "state-memory"}
    assert "deployer-terraform" not in pinned
    assert "stray" not in pinned
    # Extraction itself is complete; only the pinning is selective.
    assert (revision_dir / "bundle/providers/deployer/deployer-terraform.gtpack").is_file()
    assert (revision_dir / "bundle/resolved/stray.gtpack").is_file()


def test_telegram_bundle_is_xz_and_extracts_byte_exact(revision_dir: Path) -> None:
    source = FIXTURES / "telegram-bundle.gtbundle"
    with SquashfsImage(source) as image:
        assert image.compression == "xz"
    staged = stage(source, revision_dir)
    quickstart = revision_dir / "bundle/packs/quickstart.gtpack"
    assert quickstart.stat().st_size == 5_496_796
    digests = {e.pack_id: e.digest for e in staged.pack_list}
    assert digests["quickstart"] == sha256_file(quickstart)
    assert digests["quickstart"] == (
        "sha256:ff2e24d5d1413d90e038abec471ed7d901191591e59aa99166c36fe0fc8393c7"
    )
    assert staged.manifest["bundle_id"] == "m5.telegram"


def test_existing_revision_dir_is_refused_and_left_alone(revision_dir: Path) -> None:
    revision_dir.mkdir(parents=True)
    (revision_dir / "keep").write_text("mine")
    with pytest.raises(ConflictError, match="already exists"):
        stage(FIXTURES / "provider-only-bundle.gtbundle", revision_dir)
    assert (revision_dir / "keep").read_text() == "mine"


def test_missing_source_fails_before_anything_is_created(tmp_path: Path, env_dir: Path) -> None:
    revision_dir = env_dir / "revisions" / RID
    with pytest.raises(BundleError, match="does not exist") as info:
        stage(tmp_path / "nope.gtbundle", revision_dir)
    assert info.value.kind == "invalid-argument"
    assert "nope.gtbundle" in str(info.value)
    assert not env_dir.exists()


def test_directory_source_is_refused(tmp_path: Path, env_dir: Path) -> None:
    with pytest.raises(BundleError, match="not a regular file"):
        stage(tmp_path, env_dir / "revisions" / RID)
    assert not env_dir.exists()


def test_unreadable_source_is_refused(
    tmp_path: Path, env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "locked.gtbundle"
    source.write_bytes((FIXTURES / "provider-only-bundle.gtbundle").read_bytes())
    real_open = Path.open

    def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
        # chmod 000 does not stop root, so simulate the permission error instead.
        if self == source:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(BundleError, match="cannot be read: Permission denied"):
        stage(source, env_dir / "revisions" / RID)
    assert not env_dir.exists()


def test_non_squashfs_source_is_refused_before_anything_is_created(
    tmp_path: Path, env_dir: Path
) -> None:
    source = tmp_path / "bundle.zip"
    source.write_bytes(b"PK\x03\x04 not a squashfs image")
    with pytest.raises(NotASquashfsError, match="bad magic"):
        stage(source, env_dir / "revisions" / RID)
    assert not env_dir.exists()


def test_revision_dir_must_be_named_after_the_revision(env_dir: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="revision_dir"):
        stage(FIXTURES / "provider-only-bundle.gtbundle", env_dir / "revisions" / "other")
    assert not env_dir.exists()


@pytest.mark.parametrize(
    ("env_id", "bundle_id", "field"),
    [("bad/env", "demo", "env_id"), ("local", "  ", "bundle_id")],
)
def test_bad_ids_are_refused_before_anything_is_created(
    env_id: str, bundle_id: str, field: str, revision_dir: Path, env_dir: Path
) -> None:
    with pytest.raises(InvalidArgumentError, match=field):
        stage(
            FIXTURES / "provider-only-bundle.gtbundle",
            revision_dir,
            env_id=env_id,
            bundle_id=bundle_id,
        )
    assert not env_dir.exists()


def test_filesystem_failure_is_an_io_error_and_cleans_up(
    revision_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import greentic_deployer.bundle.stage as stage_module

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stage_module, "scan_packs", disk_full)
    with pytest.raises(BundleIOError, match="No space left on device") as info:
        stage(FIXTURES / "provider-only-bundle.gtbundle", revision_dir)
    assert info.value.kind == "io"
    assert not revision_dir.exists()
