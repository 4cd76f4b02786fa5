"""Entry point: `greentic-deployer op <noun> <verb>` (also installed as `gtc`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from greentic_deployer.cli import coercion, conventions, deploy, dev
from greentic_deployer.cli.globals import OUTPUT_FORMATS, GlobalOptions, hoist_global_flags
from greentic_deployer.cli.nouns import LazyNounGroup
from greentic_deployer.cli.warnings_edge import clean_env_pack_warnings

coercion.install()

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="greentic-deployer",
    help="Deployment control plane for Greentic environments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings=HELP_OPTIONS,
)
op_app = typer.Typer(
    help=(
        "Operate on the environment store. Success prints one JSON line "
        '{"op","noun","result"} on stdout (exit 0); failure prints '
        '{"op","noun","error":{"kind","message"}} on stderr (exit 1); usage errors exit 2.'
    ),
    no_args_is_help=True,
    # The nouns (cli/nouns.py) are imported and built only when a command line names one.
    cls=LazyNounGroup,
)


@app.callback()
def app_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=conventions.print_version_and_exit,
            help="Print `greentic-deployer <version>` and exit.",
        ),
    ] = False,
) -> None:
    """Deployment control plane for Greentic environments."""


@op_app.callback()
def op_callback(
    ctx: typer.Context,
    store_root: Annotated[
        Path | None,
        typer.Option(
            "--store-root",
            help="Store root (default $GREENTIC_STORE_ROOT, else ~/.greentic/environments).",
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Payload file (.json or .yaml) instead of inline flags."),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the verb's input schema; touches nothing.")
    ] = False,
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="json (default, one line), text (tables), wide (text with more columns) or "
            "name (the result's id only).",
        ),
    ] = "json",
    no_headers: Annotated[
        bool, typer.Option("--no-headers", help="Text output: omit table header rows.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Compute and print a mutating verb's result; write nothing."
        ),
    ] = False,
) -> None:
    """Global flags may also appear after the noun and verb."""
    if output not in OUTPUT_FORMATS:
        raise typer.BadParameter(f"expected {', '.join(OUTPUT_FORMATS)}", param_hint="--output")
    ctx.obj = GlobalOptions(
        store_root=store_root,
        answers=answers,
        schema=schema,
        output=output,
        no_headers=no_headers,
        dry_run=dry_run,
    )


deploy.register(op_app)


def _register_status() -> None:
    # A top-level verb like `deploy`; registered apart from the noun imports above.
    from greentic_deployer.cli import status

    status.register(op_app)


_register_status()
app.add_typer(op_app, name="op")
# `dev` costs only typer at start-up: its command imports the emulator (uvicorn) when run.
app.add_typer(dev.app, name="dev")
conventions.register(app)


def run() -> None:
    """Console-script entry point."""
    prog_name = Path(sys.argv[0]).name or "greentic-deployer"
    if os.environ.get(conventions.complete_var(prog_name)):
        conventions.init_completion()
    argv = hoist_global_flags(sys.argv[1:])
    command = typer.main.get_command(app)
    conventions.decorate_help(command)
    with clean_env_pack_warnings():
        command.main(args=argv, prog_name=prog_name)


if __name__ == "__main__":
    run()
