"""The envelope contract: stdout/stderr, exit codes, --schema, --answers, global flags."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import GTC, Cli


def test_help_exits_zero_and_explains(gtc: Cli) -> None:
    run = gtc("--help", store=False)
    assert run.code == 0
    assert "env-packs" in run.stdout and "traffic" in run.stdout and "deploy" in run.stdout


def test_success_is_one_compact_json_line(local_env: Cli) -> None:
    run = local_env("env", "list")
    assert run.code == 0 and run.stderr == ""
    line = run.stdout.rstrip("\n")
    assert "\n" not in line and ", " not in line and '": ' not in line
    envelope = json.loads(line)
    assert envelope["op"] == "list" and envelope["noun"] == "env"
    assert [e["environment_id"] for e in envelope["result"]["environments"]] == ["local"]


def test_failure_is_one_json_line_on_stderr_with_exit_1(gtc: Cli) -> None:
    error = gtc.fail("env", "show", "nope")
    assert error["kind"] == "not-found"
    assert "nope" in error["message"]


def test_usage_error_exits_2(gtc: Cli) -> None:
    run = gtc("env", "show")
    assert run.code == 2
    assert run.stdout == ""


def test_unknown_verb_exits_2(gtc: Cli) -> None:
    assert gtc("env", "frobnicate").code == 2


def test_schema_prints_input_schema_without_touching_the_store(gtc: Cli) -> None:
    schema = gtc.ok("bundles", "add", "--schema")
    assert schema["type"] == "object"
    assert "bundle_id" in schema["properties"]
    positional = gtc.ok("env", "show", "--schema")
    assert positional == {"input_schema": "<environment_id>"}
    traffic = gtc.ok("traffic", "set", "--schema")
    assert "entries" in traffic["properties"] and "idempotency_key" in traffic["required"]
    assert not gtc.store_root.exists()


def test_every_verb_answers_schema(gtc: Cli) -> None:
    verbs = {
        "env": [
            "create",
            "update",
            "set-public-url",
            "init",
            "list",
            "show",
            "doctor",
            "destroy",
            "render",
        ],
        "env-packs": ["add", "update", "remove", "rollback", "list"],
        "bundles": ["add", "update", "remove", "list"],
        "revisions": ["stage", "warm", "drain", "archive", "list"],
        "traffic": ["set", "show", "rollback", "clear"],
        "credentials": ["requirements"],
    }
    for noun, names in verbs.items():
        for verb in names:
            run = gtc(noun, verb, "--schema")
            assert run.code == 0, (noun, verb, run.stderr)
            envelope = json.loads(run.stdout)
            assert (envelope["noun"], envelope["op"]) == (noun, verb)
            assert isinstance(envelope["result"], dict) and envelope["result"]
    assert gtc("deploy", "--schema").code == 0
    assert not gtc.store_root.exists()


def test_global_flags_before_or_after_the_noun(gtc: Cli, tmp_path: Path) -> None:
    import subprocess

    root = tmp_path / "other"
    before = subprocess.run(
        [str(GTC), "op", "--store-root", str(root), "env", "init"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert before.returncode == 0, before.stderr
    after = subprocess.run(
        [str(GTC), "op", "env", "list", f"--store-root={root}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(after.stdout)["result"]["environments"][0]["environment_id"] == "local"


def test_answers_json_and_yaml(gtc: Cli, tmp_path: Path) -> None:
    as_json = tmp_path / "a.json"
    as_json.write_text(json.dumps({"environment_id": "staging", "name": "Staging"}))
    assert gtc.ok("env", "create", "--answers", str(as_json))["environment_id"] == "staging"
    as_yaml = tmp_path / "b.yaml"
    as_yaml.write_text("environment_id: prod\nname: Production\nregion: eu-west-1\n")
    created = gtc.ok("--answers", str(as_yaml), "env", "create")
    assert created["region"] == "eu-west-1"
    no_ext = tmp_path / "c.payload"
    no_ext.write_text("environment_id: qa\nname: QA\n")
    assert gtc.ok("env", "create", "--answers", str(no_ext))["name"] == "QA"


def test_answers_and_inline_are_exclusive(gtc: Cli, tmp_path: Path) -> None:
    payload = tmp_path / "a.json"
    payload.write_text(json.dumps({"environment_id": "staging", "name": "Staging"}))
    error = gtc.fail("env", "create", "staging", "--name", "S", "--answers", str(payload))
    assert error["kind"] == "invalid-argument" and "not both" in error["message"]


def test_partial_inline_names_the_missing_flag(gtc: Cli) -> None:
    """The message once named the payload field (`missing name`), not the flag to type."""
    error = gtc.fail("env", "create", "prod")
    assert error["kind"] == "invalid-argument"
    assert "missing --name (or pass every field with --answers)" in error["message"]


def test_no_payload(gtc: Cli) -> None:
    error = gtc.fail("env", "create")
    assert error["kind"] == "invalid-argument" and "no payload" in error["message"]


def test_unparseable_answers(gtc: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert gtc.fail("env", "create", "--answers", str(bad))["kind"] == "answers-parse"
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("a: [1, 2\n")
    assert gtc.fail("env", "create", "--answers", str(bad_yaml))["kind"] == "answers-parse"


def test_missing_answers_file_is_io(gtc: Cli, tmp_path: Path) -> None:
    error = gtc.fail("env", "create", "--answers", str(tmp_path / "absent.json"))
    assert error["kind"] == "io"


def test_unknown_payload_key_is_rejected(gtc: Cli, tmp_path: Path) -> None:
    payload = tmp_path / "a.json"
    payload.write_text(json.dumps({"environment_id": "s", "name": "S", "nmae": "typo"}))
    error = gtc.fail("env", "create", "--answers", str(payload))
    assert error["kind"] == "invalid-argument" and "nmae" in error["message"]


def test_text_output_renders_tables(local_env: Cli) -> None:
    run = local_env("env", "list", "--output", "text")
    assert run.code == 0
    header, row = run.stdout.splitlines()
    assert header.split()[:2] == ["ID", "NAME"] and row.split()[0] == "local"
    assert not run.stdout.lstrip().startswith("{")
