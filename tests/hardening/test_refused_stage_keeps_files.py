"""A refused stage or deploy removes only what it created itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_stage_onto_a_live_revision_id_keeps_its_files(local_env: Cli, tmp_path: Path) -> None:
    """Bug: a stage refused because `revisions/<rid>` exists deleted that live revision's files."""
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    live_dir = local_env.store_root / "local" / "revisions" / deployed["revision_id"]
    before = _tree(live_dir)
    assert {"bundle.gtbundle", "pack-list.lock"} <= set(before)
    assert any(name.startswith("pack-configs/") for name in before) or any(
        name.startswith("bundle/") for name in before
    )
    answers = tmp_path / "stage.json"
    answers.write_text(
        json.dumps(
            {
                "environment_id": "local",
                "deployment_id": deployed["deployment_id"],
                "revision_id": deployed["revision_id"],
                "bundle_path": str(EXAMPLE_BUNDLE),
            }
        )
    )
    error = local_env.fail("revisions", "stage", "--answers", str(answers))
    assert error["kind"] == "conflict"
    assert "already exists" in error["message"]
    assert _tree(live_dir) == before
    # The routed revision still renders and routes.
    split = local_env.ok("traffic", "show", "local", "--deployment", deployed["deployment_id"])
    assert split["entries"] == [{"revision_id": deployed["revision_id"], "weight_bps": 10000}]


def _stage_answers(tmp_path: Path, deployment_id: str, bundle: Path) -> Path:
    answers = tmp_path / "stage.json"
    answers.write_text(
        json.dumps(
            {"environment_id": "local", "deployment_id": deployment_id, "bundle_path": str(bundle)}
        )
    )
    return answers


def _bad_bundle(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.gtbundle"
    bad.write_bytes(b"hsqs" + b"\0" * 64)  # SquashFS magic, garbage superblock
    return bad


def _add_hello(cli: Cli) -> str:
    added = cli.ok("bundles", "add", "local", "--bundle-id", "hello", "--host", "h.example.com")
    return str(added["deployment_id"])


def test_failed_stage_leaves_a_preexisting_empty_revisions_dir(
    local_env: Cli, tmp_path: Path
) -> None:
    """Bug: a failed stage removed `revisions/` even when it existed before the verb ran."""
    deployment_id = _add_hello(local_env)
    revisions_dir = local_env.store_root / "local" / "revisions"
    revisions_dir.mkdir()
    answers = _stage_answers(tmp_path, deployment_id, _bad_bundle(tmp_path))
    local_env.fail("revisions", "stage", "--answers", str(answers))
    assert revisions_dir.is_dir()
    assert os.listdir(revisions_dir) == []


def test_failed_first_stage_removes_the_revisions_dir_it_created(
    local_env: Cli, tmp_path: Path
) -> None:
    """Bug guard: a failed first stage must not leave an empty `revisions/` behind."""
    deployment_id = _add_hello(local_env)
    answers = _stage_answers(tmp_path, deployment_id, _bad_bundle(tmp_path))
    local_env.fail("revisions", "stage", "--answers", str(answers))
    assert not (local_env.store_root / "local" / "revisions").exists()


def test_failed_deploy_keeps_earlier_revisions(local_env: Cli, tmp_path: Path) -> None:
    """Bug guard: a refused deploy removes only its own new revision directory."""
    first = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    live_dir = local_env.store_root / "local" / "revisions" / first["revision_id"]
    before = _tree(live_dir)
    error = local_env.fail(
        "deploy", "--bundle", str(EXAMPLE_BUNDLE), "--config-override", "no-such-pack:k=v"
    )
    assert error["kind"] == "invalid-argument"
    assert _tree(live_dir) == before
    assert os.listdir(live_dir.parent) == [first["revision_id"]]
