"""Nouns and verbs built on lookup still behave as eagerly built typer groups did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from greentic_deployer.cli.nouns import NOUNS, noun_app

GTC = Path(sys.executable).parent / "gtc"


def gtc(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the console script with a wide terminal, so messages are not wrapped."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [str(GTC), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [(("op", "envv", "list"), "'env'"), (("op", "env", "lsit"), "'list'")],
)
def test_a_misspelt_noun_or_verb_gets_a_suggestion(args: tuple[str, ...], suggestion: str) -> None:
    """Regression: typer suggests only from built commands, and nouns/verbs build on lookup."""
    done = gtc(*args)
    assert done.returncode == 2
    assert f"Did you mean {suggestion}?" in done.stderr


def test_op_help_lists_every_noun_and_noun_help_every_verb() -> None:
    """Regression: help must list the nouns and verbs that are not built yet."""
    op_help = gtc("op", "--help").stdout
    for noun in NOUNS:
        assert f" {noun} " in op_help
        noun_help = gtc("op", noun, "--help").stdout
        for command in noun_app(noun).registered_commands:
            assert command.callback is not None
            name = command.name or command.callback.__name__.replace("_", "-")
            assert f" {name} " in noun_help, f"{noun} {name}"
