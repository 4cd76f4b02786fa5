"""Conventions: -h, -o, version, completion, verb help, and usage errors exit 2."""

from __future__ import annotations

import json
from importlib.metadata import version

import pytest

from greentic_deployer.cli import verbs
from tests.cli.conftest import Cli

VERBS = sorted(
    {(entry.noun, entry.verb) for entry in verbs.TABLE} | {("env", "init"), ("deploy", "deploy")}
)


def _argv(noun: str, verb: str) -> list[str]:
    return [noun] if noun == verb else [noun, verb]


@pytest.mark.parametrize(("noun", "verb"), VERBS, ids=[f"{n}-{v}" for n, v in VERBS])
def test_every_verb_help_has_an_example_and_the_global_options(
    gtc: Cli, noun: str, verb: str
) -> None:
    run = gtc(*_argv(noun, verb), "-h", store=False, extra_env={"COLUMNS": "200"})
    assert run.code == 0, run.stderr
    assert "Example: gtc op " in run.stdout
    assert "Global options" in run.stdout and "-o/--output json|text|wide" in run.stdout
    assert "<bool>" not in run.stdout  # flags take no value
    entry = next((e for e in verbs.TABLE if (e.noun, e.verb) == (noun, verb)), None)
    if entry is not None and (noun, verb) != ("env", "list"):
        # Positionals are shown as required: `{environment_id}` in usage, `*` in the table.
        assert "{environment_id}" in run.stdout and "[required]" in run.stdout


@pytest.mark.parametrize(
    "entry",
    [e for e in verbs.TABLE if isinstance(e, verbs.PositionalVerb) and "<" in e.schema_text],
    ids=lambda e: f"{e.noun}-{e.verb}",
)
def test_a_missing_positional_is_a_usage_error(gtc: Cli, entry: verbs.PositionalVerb) -> None:
    run = gtc(entry.noun, entry.verb)
    assert run.code == 2 and run.stdout == ""
    assert "Missing argument 'environment_id'" in run.stderr
    assert gtc(entry.noun, entry.verb, "--schema").code == 0  # --schema needs no arguments


def test_payload_verbs_missing_a_positional_on_the_inline_path_exit_2(gtc: Cli) -> None:
    run = gtc("env", "create", "--name", "Staging")
    assert run.code == 2 and "Missing argument 'environment_id'" in run.stderr
    entries = gtc("traffic", "set", "local", "--deployment", "x", "--idempotency-key", "k")
    assert entries.code == 2 and "Missing argument" in entries.stderr


def test_payload_verbs_with_nothing_keep_the_no_payload_envelope(gtc: Cli) -> None:
    # Reference §8.1: neither inline flags nor --answers is `invalid-argument`, exit 1.
    error = gtc.fail("env", "create")
    assert error["kind"] == "invalid-argument" and "no payload provided" in error["message"]


def test_short_h_works_on_groups_and_the_root(gtc: Cli) -> None:
    for argv in (["-h"], ["op", "-h"], ["op", "env", "-h"]):
        run = gtc(*argv, store=False, op=False)
        assert run.code == 0 and "Usage:" in run.stdout


def test_short_o_is_hoisted_like_output(local_env: Cli) -> None:
    for flag in (["-o", "text"], ["-otext"], ["-o=text"]):
        run = local_env("env", "list", *flag)
        assert run.code == 0 and run.stdout.startswith("ID "), flag
    bad = local_env("env", "list", "-o", "yaml")
    assert bad.code == 2 and "--output" in bad.stderr


def test_version_flag_and_command(gtc: Cli) -> None:
    expected = f"greentic-deployer {version('greentic-deployer')}"
    assert gtc("--version", store=False, op=False).stdout.strip() == expected
    assert gtc("version", store=False, op=False).stdout.strip() == expected
    as_json = gtc("version", "-o", "json", store=False, op=False)
    assert json.loads(as_json.stdout) == {
        "op": "version",
        "noun": "version",
        "result": {"package": "greentic-deployer", "version": version("greentic-deployer")},
    }


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(gtc: Cli, shell: str) -> None:
    run = gtc("completion", shell, store=False, op=False)
    assert run.code == 0 and "_GTC_COMPLETE" in run.stdout


def test_completion_rejects_unknown_shells(gtc: Cli) -> None:
    run = gtc("completion", "tcsh", store=False, op=False)
    assert run.code == 2 and "bash, zsh, fish" in run.stderr


def test_the_completion_script_gets_candidates_back(gtc: Cli) -> None:
    run = gtc(
        store=False,
        op=False,
        extra_env={"_GTC_COMPLETE": "complete_bash", "COMP_WORDS": "gtc op en", "COMP_CWORD": "2"},
    )
    assert run.code == 0 and run.stdout.split() == ["env", "env-packs"]
