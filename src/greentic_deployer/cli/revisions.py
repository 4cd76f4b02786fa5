"""`op revisions …` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.options import (
    ApplyOpt,
    ContextOpt,
    EnvArg,
    KeyOpt,
    KubeconfigOpt,
    RevArg,
)
from greentic_deployer.cli.payload_verb import run_payload_verb, run_positional_verb

app = typer.Typer(help="Stage, warm, drain and archive immutable revisions.", no_args_is_help=True)


@app.command()
def stage(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    deployment: Annotated[str | None, typer.Option("--deployment", help="Deployment ULID.")] = None,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help=".gtbundle file to stage.")
    ] = None,
    drain_seconds: Annotated[
        int | None, typer.Option("--drain-seconds", help="Drain time (default 30).")
    ] = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Stage a new revision from a .gtbundle (copied, hashed, extracted, packs pinned)."""
    run_payload_verb(
        ctx,
        verbs.REVISIONS_STAGE,
        {
            "environment_id": environment_id,
            "deployment_id": deployment,
            "bundle_path": str(bundle) if bundle is not None else None,
            "drain_seconds": drain_seconds,
            "idempotency_key": idempotency_key,
        },
    )


def _verb(
    ctx: typer.Context,
    entry: verbs.PayloadVerb[Any],
    env: str | None,
    rid: str | None,
    key: str | None,
    **live: Any,
) -> None:
    run_payload_verb(
        ctx, entry, {"environment_id": env, "revision_id": rid, "idempotency_key": key}, **live
    )


def _live(apply: bool, kubeconfig: Path | None, context: str | None) -> dict[str, Any]:
    # Only passed when given, so a verb without them calls its handler exactly as before.
    given = {"apply": apply, "kubeconfig": kubeconfig, "context": context}
    return {k: v for k, v in given.items() if v not in (None, False)}


@app.command()
def warm(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    revision_id: RevArg = None,
    idempotency_key: KeyOpt = None,
    apply: ApplyOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Warm a staged revision until it is ready."""
    _verb(
        ctx,
        verbs.REVISIONS_WARM,
        environment_id,
        revision_id,
        idempotency_key,
        **_live(apply, kubeconfig, context),
    )


@app.command()
def drain(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    revision_id: RevArg = None,
    idempotency_key: KeyOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Drain even while the revision carries traffic.")
    ] = False,
) -> None:
    """Start draining a ready revision (refused while it carries traffic, unless --force)."""
    run_payload_verb(
        ctx,
        verbs.REVISIONS_DRAIN,
        {
            "environment_id": environment_id,
            "revision_id": revision_id,
            "idempotency_key": idempotency_key,
            # None when not given, so `--answers` alone is not "inline flags and a file".
            "force": True if force else None,
        },
    )


@app.command()
def archive(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    revision_id: RevArg = None,
    idempotency_key: KeyOpt = None,
    apply: ApplyOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Archive a revision that no traffic split routes to."""
    _verb(
        ctx,
        verbs.REVISIONS_ARCHIVE,
        environment_id,
        revision_id,
        idempotency_key,
        **_live(apply, kubeconfig, context),
    )


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
) -> None:
    """List an environment's revisions."""
    from greentic_deployer.cli.common import options

    text = options(ctx).text
    run_positional_verb(ctx, verbs.REVISIONS_LIST, environment_id, with_weights=text)
