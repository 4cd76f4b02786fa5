"""`op bundles …` commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.confirm import YesOpt
from greentic_deployer.cli.options import BundleOpt, DeploymentOpt, EnvArg, KeyOpt
from greentic_deployer.cli.payload_verb import run_payload_verb, run_positional_verb

app = typer.Typer(
    help="Deploy a bundle for a customer: add, update, remove, list.", no_args_is_help=True
)


def _route(
    hosts: list[str] | None, prefixes: list[str] | None, tenant: str | None, team: str | None
) -> dict[str, Any] | None:
    if not hosts and not prefixes and tenant is None:
        return None
    route: dict[str, Any] = {"hosts": hosts or [], "path_prefixes": prefixes or []}
    if tenant is not None:
        route["tenant_selector"] = {"tenant": tenant, "team": team or "default"}
    return route


@app.command()
def add(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    bundle_id: Annotated[str | None, typer.Option("--bundle-id", help="Bundle id.")] = None,
    customer_id: Annotated[
        str | None,
        typer.Option("--customer-id", help="Billing customer (default local-dev on local)."),
    ] = None,
    host: Annotated[
        list[str] | None, typer.Option("--host", metavar="HOST", help="Route host (repeatable).")
    ] = None,
    path_prefix: Annotated[
        list[str] | None,
        typer.Option("--path-prefix", metavar="PREFIX", help="Route path prefix (repeatable)."),
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant selector.")] = None,
    team: Annotated[str | None, typer.Option(help="Team selector (needs --tenant).")] = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Add a deployment of a bundle for a customer."""
    run_payload_verb(
        ctx,
        verbs.BUNDLES_ADD,
        {
            "environment_id": environment_id,
            "bundle_id": bundle_id,
            "customer_id": customer_id,
            "route_binding": _route(host, path_prefix, tenant, team),
            "idempotency_key": idempotency_key,
        },
    )


@app.command()
def update(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    deployment: DeploymentOpt = None,
    bundle: BundleOpt = None,
    status: Annotated[str | None, typer.Option(help="active, paused or archived.")] = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Change a deployment's status (route, revenue share and overrides via --answers)."""
    run_payload_verb(
        ctx,
        verbs.BUNDLES_UPDATE,
        {
            "environment_id": environment_id,
            "deployment_id": deployment,
            "status": status,
            "idempotency_key": idempotency_key,
        },
        bundle=bundle,
    )


@app.command()
def remove(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    deployment: DeploymentOpt = None,
    bundle: BundleOpt = None,
    idempotency_key: KeyOpt = None,
    yes: YesOpt = False,
) -> None:
    """Remove a deployment with no split and no live revision."""
    from greentic_deployer.cli.common import options
    from greentic_deployer.cli.confirm import confirm

    skip = yes or options(ctx).dry_run
    run_payload_verb(
        ctx,
        verbs.BUNDLES_REMOVE,
        {
            "environment_id": environment_id,
            "deployment_id": deployment,
            "idempotency_key": idempotency_key,
        },
        bundle=bundle,
        before=lambda data: confirm(
            f"Remove deployment {data.get('deployment_id')} from `{data.get('environment_id')}`?",
            skip=skip,
        ),
    )


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
) -> None:
    """List an environment's deployments."""
    run_positional_verb(ctx, verbs.BUNDLES_LIST, environment_id)
