"""`op traffic …` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.confirm import YesOpt
from greentic_deployer.cli.options import (
    ApplyOpt,
    BundleOpt,
    ContextOpt,
    DeploymentOpt,
    EnvArg,
    KubeconfigOpt,
)
from greentic_deployer.cli.payload_verb import run_deployment_verb, run_payload_verb

app = typer.Typer(
    help="Split a deployment's traffic across ready revisions (percent or basis points).",
    no_args_is_help=True,
)
NOUN = "traffic"


def _entries(args: list[str] | None) -> list[dict[str, object]] | None:
    if not args:
        return None
    from greentic_deployer.ops.traffic import parse_entry_arg

    return [parse_entry_arg(arg) for arg in args]


def _live(apply: bool, kubeconfig: Path | None, context: str | None) -> dict[str, Any]:
    # Only passed when given, so a verb without them calls its handler exactly as before.
    given = {"apply": apply, "kubeconfig": kubeconfig, "context": context}
    return {k: v for k, v in given.items() if v not in (None, False)}


@app.command("set")
def set_cmd(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
    entries: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="REVISION=WEIGHT",
            help="REVISION=WEIGHT; N or N% is percent (0..100), Nbps basis points; "
            "weights must sum to 100% (10000 bps).",
        ),
    ] = None,
    deployment: DeploymentOpt = None,
    bundle: BundleOpt = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option("--idempotency-key", help="Required. Same key + same entries is a no-op."),
    ] = None,
    updated_by: Annotated[
        str | None, typer.Option("--updated-by", help="Default operator.")
    ] = None,
    authorization_ref: Annotated[
        str | None,
        typer.Option(
            "--authorization-ref", help="Opaque provenance reference (default auth.json)."
        ),
    ] = None,
    apply: ApplyOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Set a deployment's split; every revision must be ready.

    Example: gtc op traffic set prod 01HZX…=90% 01J0A…=10% --deployment 01HZW…
    --idempotency-key release-42
    """
    from greentic_deployer.cli.common import options
    from greentic_deployer.cli.envelope import emit_failure
    from greentic_deployer.spec.errors import GreenticError

    opts = options(ctx)
    try:
        parsed = None if opts.schema else _entries(entries)
    except GreenticError as exc:
        emit_failure(NOUN, "set", exc.kind, exc.message, opts)
    run_payload_verb(
        ctx,
        verbs.TRAFFIC_SET,
        {
            "environment_id": environment_id,
            "deployment_id": deployment,
            "entries": parsed,
            "idempotency_key": idempotency_key,
            "updated_by": updated_by,
            "authorization_ref": authorization_ref,
        },
        bundle=bundle,
        **_live(apply, kubeconfig, context),
    )


@app.command()
def show(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    deployment: DeploymentOpt = None,
    bundle: BundleOpt = None,
) -> None:
    """Show a deployment's current split."""
    run_deployment_verb(ctx, verbs.TRAFFIC_SHOW, environment_id, deployment, bundle)


@app.command()
def rollback(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    deployment: DeploymentOpt = None,
    bundle: BundleOpt = None,
    apply: ApplyOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Restore the previous split (one step)."""
    run_deployment_verb(
        ctx,
        verbs.TRAFFIC_ROLLBACK,
        environment_id,
        deployment,
        bundle,
        **_live(apply, kubeconfig, context),
    )


@app.command()
def clear(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    deployment: DeploymentOpt = None,
    bundle: BundleOpt = None,
    yes: YesOpt = False,
) -> None:
    """Remove a deployment's split entirely (then drain and archive its revisions)."""
    from greentic_deployer.cli.common import options
    from greentic_deployer.cli.confirm import confirm

    skip = yes or options(ctx).dry_run
    run_deployment_verb(
        ctx,
        verbs.TRAFFIC_CLEAR,
        environment_id,
        deployment,
        bundle,
        before=lambda env, dep: confirm(
            f"Clear the traffic split of deployment {dep} in `{env}`? It will receive no traffic.",
            skip=skip,
        ),
    )
