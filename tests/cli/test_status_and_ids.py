"""`op status`, typed ids (prefixes, --bundle) and `--output name`, through the console script."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE


@pytest.fixture
def redeployed(local_env: Cli) -> dict[str, Any]:
    """`hello` deployed twice: the second revision carries 100 %, the first stays ready."""
    first = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    second = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    return {
        "cli": local_env,
        "dep": second["deployment_id"],
        "r1": first["revision_id"],
        "r2": second["revision_id"],
    }


def test_status_shows_the_deployment_tree_in_one_envelope(redeployed: dict[str, Any]) -> None:
    gtc, dep, r1, r2 = redeployed["cli"], redeployed["dep"], redeployed["r1"], redeployed["r2"]
    run = gtc("status", "local")
    envelope = json.loads(run.stdout)
    assert (envelope["op"], envelope["noun"]) == ("status", "status")
    result = envelope["result"]
    assert result["environment_id"] == "local"
    [deployment] = result["deployments"]
    assert deployment["deployment_id"] == dep and deployment["bundle_id"] == "hello"
    assert deployment["split"]["generation"] == 1
    assert deployment["split"]["rollback_available"] is True
    rows = {r["revision_id"]: r for r in deployment["revisions"]}
    assert rows[r2]["weight_bps"] == 10000 and rows[r2]["weight_percent"] == 100
    assert rows[r1]["weight_bps"] is None  # not named by the split
    assert [rows[r1]["sequence"], rows[r2]["sequence"]] == [1, 2]
    assert all(r["lifecycle"] == "ready" and r["age_seconds"] >= 0 for r in rows.values())
    assert {b["slot"] for b in result["env_packs"]} >= {"deployer", "secrets"}


def test_status_text_is_a_tree_with_weights(redeployed: dict[str, Any]) -> None:
    gtc, dep, r2 = redeployed["cli"], redeployed["dep"], redeployed["r2"]
    run = gtc("status", "local", "--output", "text")
    assert run.code == 0, run.stderr
    assert f"deployment {dep}" in run.stdout
    assert "rollback available" in run.stdout
    line = next(ln for ln in run.stdout.splitlines() if r2 in ln)
    assert "100% (10000 bps)" in line and "ready" in line
    assert "env-packs" in run.stdout and "deployer:" in run.stdout


def test_bundles_list_counts_the_revisions_in_the_split(redeployed: dict[str, Any]) -> None:
    """Guards the bug where current_revision_count was always 0."""
    gtc = redeployed["cli"]
    [row] = gtc.ok("bundles", "list", "local")["deployments"]
    assert row["current_revision_count"] == 1


def test_revisions_list_text_has_a_weight_column_and_json_does_not(
    redeployed: dict[str, Any],
) -> None:
    gtc, r1, r2 = redeployed["cli"], redeployed["r1"], redeployed["r2"]
    text = gtc("revisions", "list", "local", "--output", "text").stdout
    assert text.splitlines()[0].split()[-1] == "WEIGHT"
    assert next(ln for ln in text.splitlines() if r2 in ln).split()[-1] == "100%"
    assert r1 in text  # ids are never folded over two lines
    rows = gtc.ok("revisions", "list", "local")["revisions"]
    assert all(
        set(row) == {"revision_id", "deployment_id", "bundle_id", "sequence", "lifecycle"}
        for row in rows
    )


def test_prefixes_and_bundle_ids_are_accepted_where_ids_are_expected(
    redeployed: dict[str, Any],
) -> None:
    gtc, dep, r1, r2 = redeployed["cli"], redeployed["dep"], redeployed["r1"], redeployed["r2"]
    shown = gtc.ok("traffic", "show", "local", "--bundle", "hello")
    assert shown["deployment_id"] == dep
    assert gtc.ok("traffic", "show", "local", "--deployment", "hello")["deployment_id"] == dep
    shifted = gtc.ok(
        "traffic",
        "set",
        "local",
        f"{r1[:10].lower()}=100%",
        "--deployment",
        dep[:8],
        "--idempotency-key",
        "back",
    )
    assert shifted["entries"] == [{"revision_id": r1, "weight_bps": 10000}]
    drained = gtc.ok("revisions", "drain", "local", r2[:12])
    assert drained["revision_id"] == r2 and drained["lifecycle"] == "draining"


def test_a_revision_id_as_deployment_names_its_deployment(redeployed: dict[str, Any]) -> None:
    """Guards the bug where a revision id given as --deployment said 'has no traffic split'."""
    gtc, dep, r2 = redeployed["cli"], redeployed["dep"], redeployed["r2"]
    error = gtc.fail("traffic", "show", "local", "--deployment", r2)
    assert error["kind"] == "invalid-argument"
    assert f"is a revision of deployment {dep}" in error["message"]


def test_output_name_prints_only_the_primary_id(local_env: Cli) -> None:
    run = local_env("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--output", "name")
    assert run.code == 0, run.stderr
    dep = run.stdout.strip()
    assert len(dep) == 26 and run.stdout.count("\n") == 1
    revision = local_env("revisions", "list", "local", "--output", "name").stdout.split()
    assert len(revision) == 1
    assert local_env("env", "show", "local", "--output", "name").stdout == "local\n"
    shown = local_env("traffic", "show", "local", "--bundle", "hello", "--output", "name")
    assert shown.stdout == f"{dep}\n"
