"""Bundle-deployment verbs: add, update, remove."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from greentic_deployer.engine.checked import build, rebuilt, stamp, validated
from greentic_deployer.engine.errors import BundleStillLiveError, DuplicateDeploymentError
from greentic_deployer.engine.lookup import require_deployment, with_deployment
from greentic_deployer.spec.bundle import (
    BundleDeployment,
    DeploymentStatus,
    RevenueShareEntry,
    RouteBinding,
    default_revenue_share,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import check_identifier, parse_ulid
from greentic_deployer.spec.local import LOCAL_ENV_ID

LOCAL_DEFAULT_CUSTOMER = "local-dev"

ConfigOverridesInput = Mapping[str, Mapping[str, Any]]


def resolve_customer_id(env_id: str, customer_id: str | None) -> str:
    """`local` defaults to `local-dev`; elsewhere a customer id is required; never blank."""
    if customer_id is None:
        if env_id == LOCAL_ENV_ID:
            return LOCAL_DEFAULT_CUSTOMER
        raise InvalidArgumentError(
            "customer_id",
            f"required for environment `{env_id}` (only `local` defaults to "
            f"`{LOCAL_DEFAULT_CUSTOMER}`)",
        )
    return check_identifier(customer_id, "customer_id")


def _overrides(value: ConfigOverridesInput | None) -> dict[str, dict[str, Any]] | None:
    # An empty map is the same as none: it is omitted on the wire.
    if not value:
        return None
    return {pack: dict(keys) for pack, keys in value.items()}


def find_deployment(env: Environment, bundle_id: str, customer_id: str) -> BundleDeployment | None:
    """The deployment of `bundle_id` for `customer_id`, if any."""
    return next(
        (b for b in env.bundles if b.bundle_id == bundle_id and b.customer_id == customer_id),
        None,
    )


def add_bundle(
    env: Environment,
    *,
    deployment_id: str,
    bundle_id: str,
    customer_id: str | None,
    route_binding: RouteBinding | None = None,
    revenue_share: Sequence[RevenueShareEntry] | None = None,
    authorization_ref: str = "auth.json",
    config_overrides: ConfigOverridesInput | None = None,
    now: datetime,
) -> tuple[Environment, BundleDeployment]:
    """Add an `active` deployment of a bundle for a customer (unique per bundle and customer)."""
    at = stamp(now)
    if not bundle_id.strip():
        raise InvalidArgumentError("bundle_id", "must not be empty", bundle_id)
    customer = resolve_customer_id(env.environment_id, customer_id)
    dep_id = parse_ulid(deployment_id, "deployment_id")
    clash = env.deployment(dep_id)
    if clash is not None:
        raise DuplicateDeploymentError(
            env.environment_id, clash.bundle_id, clash.customer_id, dep_id, same_id=True
        )
    existing = find_deployment(env, bundle_id, customer)
    if existing is not None:
        raise DuplicateDeploymentError(
            env.environment_id, bundle_id, customer, existing.deployment_id
        )
    deployment = build(
        BundleDeployment,
        "bundle",
        deployment_id=dep_id,
        env_id=env.environment_id,
        bundle_id=bundle_id,
        customer_id=customer,
        status=DeploymentStatus.active,
        route_binding=route_binding if route_binding is not None else RouteBinding(),
        revenue_share=list(revenue_share) if revenue_share is not None else default_revenue_share(),
        created_at=at,
        authorization_ref=authorization_ref,
        config_overrides=_overrides(config_overrides),
    )
    added = env.model_copy(update={"bundles": [*env.bundles, deployment]})
    return validated(added), deployment


def update_bundle(
    env: Environment,
    deployment_id: str,
    *,
    status: DeploymentStatus | None = None,
    route_binding: RouteBinding | None = None,
    revenue_share: Sequence[RevenueShareEntry] | None = None,
    config_overrides: ConfigOverridesInput | None = None,
) -> tuple[Environment, BundleDeployment]:
    """Patch a deployment; None keeps a field, `config_overrides` replaces wholesale ({} clears)."""
    current = require_deployment(env, parse_ulid(deployment_id, "deployment_id"))
    changes: dict[str, Any] = {}
    if status is not None:
        changes["status"] = status
    if route_binding is not None:
        changes["route_binding"] = route_binding
    if revenue_share is not None:
        changes["revenue_share"] = list(revenue_share)
    if config_overrides is not None:
        changes["config_overrides"] = _overrides(config_overrides)
    updated = rebuilt(current, "bundle", changes)
    return validated(with_deployment(env, updated)), updated


def remove_bundle(
    env: Environment, deployment_id: str
) -> tuple[Environment, BundleDeployment, list[str]]:
    """Drop a deployment with no split and only archived revisions.

    Returns the ids of the revision records compacted away with it; deleting their files is
    the caller's job.
    """
    current = require_deployment(env, parse_ulid(deployment_id, "deployment_id"))
    dep_id = current.deployment_id
    split_count = sum(1 for s in env.traffic_splits if s.deployment_id == dep_id)
    own = [r for r in env.revisions if r.deployment_id == dep_id]
    live_revisions = sum(1 for r in own if r.lifecycle.is_retained)
    if split_count or live_revisions:
        raise BundleStillLiveError(dep_id, split_count, live_revisions)
    compacted = [r.revision_id for r in own]
    removed = env.model_copy(
        update={
            "bundles": [b for b in env.bundles if b.deployment_id != dep_id],
            "revisions": [r for r in env.revisions if r.deployment_id != dep_id],
        }
    )
    return validated(removed), current, compacted
