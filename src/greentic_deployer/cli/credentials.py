"""`op credentials …` commands."""

from __future__ import annotations

from typing import Annotated

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.payload_verb import run_positional_verb

app = typer.Typer(help="Deployer credential requirements and probes.", no_args_is_help=True)


@app.command()
def requirements(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
) -> None:
    """Probe what the environment's deployer needs, with pass/fail for each capability."""
    run_positional_verb(ctx, verbs.CREDENTIALS_REQUIREMENTS, environment_id)
