"""Hostile documents and files: alias bombs, deep nesting, FIFOs, symlinks, a file as root."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from greentic_deployer.ops.answers_file import AnswersParseError, load_answers_file
from greentic_deployer.spec.yaml_bounds import BoundedSafeLoader, YamlBoundsError
from tests.cli.conftest import Cli

K8S = "greentic.deployer.k8s@1.0.0"
DEEP = 200_000


def _alias_bomb(levels: int = 9) -> str:
    lines = ["environment_id: local", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def _env(gtc: Cli, env_id: str) -> Path:
    gtc.ok("env", "create", env_id, "--name", env_id.title())
    return gtc.store_root / env_id


# -- YAML aliasing and nesting -----------------------------------------------------------


def test_yaml_alias_bomb_is_refused_while_parsing(tmp_path: Path) -> None:
    """Bug: a nine-level alias bomb in an --answers YAML file hung for >30 s under 3 GiB."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb())
    started = time.perf_counter()
    with pytest.raises(AnswersParseError, match="alias"):
        load_answers_file(bomb)
    assert time.perf_counter() - started < 0.5


def test_yaml_alias_bomb_is_an_answers_parse_error_on_the_cli(gtc: Cli, tmp_path: Path) -> None:
    """Bug: the alias bomb reached the verbs instead of failing as `answers-parse`."""
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(_alias_bomb())
    error = gtc.fail("env", "create", "--answers", str(bomb))
    assert error["kind"] == "answers-parse"
    assert str(bomb) in error["message"]


def test_bounded_loader_refuses_on_its_own() -> None:
    """Bug guard: the loader class itself refuses, whoever calls `yaml.load` with it."""
    with pytest.raises(YamlBoundsError, match="alias bomb"):
        yaml.load(_alias_bomb(), Loader=BoundedSafeLoader)
    assert yaml.load("a: &x [1]\nb: *x\n", Loader=BoundedSafeLoader) == {"a": [1], "b": [1]}


def test_yaml_modest_aliases_still_load(tmp_path: Path) -> None:
    """Bug guard: ordinary anchors and aliases keep working under the bound."""
    doc = tmp_path / "ok.yaml"
    doc.write_text("base: &b {tenant: acme, team: ops}\nfirst: *b\nsecond: *b\n")
    assert load_answers_file(doc) == {
        "base": {"tenant": "acme", "team": "ops"},
        "first": {"tenant": "acme", "team": "ops"},
        "second": {"tenant": "acme", "team": "ops"},
    }


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, *x]\n",
        "[" * DEEP + "]" * DEEP + "\n",
        "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 300)) + "  " * 300 + "v\n",
    ],
    ids=["recursive-alias", "deep-flow", "deep-block"],
)
def test_yaml_recursion_and_deep_nesting_are_answers_parse(tmp_path: Path, text: str) -> None:
    """Bug: recursive or deeply nested YAML answers failed with an internal RecursionError."""
    doc = tmp_path / "deep.yaml"
    doc.write_text(text)
    with pytest.raises(AnswersParseError) as info:
        load_answers_file(doc)
    assert info.value.kind == "answers-parse"
    assert str(doc) in info.value.message


# -- JSON nesting ----------------------------------------------------------------------------


def test_deep_json_answers_is_answers_parse_naming_the_file(gtc: Cli, tmp_path: Path) -> None:
    """Bug: 200,000 `[` in an answers file failed with `internal error: RecursionError`."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * DEEP)
    error = gtc.fail("env", "create", "--answers", str(deep))
    assert error["kind"] == "answers-parse"
    assert str(deep) in error["message"]


def test_deep_json_config_override_is_invalid_argument(gtc: Cli) -> None:
    """Bug guard: a deeply nested --config-override-json value is a typed error."""
    gtc.ok("env", "init")
    error = gtc.fail(
        "deploy", "--bundle", __file__, "--config-override-json", "p:k=" + "[" * 5000 + "]" * 5000
    )
    assert error["kind"] == "invalid-argument"
    assert "nesting" in error["message"]


def test_deep_environment_json_is_a_typed_error_and_list_skips_it(gtc: Cli) -> None:
    """Bug: 200,000 `[` in environment.json failed every read with a RecursionError."""
    _env(gtc, "good")
    bad = _env(gtc, "bad")
    (bad / "environment.json").write_text("[" * DEEP)
    error = gtc.fail("env", "show", "bad")
    assert error["kind"] == "store"
    assert str(bad / "environment.json") in error["message"]
    assert "nesting" in error["message"]
    listed = gtc.ok("env", "list")["environments"]
    assert [e["environment_id"] for e in listed] == ["good"]


def test_moderately_deep_environment_json_is_refused_not_crashing(gtc: Cli) -> None:
    """Bug guard: nesting under Python's recursion limit but past the bound is refused too."""
    bad = _env(gtc, "bad")
    doc = json.loads((bad / "environment.json").read_text())
    doc["name"] = json.loads("[" * 900 + "]" * 900)
    (bad / "environment.json").write_text(json.dumps(doc))
    error = gtc.fail("env", "show", "bad")
    assert error["kind"] == "store"
    assert "nesting is deeper than" in error["message"]


# -- FIFOs and devices -----------------------------------------------------------------------


def test_fifo_environment_json_never_blocks(gtc: Cli) -> None:
    """Bug: a FIFO in place of environment.json made env show and env list hang forever."""
    _env(gtc, "good")
    bad = _env(gtc, "piped")
    (bad / "environment.json").unlink()
    os.mkfifo(bad / "environment.json")
    error = gtc.fail("env", "show", "piped")
    assert error["kind"] == "store"
    assert "FIFO" in error["message"]
    listed = gtc.ok("env", "list")["environments"]
    assert [e["environment_id"] for e in listed] == ["good"]


def test_fifo_runtime_json_never_blocks(gtc: Cli) -> None:
    """Bug guard: every store document read checks the file type first (runtime.json too)."""
    env_dir = _env(gtc, "piped")
    os.mkfifo(env_dir / "runtime.json")
    error = gtc.fail("env", "show", "piped")
    assert error["kind"] == "store"
    assert "runtime.json" in error["message"] and "FIFO" in error["message"]


def test_fifo_answers_ref_never_blocks_render(gtc: Cli) -> None:
    """Bug: a FIFO at a binding's answers_ref made env render hang forever."""
    env_dir = _env(gtc, "prod")
    answers = env_dir / "env-packs" / "deployer" / "answers.json"
    answers.parent.mkdir(parents=True)
    os.mkfifo(answers)
    gtc.ok(
        "env-packs", "add", "prod", "--slot", "deployer", "--kind", K8S,
        "--pack-ref", "builtin", "--answers-ref", "env-packs/deployer/answers.json",
    )  # fmt: skip
    error = gtc.fail("env", "render", "prod")
    assert error["kind"] == "conflict"
    assert "FIFO" in error["message"]


def test_fifo_or_device_answers_file_never_blocks(gtc: Cli, tmp_path: Path) -> None:
    """Bug: `--answers` naming a FIFO blocked forever; a device was read without end."""
    fifo = tmp_path / "answers.json"
    os.mkfifo(fifo)
    error = gtc.fail("env", "create", "--answers", str(fifo))
    assert error["kind"] == "io"
    assert "FIFO" in error["message"]
    device = tmp_path / "zero.yaml"
    device.symlink_to("/dev/zero")
    error = gtc.fail("env", "create", "--answers", str(device))
    assert error["kind"] == "io"
    assert "character device" in error["message"]


# -- store root and symlinks -----------------------------------------------------------------


def test_store_root_that_is_a_file_is_an_error(gtc: Cli) -> None:
    """Bug: `env list` with a regular file as --store-root returned [] with exit 0."""
    gtc.store_root.write_text("not a directory\n")
    error = gtc.fail("env", "list")
    assert error["kind"] == "store"
    assert str(gtc.store_root) in error["message"]


def test_missing_store_root_still_lists_empty(gtc: Cli) -> None:
    """Bug guard: a store root that does not exist yet is an empty store, as before."""
    assert gtc.ok("env", "list") == {"environments": []}


def test_symlinked_environment_json_is_refused_and_never_replaced(gtc: Cli) -> None:
    """Bug: a symlinked environment.json was read through, then replaced by a regular file."""
    _env(gtc, "good")
    env_dir = _env(gtc, "linked")
    real = env_dir / "real-environment.json"
    (env_dir / "environment.json").rename(real)
    (env_dir / "environment.json").symlink_to(real.name)
    before = real.read_bytes()
    error = gtc.fail("env", "show", "linked")
    assert error["kind"] == "store"
    assert "symbolic link" in error["message"]
    update = gtc.fail("env", "update", "linked", "--name", "Changed")
    assert update["kind"] == "store"
    assert (env_dir / "environment.json").is_symlink()
    assert real.read_bytes() == before
    listed = gtc.ok("env", "list")["environments"]
    assert [e["environment_id"] for e in listed] == ["good"]
