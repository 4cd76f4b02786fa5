"""Option and argument aliases shared by the noun modules."""

from __future__ import annotations

from typing import Annotated

import typer

EnvArg = Annotated[str | None, typer.Argument(help="Environment id.")]
RevArg = Annotated[
    str | None, typer.Argument(help="Revision ULID or a unique prefix of it (≥ 4 chars).")
]
KeyOpt = Annotated[str | None, typer.Option("--idempotency-key", help="Recorded in the audit log.")]
DeploymentOpt = Annotated[
    str | None,
    typer.Option(
        "--deployment", help="Deployment ULID, a unique prefix of it (≥ 4 chars) or its bundle id."
    ),
]
BundleOpt = Annotated[
    str | None,
    typer.Option("--bundle", help="Bundle id: its deployment (instead of --deployment)."),
]
