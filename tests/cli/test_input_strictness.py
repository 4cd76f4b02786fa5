"""Typos and misplaced inputs are errors, never silently ignored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.conftest import Cli


def test_unknown_nested_payload_keys_are_rejected(local_env: Cli, tmp_path: Path) -> None:
    cases: list[dict[str, Any]] = [
        {"route_binding": {"host": ["a.example.com"]}},
        {"route_binding": {"tenant_selector": {"tenant": "x", "teem": "y"}}},
        {"revenue_share": [{"party_id": "greentic", "basis_points": 10000, "extra": 1}]},
    ]
    for i, extra in enumerate(cases):
        payload = tmp_path / f"p{i}.json"
        payload.write_text(json.dumps({"environment_id": "local", "bundle_id": f"b{i}", **extra}))
        error = local_env.fail("bundles", "add", "--answers", str(payload))
        assert error["kind"] == "invalid-argument", extra
    assert local_env.ok("bundles", "list", "local")["deployments"] == []


def test_answers_on_a_verb_without_payload_is_an_error(local_env: Cli, tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    for args in (["env", "list"], ["env", "show", "local"], ["env", "init"]):
        error = local_env.fail(*args, "--answers", str(payload))
        assert error["kind"] == "invalid-argument" and "--answers" in error["message"]


def test_public_url_errors_are_invalid_argument_everywhere(local_env: Cli) -> None:
    for args in (
        ["env", "set-public-url", "local", "https://h/path"],
        ["env", "create", "e", "--name", "E", "--public-url", "ftp://h"],
        ["env", "update", "local", "--public-url", "https://user@h"],
    ):
        error = local_env.fail(*args)
        assert error["kind"] == "invalid-argument", args
        assert error["message"].startswith("public_base_url: "), error


def test_env_update_changes_only_what_is_given(local_env: Cli) -> None:
    updated = local_env.ok("env", "update", "local", "--region", "eu-central-1")
    assert updated["name"] == "local" and updated["region"] == "eu-central-1"
    nothing = local_env.fail("env", "update", "local")
    assert nothing["kind"] == "invalid-argument" and "nothing to update" in nothing["message"]


def test_the_retired_directory_name_is_reserved(gtc: Cli) -> None:
    error = gtc.fail("env", "create", ".retired", "--name", "trash")
    assert error["kind"] == "invalid-argument" and "reserved" in error["message"]
