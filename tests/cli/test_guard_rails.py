"""Guard rails: `--dry-run` on every mutating verb, drain of a routed revision, confirmations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from greentic_deployer.cli import confirm
from greentic_deployer.cli.dry_run import MUTATING
from greentic_deployer.cli.main import app
from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def deployed(local_env: Cli) -> dict[str, Any]:
    """`hello` deployed once on `local`, plus an empty `spare` environment."""
    result = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    local_env.ok("env", "create", "spare", "--name", "Spare")
    return {"cli": local_env, "dep": result["deployment_id"], "rid": result["revision_id"]}


def test_every_mutating_verb_previews_with_dry_run_and_writes_nothing(
    deployed: dict[str, Any],
) -> None:
    gtc, dep, rid = deployed["cli"], deployed["dep"], deployed["rid"]
    before = _tree(gtc.store_root)
    calls: dict[tuple[str, str], list[str]] = {
        ("env", "create"): ["env", "create", "new-env", "--name", "New"],
        ("env", "update"): ["env", "update", "local", "--name", "Renamed"],
        ("env", "set-public-url"): ["env", "set-public-url", "local", "https://x.example"],
        ("env", "init"): ["env", "init"],
        ("env", "destroy"): ["env", "destroy", "spare", "--confirm"],
        ("env-packs", "add"): [
            "env-packs",
            "add",
            "spare",
            "--slot",
            "telemetry",
            "--kind",
            "greentic.telemetry.stdout@0.1.0",
            "--pack-ref",
            "greentic.telemetry.stdout@0.1.0",
        ],
        ("env-packs", "update"): [
            "env-packs",
            "update",
            "local",
            "--slot",
            "telemetry",
            "--kind",
            "greentic.telemetry.stdout@0.1.0",
            "--pack-ref",
            "other-ref",
        ],
        ("env-packs", "remove"): ["env-packs", "remove", "local", "--slot", "telemetry"],
        ("bundles", "add"): ["bundles", "add", "local", "--bundle-id", "shop"],
        ("bundles", "update"): [
            "bundles",
            "update",
            "local",
            "--bundle",
            "hello",
            "--status",
            "paused",
        ],
        ("revisions", "stage"): [
            "revisions",
            "stage",
            "local",
            "--deployment",
            "hello",
            "--bundle",
            str(EXAMPLE_BUNDLE),
        ],
        ("revisions", "warm"): ["revisions", "warm", "local", rid],
        ("revisions", "drain"): ["revisions", "drain", "local", rid, "--force"],
        ("traffic", "set"): [
            "traffic",
            "set",
            "local",
            f"{rid}=100%",
            "--deployment",
            dep,
            "--idempotency-key",
            "dry",
        ],
        ("traffic", "clear"): ["traffic", "clear", "local", "--deployment", dep],
        ("deploy", "deploy"): ["deploy", "--bundle", str(EXAMPLE_BUNDLE)],
    }
    results = {}
    for key, argv in calls.items():
        run = gtc(*argv, "--dry-run")
        assert run.code == 0, f"{key}: {run.stderr}"
        envelope = json.loads(run.stdout)
        assert envelope["result"]["dry_run"] is True, key
        results[key] = envelope["result"]
    assert results[("env", "destroy")]["destroyed"] is True
    assert results[("traffic", "clear")]["cleared"] is True
    assert results[("deploy", "deploy")]["superseded_revisions"] == [rid]
    assert results[("revisions", "stage")]["lifecycle"] == "staged"
    # Nothing changed on disk: no document, backup, audit line or staged file.
    assert _tree(gtc.store_root) == before


def test_dry_run_is_refused_where_the_verb_itself_refuses(deployed: dict[str, Any]) -> None:
    gtc, rid = deployed["cli"], deployed["rid"]
    before = _tree(gtc.store_root)
    error = gtc.fail("revisions", "archive", "local", rid, "--dry-run")
    assert error["kind"] == "conflict"
    assert gtc.ok("bundles", "list", "local")["deployments"][0]["current_revision_count"] == 1
    assert _tree(gtc.store_root) == before  # the failure was not audited either


def test_a_routed_revision_is_not_drained_without_force(deployed: dict[str, Any]) -> None:
    gtc, dep, rid = deployed["cli"], deployed["dep"], deployed["rid"]
    error = gtc.fail("revisions", "drain", "local", rid)
    assert error["kind"] == "conflict"
    assert "still carries 100% (10000 bps)" in error["message"]
    assert f"`gtc op traffic clear local --deployment {dep}`" in error["message"]
    assert "--force" in error["message"]
    assert gtc.ok("revisions", "drain", "local", rid, "--force")["lifecycle"] == "draining"


# -- confirmation prompts (in-process, with the terminal check answered) ---------------------


def _invoke(store: Path, *args: str, answer: str | None = None) -> Any:
    runner = CliRunner()
    return runner.invoke(app, ["op", "--store-root", str(store), *args], input=answer)


def test_a_terminal_no_cancels_traffic_clear_and_changes_nothing(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    gtc, dep = deployed["cli"], deployed["dep"]
    monkeypatch.setattr(confirm, "interactive", lambda: True)
    before = _tree(gtc.store_root)
    declined = _invoke(
        gtc.store_root, "traffic", "clear", "local", "--bundle", "hello", answer="n\n"
    )
    assert declined.exit_code == 1
    assert f"Clear the traffic split of deployment {dep}" in declined.stderr
    error = json.loads(declined.stderr.splitlines()[-1].split("[y/N] ")[-1])["error"]
    assert error["kind"] == "invalid-argument" and "not confirmed" in error["message"]
    assert _tree(gtc.store_root) == before
    accepted = _invoke(
        gtc.store_root, "traffic", "clear", "local", "--bundle", "hello", answer="y\n"
    )
    assert accepted.exit_code == 0, accepted.stderr
    assert json.loads(accepted.stdout)["result"]["cleared"] is True


def test_yes_skips_the_prompt_of_bundles_remove(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    gtc, rid = deployed["cli"], deployed["rid"]
    gtc.ok("traffic", "clear", "local", "--bundle", "hello")
    gtc.ok("revisions", "drain", "local", rid)
    gtc.ok("revisions", "archive", "local", rid)
    monkeypatch.setattr(confirm, "interactive", lambda: True)
    removed = _invoke(gtc.store_root, "bundles", "remove", "local", "--bundle", "hello", "-y")
    assert removed.exit_code == 0, removed.stderr
    assert "[y/N]" not in removed.stderr
    assert json.loads(removed.stdout)["result"]["pruned_revision_ids"] == [rid]


def test_env_destroy_asks_on_a_terminal_instead_of_demanding_confirm(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    gtc = deployed["cli"]
    monkeypatch.setattr(confirm, "interactive", lambda: True)
    declined = _invoke(gtc.store_root, "env", "destroy", "spare", answer="no\n")
    assert declined.exit_code == 1
    assert (gtc.store_root / "spare" / "environment.json").exists()
    accepted = _invoke(gtc.store_root, "env", "destroy", "spare", answer="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert not (gtc.store_root / "spare").exists()


def test_without_a_terminal_nothing_is_asked(deployed: dict[str, Any]) -> None:
    gtc = deployed["cli"]
    # Piped stdin (the console script under test): no prompt, --confirm still required.
    assert gtc.fail("env", "destroy", "spare")["kind"] == "invalid-argument"
    cleared = gtc("traffic", "clear", "local", "--bundle", "hello")
    assert cleared.code == 0 and "[y/N]" not in cleared.stderr


def test_the_mutating_set_names_only_real_commands() -> None:
    from tests.cli.test_verb_table import registered_commands

    known = registered_commands() | {("deploy", "deploy")}
    assert known >= MUTATING
