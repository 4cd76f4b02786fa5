"""Confirmation prompts for destructive verbs, asked only on an interactive terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from greentic_deployer.spec.errors import InvalidArgumentError

YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation on a terminal.")
]


def interactive() -> bool:
    """Whether a person can answer: stdin and stderr are both terminals."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirm(question: str, *, skip: bool) -> None:
    """Ask `question` on stderr; anything but y/yes refuses (InvalidArgumentError on `--yes`).

    Skipped with `skip` (`--yes`, `--dry-run`) and whenever stdin or stderr is not a terminal,
    so scripts and pipes behave exactly as without the prompt.
    """
    if skip or not interactive():
        return
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise InvalidArgumentError(
            "--yes", "not confirmed; nothing was changed (pass --yes to skip the question)"
        )


def ask_destroy(env_id: str, *, confirmed: bool, yes: bool, dry_run: bool) -> bool:
    """`env destroy`'s consent: `--confirm`/`--yes`, else (on a terminal) a yes to the prompt.

    Returns the `confirm` value the verb runs with; a declined prompt exits with the failure
    envelope before anything is loaded.
    """
    if confirmed or yes:
        return True
    if dry_run or not interactive():
        return False  # unchanged: without --confirm the verb refuses as it always has
    try:
        ask = f"Destroy environment `{env_id}`? Its directory moves to .retired/."
        confirm(ask, skip=False)
    except InvalidArgumentError as exc:
        from greentic_deployer.cli.envelope import emit_failure

        emit_failure("env", "destroy", exc.kind, exc.message)
    return True
