"""Entry point: `greentic-deployer op <noun> <verb>` (also installed as `gtc`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from greentic_deployer.cli import bundles, credentials, deploy, env, env_packs, revisions, traffic
from greentic_deployer.cli.globals import GlobalOptions, hoist_global_flags
from greentic_deployer.cli.warnings_edge import clean_env_pack_warnings

app = typer.Typer(
    name="greentic-deployer",
    help="Deployment control plane for Greentic environments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
op_app = typer.Typer(
    help=(
        "Operate on the environment store. Success prints one JSON line "
        '{"op","noun","result"} on stdout (exit 0); failure prints '
        '{"op","noun","error":{"kind","message"}} on stderr (exit 1); usage errors exit 2.'
    ),
    no_args_is_help=True,
)


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
            help="json (default, one line), text (tables) or name (the result's id only).",
        ),
    ] = "json",
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Compute and print a mutating verb's result; write nothing."
        ),
    ] = False,
) -> None:
    """Global flags may also appear after the noun and verb."""
    from greentic_deployer.cli.globals import OUTPUT_FORMATS

    if output not in OUTPUT_FORMATS:
        raise typer.BadParameter("expected " + ", ".join(OUTPUT_FORMATS), param_hint="--output")
    ctx.obj = GlobalOptions(
        store_root=store_root, answers=answers, schema=schema, output=output, dry_run=dry_run
    )


op_app.add_typer(env.app, name="env")
op_app.add_typer(env_packs.app, name="env-packs")
op_app.add_typer(bundles.app, name="bundles")
op_app.add_typer(revisions.app, name="revisions")
op_app.add_typer(traffic.app, name="traffic")
op_app.add_typer(credentials.app, name="credentials")
deploy.register(op_app)


def _register_status() -> None:
    # A top-level verb like `deploy`; registered apart from the noun imports above.
    from greentic_deployer.cli import status

    status.register(op_app)


_register_status()
app.add_typer(op_app, name="op")


def _register_dev() -> None:
    # Imported here, apart from the `op` wiring: `dev` costs only typer at start-up, and its
    # command imports the emulator (uvicorn) when it runs.
    from greentic_deployer.cli import dev

    app.add_typer(dev.app, name="dev")


_register_dev()


def run() -> None:
    """Console-script entry point."""
    argv = hoist_global_flags(sys.argv[1:])
    with clean_env_pack_warnings():
        app(args=argv, prog_name=Path(sys.argv[0]).name or "greentic-deployer")


if __name__ == "__main__":
    run()
