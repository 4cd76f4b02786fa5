"""One identifier rule at every entry point: length, control characters, leading '-'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentic_deployer.spec.errors import MAX_QUOTED_CHARS, InvalidArgumentError
from greentic_deployer.spec.ids import MAX_ID_BYTES, check_identifier, parse_env_id
from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE


def _answers(tmp_path: Path, name: str, payload: dict[str, object]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return str(path)


def test_longest_accepted_env_id_can_be_destroyed(gtc: Cli) -> None:
    """Bug: a 240-character id was created but `env destroy` failed (File name too long)."""
    env_id = "e" * MAX_ID_BYTES
    gtc.ok("env", "create", env_id, "--name", "Long")
    destroyed = gtc.ok("env", "destroy", env_id, "--confirm")
    assert destroyed["destroyed"] is True
    assert Path(destroyed["retired_to"]).is_dir()


def test_env_id_over_the_limit_is_refused_before_touching_disk(gtc: Cli) -> None:
    """Bug: a 240-character id was accepted and could never be retired."""
    error = gtc.fail("env", "create", "e" * (MAX_ID_BYTES + 1), "--name", "Long")
    assert error["kind"] == "invalid-argument"
    assert f"at most {MAX_ID_BYTES} bytes" in error["message"]
    assert not gtc.store_root.exists() or not any(gtc.store_root.iterdir())


def test_huge_env_id_is_invalid_argument_and_not_echoed_whole(gtc: Cli) -> None:
    """Bug: a 10,000-character id failed with kind `io` and was echoed whole in the error."""
    error = gtc.fail("env", "show", "x" * 10_000)
    assert error["kind"] == "invalid-argument"
    assert len(error["message"]) < 300
    assert "…" in error["message"]


def test_env_id_with_leading_dash_is_refused(gtc: Cli, tmp_path: Path) -> None:
    """Bug: `--cloudflared` was a valid env id and rendered as `start --env --cloudflared`."""
    answers = _answers(tmp_path, "env.json", {"environment_id": "--cloudflared", "name": "x"})
    error = gtc.fail("env", "create", "--answers", answers)
    assert error["kind"] == "invalid-argument"
    assert "must not start with '-'" in error["message"]
    assert not (gtc.store_root / "--cloudflared").exists()


def test_bundle_id_with_newline_or_nul_is_refused(local_env: Cli, tmp_path: Path) -> None:
    """Bug: a `bundle_id` with control characters was stored and became a pod env value."""
    for bad in ("evil\nGREENTIC_X=1", "nul\0id", "bell\x07", "line\u2028sep"):
        answers = _answers(
            tmp_path,
            "add.json",
            {
                "environment_id": "local",
                "bundle_id": bad,
                "route_binding": {"hosts": ["h.example.com"]},
            },
        )
        error = local_env.fail("bundles", "add", "--answers", answers)
        assert error["kind"] == "invalid-argument", bad
        assert "control characters" in error["message"]
    assert local_env.ok("bundles", "list", "local")["deployments"] == []


def test_deploy_refuses_a_bundle_id_with_control_characters(local_env: Cli) -> None:
    """Bug: `deploy --bundle-id` let control characters into the stored bundle id."""
    error = local_env.fail("deploy", "--bundle", str(EXAMPLE_BUNDLE), "--bundle-id", "a\tb")
    assert error["kind"] == "invalid-argument"
    assert not (local_env.store_root / "local" / "revisions").exists()


def test_customer_id_over_the_limit_is_refused(local_env: Cli) -> None:
    """Bug guard: customer ids follow the same identifier rule as bundle ids."""
    error = local_env.fail(
        "bundles",
        "add",
        "local",
        "--bundle-id",
        "b",
        "--customer-id",
        "c" * (MAX_ID_BYTES + 1),
        "--host",
        "h.example.com",
    )
    assert error["kind"] == "invalid-argument"
    assert error["message"].startswith("customer_id:")


def test_pack_ref_with_control_characters_is_refused(local_env: Cli, tmp_path: Path) -> None:
    """Bug: `pack_ref` stored NUL and newline characters verbatim."""
    for bad in ("ref\0x", "ref\nx"):
        answers = _answers(
            tmp_path,
            "bind.json",
            {
                "environment_id": "local",
                "slot": "deployer",
                "kind": "greentic.deployer.local-process@0.1.0",
                "pack_ref": bad,
            },
        )
        error = local_env.fail("env-packs", "update", "--answers", answers)
        assert error["kind"] == "invalid-argument", bad
        assert error["message"].startswith("pack_ref:")


@pytest.mark.parametrize(
    "ref",
    ["env-packs//answers.json", "./answers.json", "-x/answers.json", "a\nb.json", "/abs.json"],
)
def test_answers_ref_segments_follow_the_rule(local_env: Cli, ref: str) -> None:
    """Bug guard: every segment of `answers_ref` is an identifier (no empty, '.', '-x', NUL)."""
    error = local_env.fail(
        "env-packs",
        "update",
        "local",
        "--slot",
        "deployer",
        "--kind",
        "greentic.deployer.local-process@0.1.0",
        "--pack-ref",
        "builtin",
        "--answers-ref",
        ref,
    )
    assert error["kind"] == "invalid-argument"
    assert error["message"].startswith("answers_ref:")


def test_reference_style_ids_stay_accepted() -> None:
    """Bug guard: ids the reference accepts (dots, inner dashes, spaces, '/', unicode) pass."""
    for env_id in ("local", "prod.eu-1", "A_b-C.9", "x" * MAX_ID_BYTES):
        assert parse_env_id(env_id) == env_id
    for opaque in ("acme/Sales Assistant (EU)", "support-bot", "café", "a-b"):
        assert check_identifier(opaque, "bundle_id") == opaque


def test_long_values_are_quoted_truncated_in_every_invalid_argument_error() -> None:
    """Bug: invalid-argument messages echoed an offending value whole, however long."""
    error = InvalidArgumentError("field", "rule", "v" * 5000)
    quoted = error.message.split("(got ", 1)[1]
    assert len(quoted) <= MAX_QUOTED_CHARS + 1
    assert quoted.endswith("…)")
    short = InvalidArgumentError("field", "rule", "abc")
    assert short.message == "field: rule (got 'abc')"
