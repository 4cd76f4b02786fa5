"""`op env reconcile`, `op env diff` and `op env apply-revision`: live k8s verbs.

None of them changes the store. Reconcile and apply-revision act on the cluster, so each appends
one audit line with its outcome (never a token); diff and a `--dry-run` reconcile change nothing
anywhere and are not audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.live_target import (
    Connect,
    Connection,
    LiveTarget,
    bind_identity,
    resolve_target,
)
from greentic_deployer.spec.errors import ConflictError, GreenticError, InvalidArgumentError

if TYPE_CHECKING:
    from greentic_deployer.packs.k8s.cluster import K8sCluster

NOUN = "env"
R = TypeVar("R")


def refuse_dry_run(ctx: OpContext, noun: str, verb: str) -> None:
    """A verb whose effect is on the cluster cannot be previewed by the dry-run store."""
    if ctx.dry_run:
        raise InvalidArgumentError(
            "--dry-run", f"`{noun} {verb}` acts on the cluster; it cannot be previewed"
        )


def unreachable(exc: BaseException) -> ConflictError | None:
    """`cannot reach the cluster: …` when `exc` (or what it wraps) is a missing HTTP answer."""
    from greentic_deployer.packs.k8s.errors import Unreachable

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, Unreachable):
        cause = getattr(cause, "cause", None) or cause.__cause__
    if isinstance(cause, Unreachable):
        return ConflictError(f"cannot reach the cluster: {cause.endpoint} ({cause.detail})")
    return None


async def guarded(target: LiveTarget, step: Callable[[], Awaitable[R]]) -> R:
    """Bind the identity, run the step; a missing HTTP answer reads `cannot reach the cluster`."""
    try:
        if target.identity is None:
            await bind_identity(target)
        return await step()
    except GreenticError as exc:
        mapped = unreachable(exc)
        if mapped is not None:
            raise mapped from exc
        raise


def run_live(target: LiveTarget, body: Callable[[K8sCluster], Awaitable[R]]) -> R:
    """Resolve the identity, connect, run `body`, close; unreachable -> `cannot reach …`."""

    async def step() -> R:
        cluster = target.connect()
        try:
            return await body(cluster)
        finally:
            await cluster.close()

    return asyncio.run(guarded(target, step))


def reconcile(
    ctx: OpContext,
    env_id: str,
    *,
    kind: str | None = None,
    wait: bool = False,
    dry_run: bool = False,
    adopt: bool = False,
    concurrency: int = 8,
    kubeconfig: Path | None = None,
    context: str | None = None,
    connect: Connect | None = None,
) -> dict[str, Any]:
    """Apply the env's rendered set and prune its stale workers (store untouched)."""
    from greentic_deployer.packs.k8s import reconcile as engine
    from greentic_deployer.packs.k8s.rollout import status_line

    engine.check_concurrency(concurrency)
    # The global `--dry-run` (a dry-run store) previews a reconcile as the server-side dry run.
    dry_run = dry_run or ctx.dry_run
    connection = Connection(kubeconfig, context, connect)
    target = resolve_target(ctx, env_id, kind=kind, connection=connection, verb="reconcile")

    async def body(cluster: K8sCluster) -> dict[str, Any]:
        with status_line() as progress:
            report = await engine.reconcile(
                cluster,
                target.env,
                target.answers,
                dev_store_bytes=target.dev_store_bytes,
                secrets_backend=target.secrets_backend,
                manage_namespace=target.manage_namespace,
                wait=wait,
                dry_run=dry_run,
                adopt=adopt,
                concurrency=concurrency,
                progress=progress,
            )
        return {**target.report_head(), **report.to_json()}

    if dry_run:
        return run_live(target, body)
    audit_target = {"kind": target.kind, "wait": wait, "adopt": adopt}
    return audited(ctx, env_id, NOUN, "reconcile", audit_target, lambda: run_live(target, body))


def diff(
    ctx: OpContext,
    env_id: str,
    *,
    kind: str | None = None,
    kubeconfig: Path | None = None,
    context: str | None = None,
    connect: Connect | None = None,
) -> dict[str, Any]:
    """What a reconcile would create, change (with field paths) and prune; changes nothing."""
    from greentic_deployer.packs.k8s.diff import diff as run_diff

    connection = Connection(kubeconfig, context, connect)
    target = resolve_target(ctx, env_id, kind=kind, connection=connection, verb="diff")

    async def body(cluster: K8sCluster) -> dict[str, Any]:
        report = await run_diff(
            cluster,
            target.env,
            target.answers,
            dev_store_bytes=target.dev_store_bytes,
            secrets_backend=target.secrets_backend,
            manage_namespace=target.manage_namespace,
        )
        return {**target.report_head(), **report.to_json()}

    return run_live(target, body)


def apply_revision(
    ctx: OpContext,
    env_id: str,
    revision_id: str,
    *,
    kind: str | None = None,
    kubeconfig: Path | None = None,
    context: str | None = None,
    connect: Connect | None = None,
) -> dict[str, Any]:
    """Present revision -> warm (apply the worker, wait); absent -> archive (delete it)."""
    refuse_dry_run(ctx, "env", "apply-revision")
    from greentic_deployer.engine.lookup import require_revision
    from greentic_deployer.packs.k8s.deployer import K8sDeployer
    from greentic_deployer.packs.k8s.naming import worker_name
    from greentic_deployer.packs.k8s.rollout import status_line
    from greentic_deployer.spec.ids import parse_ulid

    connection = Connection(kubeconfig, context, connect)
    target = resolve_target(ctx, env_id, kind=kind, connection=connection, verb="apply-revision")
    revision_id = parse_ulid(revision_id, "revision_id")
    revision = require_revision(target.env, revision_id)
    present = revision.lifecycle.has_cluster_presence

    async def step() -> dict[str, Any]:
        with status_line() as progress:
            deployer = K8sDeployer(
                lambda _answers: target.connect(),
                secrets_backend=target.secrets_backend,
                dev_store_bytes=target.dev_store_bytes,
                progress=progress,
            )
            if present:
                await deployer.warm_revision(target.env, revision_id, target.raw_answers)
            else:
                await deployer.archive_revision(target.env, revision_id, target.raw_answers)
        head = target.report_head()
        return {
            "environment_id": head["environment_id"],
            "kind": head["kind"],
            "revision_id": revision_id,
            "lifecycle": revision.lifecycle.value,
            "action": "warmed" if present else "archived",
            "worker_name": worker_name(revision_id),
            "answers_ref": head["answers_ref"],
            "identity": head["identity"],
        }

    audit_target = {"kind": target.kind, "revision_id": revision_id}
    return audited(
        ctx,
        env_id,
        NOUN,
        "apply-revision",
        audit_target,
        lambda: asyncio.run(guarded(target, step)),
    )
