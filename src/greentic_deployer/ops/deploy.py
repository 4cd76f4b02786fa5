"""`op deploy`: add the deployment when new, stage, warm, route 100 % (blue-green)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from greentic_deployer.bundle.digest import sha256_file
from greentic_deployer.engine.bundles import find_deployment, resolve_customer_id
from greentic_deployer.engine.revisions import StageRequest
from greentic_deployer.ops import bundles, revisions, traffic
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.bundles import update_deployment
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.live_target import Connection
from greentic_deployer.ops.revisions import warm_revision
from greentic_deployer.ops.traffic import set_entries
from greentic_deployer.spec.bundle import BundleDeployment, RevenueShareEntry, RouteBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, GreenticError, InvalidArgumentError
from greentic_deployer.spec.ids import (
    check_identifier,
    new_ulid,
    parse_env_id,
    parse_idempotency_key,
)
from greentic_deployer.spec.local import LOCAL_ENV_ID
from greentic_deployer.spec.traffic import TOTAL_BPS, TrafficEntry
from greentic_deployer.store.errors import EnvNotFoundError
from greentic_deployer.store.idempotency import request_digest

if TYPE_CHECKING:
    from greentic_deployer.bundle.stage import StagedBundle


@dataclass(frozen=True)
class DeployRequest:
    """Everything `op deploy` needs, whether it came from flags or `--answers`."""

    bundle_path: Path
    environment_id: str = LOCAL_ENV_ID
    bundle_id: str | None = None
    customer_id: str | None = None
    idempotency_key: str | None = None
    route_binding: RouteBinding | None = None
    revenue_share: list[RevenueShareEntry] | None = None
    bundle_source_uri: str | None = None
    config_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    live: Connection | None = None
    """With `--apply`: carry each step out on the env's k8s cluster (ops/live_apply.py)."""


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
            if revision.deployment_id == existing.deployment_id and revision.lifecycle.is_retained
            for entry in revision.pack_list
        }
    unknown = sorted(set(overrides) - available)
    if unknown:
        raise InvalidArgumentError(
            "config_overrides",
            f"names pack(s) {', '.join(unknown)} that the bundle does not contain "
            f"(packs: {', '.join(sorted(available))})",
        )


@dataclass(frozen=True)
class DeployTarget:
    """The values every deploy step shares, parsed once."""

    env_id: str
    key: str | None
    source: Path
    bundle_id: str
    customer_id: str
    env: Environment
    existing: BundleDeployment | None
    # What a retry with the same key must repeat exactly (digests only, so no override value
    # is written to the key history); None without a key.
    facets: dict[str, str] | None = None


def deploy(ctx: OpContext, request: DeployRequest) -> dict[str, Any]:
    """Run the deploy algorithm; every sub-step audits itself."""
    target = parse_target(ctx, request)
    replayed = replayed_result(ctx, target, request)
    if replayed is not None:
        return replayed
    refuse_route_change(target, request)
    if request.live is not None:
        from greentic_deployer.ops import live_apply

        # The kind, answers and secrets backend are checked before anything is staged.
        live_apply.live_target(ctx, target.env_id, request.live, "deploy")
    # Stage the files first: a bad bundle or bad overrides fail before the env changes.
    revision_id = new_ulid()
    staged = stage_files(ctx, target, revision_id, request.config_overrides)
    deployment_id, superseded = record_revision(ctx, target, request, revision_id, staged)
    env_level = 0
    if request.live is None:
        warm_revision(ctx, target.env_id, revision_id, idempotency_key=target.key)
    else:
        # The worker is applied and rolled out before the revision is recorded `ready`; a
        # failed rollout leaves it `failed` and traffic untouched (the error propagates).
        _, env_level = live_apply.warm(
            ctx,
            target.env_id,
            revision_id,
            request.live,
            idempotency_key=target.key,
            bootstrap=True,
        )
    if target.existing is not None and request.config_overrides:
        # Only after stage + warm, so the overrides can name packs the new revision brings.
        update_deployment(
            ctx,
            target.env_id,
            deployment_id,
            config_overrides=request.config_overrides,
            idempotency_key=target.key,
        )
    route_all_traffic(ctx, target, deployment_id, revision_id, request.live)
    result = _result(
        target.env_id,
        target.bundle_id,
        deployment_id,
        revision_id,
        target.existing is not None,
        superseded,
    )
    if request.live is not None:
        result["applied"] = {"env_level_objects": env_level, "worker": "rolled-out"}
    return result


def parse_target(ctx: OpContext, request: DeployRequest) -> DeployTarget:
    """Check every input and find the deployment a re-deploy reuses; nothing changes yet."""
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
                if env_id == LOCAL_ENV_ID
                else f"create it with `gtc op env create {env_id} --name …`"
            )
        )
    customer_id = resolve_customer_id(env_id, request.customer_id)
    env = ctx.store.load(env_id)
    return DeployTarget(
        env_id=env_id,
        key=key,
        source=source,
        bundle_id=bundle_id,
        customer_id=customer_id,
        env=env,
        existing=find_deployment(env, bundle_id, customer_id),
        facets=(
            {
                "bundle_digest": sha256_file(source),
                "config_overrides": request_digest(_overrides_json(request.config_overrides)),
            }
            if key is not None
            else None
        ),
    )


def replayed_result(
    ctx: OpContext, target: DeployTarget, request: DeployRequest
) -> dict[str, Any] | None:
    """Idempotency-key replay: the same key already deployed this release, so answer again.

    The same key with another bundle (digest) or other overrides is a conflict.
    """
    existing, key, facets = target.existing, target.key, target.facets
    if existing is None or key is None or facets is None:
        return None
    replayed = _replayed_revision(ctx, target.env, existing, key, facets, request, target.bundle_id)
    if replayed is None:
        return None
    return _result(target.env_id, target.bundle_id, existing.deployment_id, replayed, True, [])


def refuse_route_change(target: DeployTarget, request: DeployRequest) -> None:
    """A re-deploy keeps the deployment's route binding; changing it is `bundles update`."""
    existing = target.existing
    if (
        existing is not None
        and request.route_binding is not None
        and request.route_binding != existing.route_binding
    ):
        raise ConflictError(
            f"deployment {existing.deployment_id} of `{target.bundle_id}` already routes "
            f"{json.dumps(existing.route_binding.to_json_dict())}; a re-deploy cannot change "
            "the route binding (use `gtc op bundles update`)"
        )


def stage_files(
    ctx: OpContext,
    target: DeployTarget,
    revision_id: str,
    config_overrides: dict[str, dict[str, Any]],
) -> StagedBundle:
    """Stage the bundle's files and check the overrides against them (audited on failure)."""
    env_id = target.env_id

    def action() -> StagedBundle:
        staged = revisions.stage_bundle_files(
            ctx, env_id, target.bundle_id, revision_id, target.source
        )
        try:
            check_override_packs(config_overrides, staged, target.env, target.existing)
        except BaseException:
            revisions.discard_staged_files(ctx, env_id, revision_id, staged)
            raise
        return staged

    return audited(
        ctx,
        env_id,
        "revisions",
        "stage",
        {"revision_id": revision_id, "bundle_path": str(target.source)},
        action,
        idempotency_key=target.key,
        audit_success=False,  # record_revision appends the one success event
    )


def record_revision(
    ctx: OpContext,
    target: DeployTarget,
    request: DeployRequest,
    revision_id: str,
    staged: StagedBundle,
) -> tuple[str, list[str]]:
    """Add the deployment when new, record the staged revision; undo both if either fails.

    Returns the deployment id and the revisions the new one supersedes.
    """
    env_id, key = target.env_id, target.key
    added_here = False
    try:
        if target.existing is None:
            added = bundles.add_deployment(
                ctx,
                env_id,
                bundle_id=target.bundle_id,
                customer_id=target.customer_id,
                route_binding=request.route_binding or RouteBinding(),
                revenue_share=request.revenue_share,
                config_overrides=request.config_overrides or None,
                idempotency_key=key,
            )
            deployment_id = str(added["deployment_id"])
            added_here = True
            superseded: list[str] = []
        else:
            deployment_id = target.existing.deployment_id
            split = target.env.split_for(deployment_id)
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
                StageRequest(
                    revision_id, deployment_id, bundle_source_uri=request.bundle_source_uri
                ),
                staged,
            ),
            idempotency_key=key,
        )
    except BaseException:
        revisions.discard_staged_files(ctx, env_id, revision_id, staged)
        if added_here:
            # Nothing was staged into the deployment this deploy created: take it back out.
            with contextlib.suppress(GreenticError):
                bundles.remove_deployment(ctx, env_id, deployment_id)
        raise
    return deployment_id, superseded


def route_all_traffic(
    ctx: OpContext,
    target: DeployTarget,
    deployment_id: str,
    revision_id: str,
    live: Connection | None = None,
) -> None:
    """Send 100 % of the deployment's traffic to the new revision (live: runtime-config first)."""
    key = target.key or parse_idempotency_key(f"deploy:{deployment_id}:{revision_id}")
    entries = [TrafficEntry(revision_id=revision_id, weight_bps=TOTAL_BPS)]
    if live is not None:
        from greentic_deployer.ops import live_apply

        live_apply.set_entries_verb(
            ctx, target.env_id, deployment_id, entries, key, live, facets=target.facets
        )
        return
    set_entries(ctx, target.env_id, deployment_id, entries, key, facets=target.facets)


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


_FACET_LABELS = {"bundle_digest": "bundle digest", "config_overrides": "config overrides"}


def _overrides_json(overrides: Mapping[str, Mapping[str, Any]] | None) -> JsonValue:
    # Through JSON so a stored override and a requested one compare by value.
    value: JsonValue = json.loads(json.dumps(overrides or {}, sort_keys=True))
    return value


def _reuse_conflict(key: str, bundle_id: str, deployment_id: str, differing: list[str]) -> None:
    if differing:
        raise ConflictError(
            f"idempotency key `{key}` already deployed a different release of `{bundle_id}` "
            f"to deployment {deployment_id}: {' and '.join(differing)} differ; "
            "use a new key to deploy this one"
        )


def _replayed_revision(
    ctx: OpContext,
    env: Environment,
    existing: BundleDeployment,
    key: str,
    facets: dict[str, str],
    request: DeployRequest,
    bundle_id: str,
) -> str | None:
    """The revision an earlier deploy with `key` routed, or None when the key is new.

    The same key with another bundle (digest) or other overrides is a conflict: reporting
    it as reused would claim a release that was never staged.
    """
    dep_id = existing.deployment_id
    record = ctx.store.key_record(env.environment_id, traffic.traffic_scope(dep_id), key)
    if record is not None:
        if not set(_FACET_LABELS) <= set(record.request):
            raise ConflictError(
                f"idempotency key `{key}` was used by `traffic set` on deployment {dep_id}, "
                "not by a deploy; use a new key"
            )
        differing = [
            label
            for facet, label in _FACET_LABELS.items()
            if record.request[facet] != facets[facet]
        ]
        _reuse_conflict(key, bundle_id, dep_id, differing)
        outcome = record.outcome if isinstance(record.outcome, dict) else {}
        entries = outcome.get("entries")
        first = entries[0] if isinstance(entries, list) and entries else None
        revision_id = first.get("revision_id") if isinstance(first, dict) else None
        return revision_id if isinstance(revision_id, str) else None
    # A store without a remembered key: compare with the live split, as the reference does.
    split = env.split_for(dep_id)
    if split is None or split.idempotency_key != key or not split.entries:
        return None
    routed = split.entries[0].revision_id
    revision = env.revision(routed)
    differing = []
    if revision is not None and revision.bundle_digest != facets["bundle_digest"]:
        differing.append(_FACET_LABELS["bundle_digest"])
    # Without a record, only overrides named by the retry can be compared.
    if request.config_overrides and _overrides_json(request.config_overrides) != _overrides_json(
        existing.config_overrides
    ):
        differing.append(_FACET_LABELS["config_overrides"])
    _reuse_conflict(key, bundle_id, dep_id, differing)
    return routed
