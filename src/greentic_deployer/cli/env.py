"""`op env …` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.common import (
    op_context,
    options,
    positional_schema,
)
from greentic_deployer.cli.confirm import YesOpt
from greentic_deployer.cli.envelope import run_verb
from greentic_deployer.cli.options import ContextOpt, EnvArg, KindOpt, KubeconfigOpt, RevArg
from greentic_deployer.cli.payload_verb import run_payload_verb, run_positional_verb

app = typer.Typer(
    help="Create, inspect, bootstrap, render and retire environments.", no_args_is_help=True
)
NOUN = "env"


@app.command()
def create(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name (required inline).")] = None,
    region: Annotated[str | None, typer.Option(help="Free-form region.")] = None,
    tenant_org: Annotated[str | None, typer.Option(help="Owning tenant org id.")] = None,
    listen_addr: Annotated[
        str | None, typer.Option(help="Socket address, e.g. 127.0.0.1:8080.")
    ] = None,
    public_url: Annotated[
        str | None, typer.Option(help="Public origin, http(s)://host[:port].")
    ] = None,
) -> None:
    """Create an empty environment (never overwrites an existing one)."""
    run_payload_verb(
        ctx,
        verbs.ENV_CREATE,
        {
            "environment_id": environment_id,
            "name": name,
            "region": region,
            "tenant_org_id": tenant_org,
            "listen_addr": listen_addr,
            "public_base_url": public_url,
        },
    )


@app.command()
def update(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    region: Annotated[str | None, typer.Option(help="Set the region.")] = None,
    tenant_org: Annotated[str | None, typer.Option(help="Set the tenant org id.")] = None,
    listen_addr: Annotated[str | None, typer.Option(help="Set the listen address.")] = None,
    public_url: Annotated[str | None, typer.Option(help="Set the public origin.")] = None,
) -> None:
    """Change only the given fields: name, region, tenant, listen address, public URL."""
    run_payload_verb(
        ctx,
        verbs.ENV_UPDATE,
        {
            "environment_id": environment_id,
            "name": name,
            "region": region,
            "tenant_org_id": tenant_org,
            "listen_addr": listen_addr,
            "public_base_url": public_url,
        },
    )


@app.command("set-public-url")
def set_public_url(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    url: Annotated[
        str | None, typer.Argument(help="http(s) origin; a trailing '/' is dropped.")
    ] = None,
) -> None:
    """Validate and set the environment's public base URL."""
    run_positional_verb(ctx, verbs.ENV_SET_PUBLIC_URL, environment_id, url)


@app.command()
def init(
    ctx: typer.Context,
    public_url: Annotated[
        str | None, typer.Option(help="Public origin for a newly created `local`.")
    ] = None,
) -> None:
    """Bootstrap `local` with the default bindings (created / healed / untouched)."""
    from greentic_deployer.ops.init_env import init as run_init

    opts = options(ctx)
    run_verb(
        NOUN,
        "init",
        opts,
        lambda: run_init(op_context(opts), public_url, answers=opts.answers),
        schema=lambda: positional_schema("[--public-url URL]"),
    )


@app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """List every environment in the store."""
    run_positional_verb(ctx, verbs.ENV_LIST)


@app.command()
def show(ctx: typer.Context, environment_id: EnvArg = None) -> None:
    """Print the full environment document and its runtime document."""
    run_positional_verb(ctx, verbs.ENV_SHOW, environment_id)


@app.command()
def doctor(ctx: typer.Context, environment_id: EnvArg = None) -> None:
    """Re-validate and resolve every binding against the env-pack registry."""
    run_positional_verb(ctx, verbs.ENV_DOCTOR, environment_id)


@app.command()
def destroy(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="Required: really retire it.")] = False,
    yes: YesOpt = False,
) -> None:
    """Retire an environment with nothing live (moved to <store-root>/.retired/).

    On a terminal, without --confirm or --yes, it asks instead of refusing.
    """
    from greentic_deployer.cli.confirm import ask_destroy

    opts = options(ctx)
    if not opts.schema and environment_id is not None:
        confirm = ask_destroy(environment_id, confirmed=confirm, yes=yes, dry_run=opts.dry_run)
    run_positional_verb(ctx, verbs.ENV_DESTROY, environment_id, confirm=confirm)


@app.command()
def render(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    kind: Annotated[
        str | None,
        typer.Option(help="Deployer kind path[@version]; defaults to the deployer binding."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Write NN-kind-name.yaml files into this directory instead of printing.",
        ),
    ] = None,
) -> None:
    """Render the deployer's manifests for an environment (read-only)."""
    run_positional_verb(ctx, verbs.ENV_RENDER, environment_id, kind=kind, output_dir=output)


@app.command()
def reconcile(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    kind: KindOpt = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for every applied Deployment to roll out.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Server-side dry run: persist and delete nothing.")
    ] = False,
    adopt: Annotated[
        bool, typer.Option("--adopt", help="Take over existing objects that carry no env label.")
    ] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Applies in flight at once (>= 1).")
    ] = 8,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Make the cluster match the environment, then prune its stale workers (live)."""
    run_positional_verb(
        ctx,
        verbs.ENV_RECONCILE,
        environment_id,
        kind=kind,
        wait=wait,
        dry_run=dry_run,
        adopt=adopt,
        concurrency=concurrency,
        kubeconfig=kubeconfig,
        context=context,
    )


@app.command()
def diff(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    kind: KindOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Show what a reconcile would create, change and prune (server-side dry run)."""
    run_positional_verb(
        ctx, verbs.ENV_DIFF, environment_id, kind=kind, kubeconfig=kubeconfig, context=context
    )


@app.command("apply-revision")
def apply_revision(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    revision_id: RevArg = None,
    kind: KindOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Warm one revision's worker (present) or delete it (absent); the store is untouched."""
    run_positional_verb(
        ctx,
        verbs.ENV_APPLY_REVISION,
        environment_id,
        revision_id,
        kind=kind,
        kubeconfig=kubeconfig,
        context=context,
    )
