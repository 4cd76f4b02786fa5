"""`op deploy` and `op revisions stage --bundle` with real .gtbundle files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE


def _sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_deploy_blue_green_and_rollback(local_env: Cli) -> None:
    first = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    assert first["bundle_id"] == "hello" and first["status"] == "routed"
    assert first["reused_deployment"] is False and first["superseded_revisions"] == []
    assert first["traffic"] == "100% (10000 bps)"
    second = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    assert second["deployment_id"] == first["deployment_id"]
    assert second["reused_deployment"] is True
    assert second["superseded_revisions"] == [first["revision_id"]]
    split = local_env.ok("traffic", "show", "local", "--deployment", first["deployment_id"])
    assert split["entries"] == [{"revision_id": second["revision_id"], "weight_bps": 10000}]
    rolled = local_env.ok("traffic", "rollback", "local", "--deployment", first["deployment_id"])
    assert rolled["entries"] == [{"revision_id": first["revision_id"], "weight_bps": 10000}]
    env = local_env.ok("env", "show", "local")["environment"]
    revision = env["revisions"][0]
    assert revision["bundle_digest"] == _sha(EXAMPLE_BUNDLE)
    assert [p["pack_id"] for p in revision["pack_list"]] == ["hello-pack"]
    staged_copy = local_env.store_root / "local" / "revisions" / revision["revision_id"]
    assert _sha(staged_copy / "bundle.gtbundle") == _sha(EXAMPLE_BUNDLE)
    assert (local_env.store_root / "local" / revision["pack_list_lock_ref"]).is_file()


def test_deploy_with_key_is_idempotent(local_env: Cli) -> None:
    first = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--idempotency-key", "rel-1")
    again = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--idempotency-key", "rel-1")
    assert again["revision_id"] == first["revision_id"]
    assert again["reused_deployment"] is True
    assert len(local_env.ok("revisions", "list", "local")["revisions"]) == 1


def test_deploy_fixture_bundles(local_env: Cli, fixture_bundles: Path) -> None:
    result = local_env.ok(
        "deploy",
        "--bundle",
        str(fixture_bundles / "provider-packs-bundle.gtbundle"),
        "--host",
        "shop.example.com",
        "--tenant",
        "acme",
    )
    env = local_env.ok("env", "show", "local")["environment"]
    revision = next(r for r in env["revisions"] if r["revision_id"] == result["revision_id"])
    assert sorted(p["pack_id"] for p in revision["pack_list"]) == [
        "app",
        "messaging-webchat-gui",
        "state-memory",
    ]
    deployment = env["bundles"][0]
    assert deployment["route_binding"]["tenant_selector"] == {"tenant": "acme", "team": "default"}


def test_deploy_errors(gtc: Cli, tmp_path: Path) -> None:
    missing_env = gtc.fail("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    assert missing_env["kind"] == "not-found" and "env init" in missing_env["message"]
    gtc.ok("env", "init")
    no_file = gtc.fail("deploy", "--bundle", str(tmp_path / "absent.gtbundle"))
    assert no_file["kind"] == "invalid-argument"
    unreachable = gtc.fail("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--tenant", "acme")
    assert unreachable["kind"] == "invalid-argument" and "tenant" in unreachable["message"]
    team_only = gtc.fail("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--team", "t")
    assert team_only["kind"] == "invalid-argument"
    bad_override = gtc.fail("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--config-override", "x")
    assert bad_override["kind"] == "invalid-argument"
    not_a_bundle = tmp_path / "junk.gtbundle"
    not_a_bundle.write_bytes(b"definitely not squashfs")
    junk = gtc.fail("deploy", "--bundle", str(not_a_bundle))
    assert junk["kind"] == "invalid-argument"
    # Nothing half-written: no revision directories remain.
    revisions_dir = gtc.store_root / "local" / "revisions"
    assert not revisions_dir.exists() or list(revisions_dir.iterdir()) == []


def test_deploy_config_overrides_audited_without_values(local_env: Cli, tmp_path: Path) -> None:
    overrides = tmp_path / "o.json"
    overrides.write_text(json.dumps({"hello-pack": {"greeting": "hi", "secret_like": "s3cr3t"}}))
    local_env.ok(
        "deploy",
        "--bundle",
        str(EXAMPLE_BUNDLE),
        "--config-overrides-from",
        str(overrides),
        "--config-override-json",
        "hello-pack:limit=5",
    )
    env = local_env.ok("env", "show", "local")["environment"]
    assert env["bundles"][0]["config_overrides"] == {
        "hello-pack": {"greeting": "hi", "limit": 5, "secret_like": "s3cr3t"}
    }
    audit = (local_env.store_root / "local" / "audit" / "events.jsonl").read_text()
    assert "s3cr3t" not in audit and "secret_like" in audit


def test_stage_with_bundle_file(local_env: Cli, fixture_bundles: Path) -> None:
    dep = local_env.ok("bundles", "add", "local", "--bundle-id", "tg")["deployment_id"]
    telegram = fixture_bundles / "telegram-bundle.gtbundle"
    staged = local_env.ok(
        "revisions", "stage", "local", "--deployment", dep, "--bundle", str(telegram)
    )
    assert staged["sequence"] == 1 and staged["bundle_id"] == "tg"
    partial = local_env.fail("revisions", "stage", "local", "--deployment", dep)
    assert partial["kind"] == "invalid-argument" and "missing --bundle" in partial["message"]


def test_deploy_and_bundle_update_from_answers_files(local_env: Cli, tmp_path: Path) -> None:
    payload = tmp_path / "deploy.yaml"
    payload.write_text(
        f"bundle_path: {EXAMPLE_BUNDLE}\n"
        "bundle_id: greeter\n"
        "route_binding:\n"
        "  hosts: [greeter.example.com]\n"
        "  tenant_selector: {tenant: acme, team: web}\n"
        "revenue_share:\n"
        "  - {party_id: greentic, basis_points: 7000}\n"
        "  - {party_id: acme, basis_points: 3000}\n"
    )
    deployed = local_env.ok("deploy", "--answers", str(payload))
    assert deployed["bundle_id"] == "greeter"
    for flag in (["--bundle", str(EXAMPLE_BUNDLE)], ["--env", "local"]):
        both = local_env.fail("deploy", "--answers", str(payload), *flag)
        assert both["kind"] == "invalid-argument" and "not both" in both["message"]
    update = tmp_path / "update.json"
    update.write_text(
        json.dumps(
            {
                "environment_id": "local",
                "deployment_id": deployed["deployment_id"],
                "status": "paused",
                "config_overrides": {"hello-pack": {"greeting": "hej"}},
            }
        )
    )
    summary = local_env.ok("bundles", "update", "--answers", str(update))
    assert summary["status"] == "paused" and summary["hosts"] == ["greeter.example.com"]
    env = local_env.ok("env", "show", "local")["environment"]
    deployment = env["bundles"][0]
    assert deployment["revenue_share"][1] == {"party_id": "acme", "basis_points": 3000}
    assert deployment["config_overrides"] == {"hello-pack": {"greeting": "hej"}}
    update.write_text(
        json.dumps(
            {
                "environment_id": "local",
                "deployment_id": deployed["deployment_id"],
                "config_overrides": {"not-a-pack": {"k": 1}},
            }
        )
    )
    error = local_env.fail("bundles", "update", "--answers", str(update))
    assert "ConfigOverridePackNotInRevisions" in error["message"]
    after = local_env.ok("env", "show", "local")["environment"]["bundles"][0]
    assert after["config_overrides"] == {"hello-pack": {"greeting": "hej"}}
