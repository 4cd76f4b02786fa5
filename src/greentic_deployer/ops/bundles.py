"""`op bundles …`: add, update, remove and list bundle deployments."""

from __future__ import annotations

from typing import Any

from greentic_deployer.engine import bundles as engine
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import (
    BundleAddPayload,
    BundleRemovePayload,
    BundleUpdatePayload,
    revenue_share,
)
from greentic_deployer.ops.summaries import bundle_summary
from greentic_deployer.spec.bundle import (
    BundleDeployment,
    DeploymentStatus,
    RevenueShareEntry,
    RouteBinding,
    default_revenue_share,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.ids import check_identifier, new_ulid, parse_env_id, parse_ulid
from greentic_deployer.store.audit import redact_config_overrides

NOUN = "bundles"


def add(ctx: OpContext, payload: BundleAddPayload) -> dict[str, Any]:
    """Add a deployment of a bundle for a customer (revenue share defaults to greentic@10000)."""
    return add_deployment(
        ctx,
        parse_env_id(payload.environment_id),
        bundle_id=payload.bundle_id,
        customer_id=payload.customer_id,
        route_binding=payload.route_binding.to_spec(),
        revenue_share=revenue_share(payload.revenue_share),
        authorization_ref=payload.authorization_ref,
        config_overrides=payload.config_overrides,
        idempotency_key=payload.idempotency_key,
    )


def add_deployment(
    ctx: OpContext,
    env_id: str,
    *,
    bundle_id: str,
    customer_id: str | None,
    route_binding: RouteBinding,
    revenue_share: list[RevenueShareEntry] | None = None,
    authorization_ref: str = "auth.json",
    config_overrides: dict[str, dict[str, Any]] | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The audited `bundles add` use-case on already-parsed values."""
    check_identifier(bundle_id, "bundle_id")
    customer = engine.resolve_customer_id(env_id, customer_id)
    deployment_id = new_ulid()
    now = ctx.now()

    def transform(env: Environment) -> tuple[Environment, BundleDeployment]:
        return engine.add_bundle(
            env,
            deployment_id=deployment_id,
            bundle_id=bundle_id,
            customer_id=customer,
            route_binding=route_binding,
            revenue_share=revenue_share or default_revenue_share(),
            authorization_ref=authorization_ref,
            config_overrides=config_overrides,
            now=now,
        )

    target = {
        "bundle_id": bundle_id,
        "customer_id": customer,
        "deployment_id": deployment_id,
        "config_overrides": redact_config_overrides(config_overrides or {}),
    }
    deployment = audited(
        ctx,
        env_id,
        NOUN,
        "add",
        target,
        lambda: ctx.store.transact(env_id, transform),
        idempotency_key=idempotency_key,
    )
    return bundle_summary(env_id, deployment)


def update(ctx: OpContext, payload: BundleUpdatePayload) -> dict[str, Any]:
    """Change status, route binding, revenue share or (wholesale) config overrides."""
    return update_deployment(
        ctx,
        parse_env_id(payload.environment_id),
        parse_ulid(payload.deployment_id, "deployment_id"),
        status=payload.status,
        route_binding=(
            payload.route_binding.to_spec() if payload.route_binding is not None else None
        ),
        revenue_share=revenue_share(payload.revenue_share),
        config_overrides=payload.config_overrides,
        idempotency_key=payload.idempotency_key,
    )


def update_deployment(
    ctx: OpContext,
    env_id: str,
    deployment_id: str,
    *,
    status: DeploymentStatus | None = None,
    route_binding: RouteBinding | None = None,
    revenue_share: list[RevenueShareEntry] | None = None,
    config_overrides: dict[str, dict[str, Any]] | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The audited `bundles update` use-case on already-parsed values."""

    def transform(env: Environment) -> tuple[Environment, tuple[BundleDeployment, Environment]]:
        new_env, deployment = engine.update_bundle(
            env,
            deployment_id,
            status=status,
            route_binding=route_binding,
            revenue_share=revenue_share,
            config_overrides=config_overrides,
        )
        return new_env, (deployment, new_env)

    target: dict[str, Any] = {"deployment_id": deployment_id}
    if config_overrides is not None:
        target["config_overrides"] = redact_config_overrides(config_overrides)
    deployment, updated = audited(
        ctx,
        env_id,
        NOUN,
        "update",
        target,
        lambda: ctx.store.transact(env_id, transform),
        idempotency_key=idempotency_key,
    )
    return bundle_summary(env_id, deployment, updated)


def remove(ctx: OpContext, payload: BundleRemovePayload) -> dict[str, Any]:
    """Remove a deployment with nothing live; its archived revisions (and files) go with it."""
    return remove_deployment(
        ctx,
        parse_env_id(payload.environment_id),
        parse_ulid(payload.deployment_id, "deployment_id"),
        idempotency_key=payload.idempotency_key,
    )


def remove_deployment(
    ctx: OpContext, env_id: str, deployment_id: str, *, idempotency_key: str | None = None
) -> dict[str, Any]:
    """The audited `bundles remove` use-case on already-parsed values."""

    def transform(
        env: Environment,
    ) -> tuple[Environment, tuple[BundleDeployment, list[str]]]:
        new_env, removed, compacted = engine.remove_bundle(env, deployment_id)
        return new_env, (removed, compacted)

    removed, compacted = audited(
        ctx,
        env_id,
        NOUN,
        "remove",
        {"deployment_id": deployment_id},
        lambda: ctx.store.transact(env_id, transform),
        idempotency_key=idempotency_key,
    )
    for revision_id in compacted:
        # The records are gone; their staged bundles belong to nothing any more.
        ctx.store.delete_revision_files(env_id, revision_id)
    result = bundle_summary(env_id, removed)
    result["pruned_revision_ids"] = compacted  # the output field keeps its name
    return result


def list_bundles(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """Every deployment of an environment."""
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    return {
        "environment_id": env_id,
        "deployments": [bundle_summary(env_id, b, env) for b in env.bundles],
    }
