"""`--output text|wide` for people: plain columns in a pipe, rich tables on a terminal."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE

BOX = set("┏┃━│┡└╭╰")
TTY = {"GREENTIC_FORCE_TTY": "1", "COLUMNS": "200"}


def test_piped_text_is_kubectl_style_columns(local_env: Cli) -> None:
    run = local_env("env", "list", "-o", "text")
    assert run.code == 0 and run.stderr == ""
    header, row = run.stdout.splitlines()
    assert header == "ID      NAME    REGION   TENANT   PACKS   BUNDLES   REVISIONS"
    assert row == "local   local   -        -        5       0         0"
    assert not BOX & set(run.stdout)


def test_no_headers_drops_the_header_row(local_env: Cli) -> None:
    run = local_env("env-packs", "list", "local", "--output=text", "--no-headers")
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "deployer",
        "secrets",
        "telemetry",
        "sessions",
        "state",
    ]
    # The last column is never padded.
    assert all(line == line.rstrip() for line in lines)


def test_wide_adds_columns_joined_from_the_document(local_env: Cli) -> None:
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    narrow = local_env("revisions", "list", "local", "-o", "text").stdout.splitlines()
    assert narrow[0].split() == ["REVISION", "BUNDLE", "SEQ", "LIFECYCLE", "WEIGHT"]
    wide = local_env("revisions", "list", "local", "-owide").stdout.splitlines()
    assert wide[0].split() == [
        "REVISION",
        "BUNDLE",
        "SEQ",
        "LIFECYCLE",
        "WEIGHT",
        "DEPLOYMENT",
        "CREATED",
        "DIGEST",
        "SOURCE",
    ]
    cells = wide[1].split()
    assert cells[0] == deployed["revision_id"] and cells[5] == deployed["deployment_id"]
    assert cells[4] == "100%"  # the WEIGHT column, text output only
    assert cells[7].startswith("sha256:") and len(cells[7]) == 71
    bundles = local_env("bundles", "list", "local", "-o", "wide").stdout.splitlines()
    assert bundles[0].split()[-3:] == ["PATH-PREFIXES", "TENANT", "CREATED"]
    assert "default/default" in bundles[1]


def test_a_terminal_gets_rich_tables(local_env: Cli) -> None:
    run = local_env("env", "list", "-o", "text", extra_env=TTY)
    assert run.code == 0
    assert BOX & set(run.stdout)
    assert "ID" in run.stdout and "local" in run.stdout


def test_json_stays_the_envelope_whatever_the_destination(local_env: Cli) -> None:
    run = local_env("env", "list", extra_env=TTY)
    assert json.loads(run.stdout)["result"]["environments"][0]["environment_id"] == "local"


def test_env_show_text_is_a_summary_not_the_document(local_env: Cli) -> None:
    """`env show --output text` once printed the whole environment document as JSON."""
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    out = local_env("env", "show", "local", "-o", "text").stdout
    lines = out.splitlines()
    assert len(lines) < 30 and "{" not in out
    assert "Environment:   local" in lines and "Listen:        127.0.0.1:8080" in lines
    assert "Bindings:" in lines and "Deployments:" in lines
    binding = next(line for line in lines if line.startswith("deployer"))
    assert binding.split() == ["deployer", "greentic.deployer.local-process@0.1.0", "0"]
    row = next(line for line in lines if line.startswith("hello"))
    assert deployed["deployment_id"] in row
    assert "2 (2 ready)" in row and "=100%" in row


def test_env_doctor_text_says_what_each_check_means(local_env: Cli) -> None:
    """Doctor once printed raw JSON and a bare `missing_slots revocation` line."""
    out = local_env("env", "doctor", "local", "-o", "text").stdout
    assert "Verdict:       ok" in out
    slots = next(line for line in out.splitlines() if line.startswith("core slots"))
    assert slots.split()[2] == "ok" and "revocation is unbound (optional" in slots
    local_env.ok("env-packs", "remove", "local", "--slot", "deployer")
    broken = local_env("env", "doctor", "local", "-o", "text")
    assert broken.code == 0  # the report is the result; the exit code is unchanged
    slots = next(line for line in broken.stdout.splitlines() if line.startswith("core slots"))
    assert slots.split()[2] == "error" and "unbound: deployer" in slots
    assert "Verdict:       error" in broken.stdout


def test_text_errors_are_error_and_hint_lines(local_env: Cli) -> None:
    run = local_env("env", "show", "lcal", "-o", "text")
    assert run.code == 1 and run.stdout == ""
    assert run.stderr.splitlines() == [
        f"Error: environment `lcal` not found under {local_env.store_root}; "
        "create it with `gtc op env create` or `gtc op env init`",
        "Hint: did you mean `local`?",
    ]


def test_json_errors_carry_the_suggestion_in_the_message(local_env: Cli) -> None:
    error = local_env.fail("env", "doctor", "locl")
    assert error["kind"] == "not-found"
    assert error["message"].endswith("; did you mean `local`?")
    far = local_env.fail("env", "show", "production")
    assert "did you mean" not in far["message"]


def test_next_steps_follow_init_and_deploy_on_stderr(gtc: Cli) -> None:
    init = gtc("env", "init", "-o", "text")
    assert init.code == 0 and "Next steps:" in init.stderr
    assert "gtc op env doctor local" in init.stderr
    assert "Next steps" not in init.stdout
    first = gtc("deploy", "--bundle", str(EXAMPLE_BUNDLE), "-o", "text")
    assert "traffic show local --deployment" in first.stderr
    assert "rollback" not in first.stderr  # nothing to roll back to yet
    second = gtc("deploy", "--bundle", str(EXAMPLE_BUNDLE), "-o", "text")
    dep = gtc.ok("bundles", "list", "local")["deployments"][0]["deployment_id"]
    assert f"gtc op traffic rollback local --deployment {dep}" in second.stderr
    assert gtc("env", "init").stderr == ""  # JSON mode prints no notes


def test_partial_inline_input_names_flags(local_env: Cli) -> None:
    error = local_env.fail("bundles", "update", "local", "--status", "paused")
    assert error["message"] == (
        "payload: partial inline input: missing --deployment (or pass every field with --answers)"
    )


def test_schema_in_text_mode_skips_the_verb_view(gtc: Cli) -> None:
    """`env show --schema -o text` once fed the input description to the summary view."""
    run = gtc("env", "show", "--schema", "-o", "text", store=False)
    assert run.stdout.splitlines() == ["INPUT-SCHEMA", "<environment_id>"]


def test_entry_syntax_errors_follow_the_output_mode(local_env: Cli) -> None:
    args = ["traffic", "set", "local", "nonsense", "--deployment", "x", "--idempotency-key", "k"]
    text = local_env(*args, "-o", "text")
    assert text.code == 1 and text.stderr.startswith("Error: ") and text.stdout == ""
    assert local_env.fail(*args)["kind"] == "invalid-argument"
