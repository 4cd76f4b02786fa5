"""`op deploy`: add the deployment when new, stage, warm, route 100 % (blue-green)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greentic_deployer.engine.bundles import find_deployment, resolve_customer_id
from greentic_deployer.ops import bundles, revisions, traffic
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import (
    BundleRemovePayload,
    BundleUpdatePayload,
    RevisionVerbPayload,
    TrafficEntryPayload,
    TrafficSetPayload,
)
from greentic_deployer.spec.bundle import BundleDeployment, RevenueShareEntry, RouteBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, GreenticError, InvalidArgumentError
from greentic_deployer.spec.ids import (
    check_identifier,
    new_ulid,
    parse_env_id,
    parse_idempotency_key,
)
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.store.errors import EnvNotFoundError

if TYPE_CHECKING:
    from greentic_deployer.bundle.stage import StagedBundle


@dataclass(frozen=True)
class DeployRequest:
    """Everything `op deploy` needs, whether it came from flags or `--answers`."""

    bundle_path: Path
    environment_id: str = "local"
    bundle_id: str | None = None
    customer_id: str | None = None
    idempotency_key: str | None = None
    route_binding: RouteBinding | None = None
    revenue_share: list[RevenueShareEntry] | None = None
    bundle_source_uri: str | None = None
    config_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


def check_route_binding(binding: RouteBinding | None, *, tenant_given: bool) -> None:
    """A tenant selector with neither hosts nor path prefixes can never be reached."""
    if binding is None or not tenant_given:
        return
    if not binding.hosts and not binding.path_prefixes:
        raise InvalidArgumentError(
            "route_binding",
            "a tenant selector needs at least one --host or --path-prefix to be reachable",
        )


def check_override_packs(
    overrides: dict[str, dict[str, Any]],
    staged: StagedBundle,
    env: Environment,
    existing: BundleDeployment | None,
) -> None:
    """Every override must name a pack of the new bundle or of a live revision of the deployment."""
    if not overrides:
        return
    available = {entry.pack_id for entry in staged.pack_list}
    if existing is not None:
        available |= {
            entry.pack_id
            for revision in env.revisions
            if revision.deployment_id == existing.deployment_id
            and revision.lifecycle != Lifecycle.archived
            for entry in revision.pack_list
        }
    unknown = sorted(set(overrides) - available)
    if unknown:
        raise InvalidArgumentError(
            "config_overrides",
            f"names pack(s) {', '.join(unknown)} that the bundle does not contain "
            f"(packs: {', '.join(sorted(available))})",
        )


def deploy(ctx: OpContext, request: DeployRequest) -> dict[str, Any]:
    """Run the deploy algorithm; every sub-step audits itself."""
    env_id = parse_env_id(request.environment_id)
    key = parse_idempotency_key(request.idempotency_key) if request.idempotency_key else None
    source = request.bundle_path
    if not source.is_file():
        raise InvalidArgumentError("--bundle", "bundle file does not exist", str(source))
    bundle_id = check_identifier(request.bundle_id or source.stem, "bundle_id")
    if not ctx.store.exists(env_id):
        raise EnvNotFoundError(
            f"environment `{env_id}` not found under {ctx.store.root}; "
            + (
                "bootstrap it with `gtc op env init`"
                if env_id == "local"
                else f"create it with `gtc op env create {env_id} --name …`"
            )
        )
    customer_id = resolve_customer_id(env_id, request.customer_id)
    env = ctx.store.load(env_id)
    existing = find_deployment(env, bundle_id, customer_id)

    if existing is not None and key is not None:
        split = env.split_for(existing.deployment_id)
        if split is not None and split.idempotency_key == key and split.entries:
            return _result(
                env_id, bundle_id, existing.deployment_id, split.entries[0].revision_id, True, []
            )

    if (
        existing is not None
        and request.route_binding is not None
        and request.route_binding != existing.route_binding
    ):
        raise ConflictError(
            f"deployment {existing.deployment_id} of `{bundle_id}` already routes "
            f"{json.dumps(existing.route_binding.to_json_dict())}; a re-deploy cannot change "
            "the route binding (use `gtc op bundles update`)"
        )

    # Stage the files first: a bad bundle or bad overrides fail before the env changes.
    revision_id = new_ulid()

    def stage_files() -> StagedBundle:
        staged = revisions.stage_bundle_files(ctx, env_id, bundle_id, revision_id, source)
        try:
            check_override_packs(request.config_overrides, staged, env, existing)
        except BaseException:
            revisions.discard_staged_files(ctx, env_id, revision_id, staged)
            raise
        return staged

    staged = audited(
        ctx,
        env_id,
        "revisions",
        "stage",
        {"revision_id": revision_id, "bundle_path": str(source)},
        stage_files,
        idempotency_key=key,
        audit_success=False,  # the record step below appends the one success event
    )
    added_here = False
    try:
        if existing is None:
            added = bundles.add_deployment(
                ctx,
                env_id,
                bundle_id=bundle_id,
                customer_id=customer_id,
                route_binding=request.route_binding or RouteBinding(),
                revenue_share=request.revenue_share,
                config_overrides=request.config_overrides or None,
                idempotency_key=key,
            )
            deployment_id = str(added["deployment_id"])
            added_here = True
            superseded: list[str] = []
        else:
            deployment_id = existing.deployment_id
            split = env.split_for(deployment_id)
            superseded = [e.revision_id for e in split.entries] if split is not None else []
        audited(
            ctx,
            env_id,
            "revisions",
            "stage",
            {"deployment_id": deployment_id, "revision_id": revision_id},
            lambda: revisions.record_staged(
                ctx,
                env_id,
                deployment_id,
                revision_id,
                staged,
                bundle_source_uri=request.bundle_source_uri,
            ),
            idempotency_key=key,
        )
    except BaseException:
        revisions.discard_staged_files(ctx, env_id, revision_id, staged)
        if added_here:
            # Nothing was staged into the deployment this deploy created: take it back out.
            with contextlib.suppress(GreenticError):
                bundles.remove(
                    ctx, BundleRemovePayload(environment_id=env_id, deployment_id=deployment_id)
                )
        raise
    revisions.warm(
        ctx,
        RevisionVerbPayload(environment_id=env_id, revision_id=revision_id, idempotency_key=key),
    )
    if existing is not None and request.config_overrides:
        # Only after stage + warm, so the overrides can name packs the new revision brings.
        bundles.update(
            ctx,
            BundleUpdatePayload(
                environment_id=env_id,
                deployment_id=deployment_id,
                config_overrides=request.config_overrides,
                idempotency_key=key,
            ),
        )
    traffic.set_split(
        ctx,
        TrafficSetPayload(
            environment_id=env_id,
            deployment_id=deployment_id,
            entries=[TrafficEntryPayload(revision_id=revision_id, weight_bps=10_000)],
            idempotency_key=key or f"deploy:{deployment_id}:{revision_id}",
        ),
    )
    return _result(env_id, bundle_id, deployment_id, revision_id, existing is not None, superseded)


def _result(
    env_id: str,
    bundle_id: str,
    deployment_id: str,
    revision_id: str,
    reused: bool,
    superseded: list[str],
) -> dict[str, Any]:
    return {
        "environment_id": env_id,
        "bundle_id": bundle_id,
        "deployment_id": deployment_id,
        "revision_id": revision_id,
        "reused_deployment": reused,
        "superseded_revisions": superseded,
        "traffic": "100% (10000 bps)",
        "status": "routed",
    }
