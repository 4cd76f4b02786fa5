"""`op status <env>`: everything about an environment in one screen."""

from __future__ import annotations

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.options import EnvArg
from greentic_deployer.cli.payload_verb import run_positional_verb


def status(ctx: typer.Context, environment_id: EnvArg = None) -> None:
    """Deployments → revisions (lifecycle, weight, sequence, age), splits and env-packs.

    Example: gtc op status local --output text
    """
    run_positional_verb(ctx, verbs.STATUS, environment_id)


def register(app: typer.Typer) -> None:
    """Attach `status` to the `op` group."""
    app.command("status")(status)
