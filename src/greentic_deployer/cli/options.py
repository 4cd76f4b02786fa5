"""Option and argument aliases shared by the noun modules."""

from __future__ import annotations

from pathlib import Path
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
KindOpt = Annotated[
    str | None,
    typer.Option(
        "--kind", help="The bound deployer's kind path; a path@version may change the version."
    ),
]
KubeconfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig", help="Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)."
    ),
]
ContextOpt = Annotated[
    str | None,
    typer.Option("--context", help="Kubeconfig context (default: the kubeconfig_context answer)."),
]
ApplyOpt = Annotated[
    bool,
    typer.Option("--apply", help="Also act on the cluster through the bound k8s deployer (live)."),
]
