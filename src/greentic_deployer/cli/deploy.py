"""`op deploy`: the one-shot stage → warm → route-100 % command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from greentic_deployer.cli.common import op_context, options, payload_schema
from greentic_deployer.cli.envelope import run_verb
from greentic_deployer.cli.options import ApplyOpt, ContextOpt, KubeconfigOpt
from greentic_deployer.spec.local import LOCAL_ENV_ID

NOUN = "deploy"


def deploy(
    ctx: typer.Context,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help=".gtbundle file (required unless --answers).")
    ] = None,
    env: Annotated[str, typer.Option("--env", help="Target environment.")] = LOCAL_ENV_ID,
    bundle_id: Annotated[
        str | None, typer.Option("--bundle-id", help="Default: the file stem.")
    ] = None,
    customer_id: Annotated[
        str | None, typer.Option("--customer-id", help="Default local-dev on local.")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key", help="A retry with the same key returns the same result."
        ),
    ] = None,
    config_override: Annotated[
        list[str] | None,
        typer.Option(
            "--config-override",
            metavar="PACK:KEY=VALUE",
            help="A string setting for an env-pack (repeatable).",
        ),
    ] = None,
    config_override_json: Annotated[
        list[str] | None,
        typer.Option(
            "--config-override-json",
            metavar="PACK:KEY=JSON",
            help="A JSON setting for an env-pack (repeatable).",
        ),
    ] = None,
    config_overrides_from: Annotated[
        Path | None,
        typer.Option(
            "--config-overrides-from", help="JSON/YAML {pack: {key: value}}; flags merge on top."
        ),
    ] = None,
    host: Annotated[
        list[str] | None, typer.Option("--host", metavar="HOST", help="Route host (repeatable).")
    ] = None,
    path_prefix: Annotated[
        list[str] | None,
        typer.Option("--path-prefix", metavar="PREFIX", help="Route path prefix (repeatable)."),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="Tenant selector (needs --host or --path-prefix)."),
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="Team selector (needs --tenant).")
    ] = None,
    apply: ApplyOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Deploy a bundle: add the deployment if new, stage, warm, route 100 % (blue-green).

    A re-deploy stages a new revision and shifts all traffic to it; the previous revision
    stays ready, so `gtc op traffic rollback` restores it. Example:
    gtc op deploy --bundle shop.gtbundle --env staging --customer-id acme --host shop.example.com
    """
    opts = options(ctx)

    def action() -> Any:
        from greentic_deployer.ops.answers_file import load_answers_file, parse_payload
        from greentic_deployer.ops.deploy import deploy as run_deploy
        from greentic_deployer.ops.deploy_input import request_from_flags, request_from_payload
        from greentic_deployer.ops.payloads import DeployPayload
        from greentic_deployer.spec.errors import InvalidArgumentError

        flags_given = any(
            v
            for v in (
                bundle,
                bundle_id,
                customer_id,
                idempotency_key,
                config_override,
                config_override_json,
                config_overrides_from,
                host,
                path_prefix,
                tenant,
                team,
            )
        ) or _explicit(ctx, "env")
        if opts.answers is not None:
            if flags_given:
                raise InvalidArgumentError(
                    "--answers", "give either inline flags or --answers, not both"
                )
            data = load_answers_file(opts.answers)
            if not isinstance(data, dict):
                raise InvalidArgumentError("--answers", "the payload must be a JSON/YAML object")
            request = request_from_payload(parse_payload(DeployPayload, data))
        else:
            if bundle is None:
                raise InvalidArgumentError("--bundle", "required (or pass --answers FILE)")
            request = request_from_flags(
                bundle=bundle,
                env=env,
                bundle_id=bundle_id,
                customer_id=customer_id,
                idempotency_key=idempotency_key,
                overrides=config_override or [],
                overrides_json=config_override_json or [],
                overrides_from=config_overrides_from,
                hosts=host or [],
                path_prefixes=path_prefix or [],
                tenant=tenant,
                team=team,
            )
        if apply or kubeconfig is not None or context is not None:
            from dataclasses import replace

            from greentic_deployer.ops.live_target import live_connection

            request = replace(request, live=live_connection(apply, kubeconfig, context))
        return run_deploy(op_context(opts, stages=True), request)

    def schema() -> Any:
        from greentic_deployer.ops.payloads import DeployPayload

        return payload_schema(DeployPayload)

    run_verb(NOUN, NOUN, opts, action, schema=schema)


def _explicit(ctx: typer.Context, name: str) -> bool:
    """Whether an option was typed on the command line (not just its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def register(app: typer.Typer) -> None:
    """Attach `deploy` to the `op` group."""
    app.command("deploy")(deploy)
