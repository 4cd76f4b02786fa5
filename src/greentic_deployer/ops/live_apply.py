"""`--apply`: the blue-green verbs carried out on the cluster, in contract order.

Each step runs its provider side first (through `ops/provider.py`) and is recorded in the store
only after the provider succeeded: a worker is applied and rolled out before its revision is
`ready`; the runtime-config ConfigMap is upserted before the split that names it is recorded. A
failed rollout flips the revision to `failed` (the committed-on-error rule) and leaves traffic
untouched. Only an env bound to the k8s deployer may use `--apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from greentic_deployer.engine import revisions as engine
from greentic_deployer.engine import traffic as traffic_engine
from greentic_deployer.engine.lookup import require_revision
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.live import guarded
from greentic_deployer.ops.live_target import (
    Connection,
    LiveTarget,
    require_k8s_binding,
    resolve_target,
)
from greentic_deployer.ops.provider import BoundDeployer, run_provider_verb, run_then_commit
from greentic_deployer.ops.summaries import revision_summary
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import GreenticError
from greentic_deployer.spec.revision import Revision
from greentic_deployer.spec.traffic import TrafficEntry

if TYPE_CHECKING:
    from greentic_deployer.packs.k8s.deployer import K8sDeployer

R = TypeVar("R")
RUNTIME_CONFIG = "gtc-runtime-config"


def live_target(ctx: OpContext, env_id: str, connection: Connection, what: str) -> LiveTarget:
    """The env's k8s target (`conflict` naming the bound kind when it is not k8s)."""
    require_k8s_binding(ctx.store.load(env_id), what)
    return resolve_target(ctx, env_id, kind=None, connection=connection, verb=what)


def _deployer(target: LiveTarget, progress: Callable[[str], None] | None) -> K8sDeployer:
    from greentic_deployer.packs.k8s.deployer import K8sDeployer

    return K8sDeployer(
        lambda _answers: target.connect(),
        secrets_backend=target.secrets_backend,
        dev_store_bytes=target.dev_store_bytes,
        progress=progress,
    )


async def ensure_env_level(target: LiveTarget, env: Environment) -> int:
    """Apply the env-level set (no workers, no prune) when the runtime-config is not there yet.

    Returns how many objects were applied (0 when the set was already in place).
    """
    from greentic_deployer.packs.k8s.naming import LABEL_REVISION
    from greentic_deployer.packs.k8s.object_ref import ObjectRef
    from greentic_deployer.packs.k8s.plan import desired_state, labels_of
    from greentic_deployer.packs.k8s.reconcile import apply_desired, read_live

    desired = desired_state(
        env,
        target.answers,
        secrets_backend=target.secrets_backend,
        dev_store_bytes=target.dev_store_bytes,
        manage_namespace=target.manage_namespace,
    )
    cluster = target.connect()
    try:
        probe = ObjectRef("v1", "ConfigMap", desired.namespace, RUNTIME_CONFIG)
        if await cluster.get(probe) is not None:
            return 0
        kept = [
            (obj, ref)
            for obj, ref in zip(desired.objects, desired.refs, strict=True)
            if LABEL_REVISION not in labels_of(obj)
        ]
        env_level = replace(
            desired, objects=tuple(o for o, _ in kept), refs=tuple(r for _, r in kept)
        )
        existing = await read_live(cluster, env_level, dry_run=False, adopt=False)
        results = await apply_desired(
            cluster, env_level, existing, adopt=False, dry_run=False, concurrency=8
        )
        return len(results)
    finally:
        await cluster.close()


def warm(
    ctx: OpContext,
    env_id: str,
    revision_id: str,
    connection: Connection,
    *,
    idempotency_key: str | None = None,
    bootstrap: bool = False,
) -> tuple[Revision, int]:
    """Apply the worker and wait for its rollout, then record `ready` (failure: `failed`)."""
    from greentic_deployer.packs.k8s.reconcile import describe
    from greentic_deployer.packs.k8s.rollout import status_line

    target = live_target(ctx, env_id, connection, "revisions warm")
    observed = require_revision(target.env, revision_id)
    now = ctx.now()
    # Refuse an illegal transition before anything reaches the cluster.
    engine.warm_revision(target.env, revision_id, engine.HealthGate.ok(), observed.lifecycle, now)
    applied_env_level = 0

    async def effect(bound: BoundDeployer) -> None:
        nonlocal applied_env_level

        async def step() -> None:
            nonlocal applied_env_level
            if bootstrap:
                applied_env_level = await ensure_env_level(target, bound.env)
            with status_line() as progress:
                await _deployer(target, progress).warm_revision(
                    bound.env, revision_id, target.raw_answers
                )

        await guarded(target, step)

    def record(env: Environment, _outcome: None) -> tuple[Environment, Revision]:
        return engine.warm_revision(
            env, revision_id, engine.HealthGate.ok(), observed.lifecycle, now
        )

    def record_failure(env: Environment, failure: GreenticError) -> tuple[Environment, Revision]:
        gate = engine.HealthGate.failed(("provider-health",), describe(failure))
        return engine.warm_revision(env, revision_id, gate, None, now)

    revision = run_provider_verb(
        ctx,
        env_id,
        noun="revisions",
        verb="warm",
        target={"revision_id": revision_id, "apply": True},
        effect=effect,
        record=record,
        record_failure=record_failure,
        idempotency_key=idempotency_key,
    )
    return revision, applied_env_level


def warm_verb(
    ctx: OpContext, env_id: str, revision_id: str, connection: Connection, key: str | None
) -> dict[str, Any]:
    """`revisions warm --apply`."""
    revision, _ = warm(ctx, env_id, revision_id, connection, idempotency_key=key)
    return revision_summary(revision)


def archive_verb(
    ctx: OpContext, env_id: str, revision_id: str, connection: Connection, key: str | None
) -> dict[str, Any]:
    """`revisions archive --apply`: delete the worker, then record `archived`."""
    target = live_target(ctx, env_id, connection, "revisions archive")
    # Refused while a split names it: checked before the worker is deleted.
    engine.archive_revision(target.env, revision_id)

    async def effect(bound: BoundDeployer) -> None:
        async def step() -> None:
            await _deployer(target, None).archive_revision(
                bound.env, revision_id, target.raw_answers
            )

        await guarded(target, step)

    revision = run_provider_verb(
        ctx,
        env_id,
        noun="revisions",
        verb="archive",
        target={"revision_id": revision_id, "apply": True},
        effect=effect,
        record=lambda env, _outcome: engine.archive_revision(env, revision_id),
        idempotency_key=key,
    )
    return revision_summary(revision)


def _publish_split(
    ctx: OpContext,
    target: LiveTarget,
    env_id: str,
    deployment_id: str,
    projected: Environment,
    verb: str,
    commit: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Upsert the runtime-config for `projected`, then `commit` records (and audits) the split."""

    async def effect(_bound: BoundDeployer) -> None:
        async def step() -> None:
            await _deployer(target, None).apply_traffic_split(
                projected, deployment_id, target.raw_answers
            )

        await guarded(target, step)

    return run_then_commit(
        ctx,
        env_id,
        noun="traffic",
        verb=verb,
        target={"deployment_id": deployment_id, "apply": True},
        effect=effect,
        commit=lambda _outcome: commit(),
    )


def set_entries_verb(
    ctx: OpContext,
    env_id: str,
    deployment_id: str,
    entries: list[TrafficEntry],
    key: str,
    connection: Connection,
    **kwargs: Any,
) -> dict[str, Any]:
    """`traffic set --apply`: the runtime-config first, the store's split after it."""
    from greentic_deployer.ops.traffic import check_entries, set_entries

    target = live_target(ctx, env_id, connection, "traffic set")
    check_entries(target.env, env_id, deployment_id, entries)
    outcome = traffic_engine.set_traffic(
        target.env,
        deployment_id,
        entries,
        key,
        ctx.now(),
        updated_by=kwargs.get("updated_by", "operator"),
        authorization_ref=kwargs.get("authorization_ref", "auth.json"),
    )
    return _publish_split(
        ctx,
        target,
        env_id,
        deployment_id,
        outcome.environment,
        "set",
        lambda: set_entries(ctx, env_id, deployment_id, entries, key, **kwargs),
    )


def rollback_verb(
    ctx: OpContext, env_id: str, deployment_id: str, connection: Connection
) -> dict[str, Any]:
    """`traffic rollback --apply`: the restored split's runtime-config first, then the store."""
    from greentic_deployer.ops.traffic import rollback

    target = live_target(ctx, env_id, connection, "traffic rollback")
    outcome = traffic_engine.rollback_traffic(target.env, deployment_id, ctx.now())
    return _publish_split(
        ctx,
        target,
        env_id,
        deployment_id,
        outcome.environment,
        "rollback",
        lambda: rollback(ctx, env_id, deployment_id),
    )
