"""`op revisions …`: stage (bundle file or pointer form), warm, drain, archive, list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from greentic_deployer.engine import revisions as engine
from greentic_deployer.engine.lookup import require_deployment, require_revision
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.drain_guard import refuse_routed_drain
from greentic_deployer.ops.live_target import live_connection
from greentic_deployer.ops.payloads import DrainPayload, RevisionVerbPayload, StagePayload
from greentic_deployer.ops.summaries import revision_summary
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import check_semver, new_ulid, parse_env_id, parse_ulid
from greentic_deployer.spec.revision import Revision

if TYPE_CHECKING:
    from greentic_deployer.bundle.stage import StagedBundle

NOUN = "revisions"


def stage(ctx: OpContext, payload: StagePayload) -> dict[str, Any]:
    """Stage a new revision from a `.gtbundle` file, or record caller pointers verbatim."""
    env_id = parse_env_id(payload.environment_id)
    deployment_id = parse_ulid(payload.deployment_id, "deployment_id")
    revision_id = (
        parse_ulid(payload.revision_id, "revision_id") if payload.revision_id else new_ulid()
    )
    target = {"deployment_id": deployment_id, "revision_id": revision_id}
    request = _stage_request(payload, deployment_id, revision_id)
    if payload.bundle_path is not None:
        source = Path(payload.bundle_path)
        action: Callable[[], Revision] = lambda: _stage_bundle(  # noqa: E731
            ctx, env_id, request, source
        )
        target["bundle_path"] = str(source)
    else:
        _check_pointers(request)
        now = ctx.now()

        def action() -> Revision:
            require_deployment(ctx.store.load(env_id), deployment_id)
            return ctx.store.transact(env_id, lambda env: engine.stage_revision(env, request, now))

    revision = audited(
        ctx, env_id, NOUN, "stage", target, action, idempotency_key=payload.idempotency_key
    )
    return revision_summary(revision)


def _stage_request(
    payload: StagePayload, deployment_id: str, revision_id: str
) -> engine.StageRequest:
    """The payload's fields as the engine's request (a bundle file later replaces the pins)."""
    return engine.StageRequest(
        revision_id=revision_id,
        deployment_id=deployment_id,
        bundle_digest=payload.bundle_digest,
        bundle_source_uri=payload.bundle_source_uri,
        pack_list=[entry.to_spec() for entry in payload.pack_list],
        pack_list_lock_ref=payload.pack_list_lock_ref,
        config_digest=payload.config_digest,
        signature_sidecar_ref=payload.signature_sidecar_ref,
        drain_seconds=payload.drain_seconds,
    )


def _check_pointers(request: engine.StageRequest) -> None:
    """Pointer form: the lock ref stays in the revision's directory, pack versions are semver."""
    lock_ref = request.pack_list_lock_ref
    if lock_ref:
        parts = PurePosixPath(lock_ref).parts
        if len(parts) < 3 or parts[:2] != ("revisions", request.revision_id) or ".." in parts:
            raise InvalidArgumentError(
                "pack_list_lock_ref",
                f"must live under revisions/{request.revision_id}/ (the revision's own directory)",
                lock_ref,
            )
    for entry in request.pack_list:
        check_semver(entry.version, "pack version")


def discard_staged_files(
    ctx: OpContext, env_id: str, revision_id: str, staged: StagedBundle
) -> None:
    """Remove the files this verb staged (and `revisions/` only when staging created it)."""
    from greentic_deployer.bundle.stage import remove_staged_dir

    remove_staged_dir(
        ctx.store.revision_dir(env_id, revision_id),
        created_parent=staged.created_revisions_dir,
    )


def stage_bundle_files(
    ctx: OpContext, env_id: str, bundle_id: str, revision_id: str, source: Path
) -> StagedBundle:
    """Copy, hash, extract and pin a bundle into a new revision directory; the env is untouched.

    A refusal leaves the store as it was: staging removes only what it created, and an
    existing revision directory (a live revision's files) is never touched.
    """
    from greentic_deployer.bundle.stage import stage_bundle

    return stage_bundle(
        source,
        ctx.store.revision_dir(env_id, revision_id),
        env_id=env_id,
        bundle_id=bundle_id,
        revision_id=revision_id,
        progress=ctx.stage_progress,
    )


def record_staged(
    ctx: OpContext, env_id: str, request: engine.StageRequest, staged: StagedBundle
) -> Revision:
    """Record staged bundle files as a `staged` revision; if that fails the files are removed.

    `request` carries the ids and caller pointers; the bundle's own pins replace its digest,
    pack list, lock ref and config refs.
    """
    request = replace(
        request,
        bundle_digest=staged.bundle_digest,
        pack_list=list(staged.pack_list),
        pack_list_lock_ref=staged.pack_list_lock_ref,
        pack_config_refs=list(staged.pack_config_refs),
    )
    now = ctx.now()
    try:
        return ctx.store.transact(env_id, lambda env: engine.stage_revision(env, request, now))
    except BaseException:
        # The environment never learned of this revision: leave no orphaned files behind.
        discard_staged_files(ctx, env_id, request.revision_id, staged)
        raise


def _stage_bundle(
    ctx: OpContext, env_id: str, request: engine.StageRequest, source: Path
) -> Revision:
    deployment = require_deployment(ctx.store.load(env_id), request.deployment_id)
    staged = stage_bundle_files(ctx, env_id, deployment.bundle_id, request.revision_id, source)
    return record_staged(ctx, env_id, request, staged)


def warm(
    ctx: OpContext,
    payload: RevisionVerbPayload,
    *,
    apply: bool = False,
    kubeconfig: Path | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    """Walk staged → warming → ready behind a (passing) health gate.

    With `apply`, the k8s worker is applied and rolled out first (ops/live_apply.py).
    """
    live = live_connection(apply, kubeconfig, context)
    if live is not None:
        from greentic_deployer.ops import live_apply

        return live_apply.warm_verb(
            ctx,
            parse_env_id(payload.environment_id),
            parse_ulid(payload.revision_id, "revision_id"),
            live,
            payload.idempotency_key,
        )
    return warm_revision(
        ctx,
        parse_env_id(payload.environment_id),
        parse_ulid(payload.revision_id, "revision_id"),
        idempotency_key=payload.idempotency_key,
    )


def warm_revision(
    ctx: OpContext, env_id: str, revision_id: str, *, idempotency_key: str | None = None
) -> dict[str, Any]:
    """The audited `revisions warm` use-case on already-parsed values."""
    now = ctx.now()

    def action() -> Revision:
        observed = require_revision(ctx.store.load(env_id), revision_id)
        return ctx.store.transact(
            env_id,
            lambda env: engine.warm_revision(
                env, revision_id, engine.HealthGate.ok(), observed.lifecycle, now
            ),
        )

    return _lifecycle_verb(ctx, env_id, "warm", revision_id, idempotency_key, action)


def drain(ctx: OpContext, payload: DrainPayload) -> dict[str, Any]:
    """Walk ready → draining (routing-side; workers stay up); routed needs `force`."""
    env_id = parse_env_id(payload.environment_id)
    revision_id = parse_ulid(payload.revision_id, "revision_id")

    def transform(env: Environment) -> tuple[Environment, Revision]:
        if not payload.force:
            refuse_routed_drain(env, revision_id)  # on the locked copy
        return engine.drain_revision(env, revision_id)

    return _lifecycle_verb(
        ctx,
        env_id,
        "drain",
        revision_id,
        payload.idempotency_key,
        lambda: ctx.store.transact(env_id, transform),
    )


def archive(
    ctx: OpContext,
    payload: RevisionVerbPayload,
    *,
    apply: bool = False,
    kubeconfig: Path | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    """Archive a revision no split routes to (with `apply`, its k8s worker is deleted first)."""
    env_id = parse_env_id(payload.environment_id)
    revision_id = parse_ulid(payload.revision_id, "revision_id")
    live = live_connection(apply, kubeconfig, context)
    if live is not None:
        from greentic_deployer.ops import live_apply

        return live_apply.archive_verb(ctx, env_id, revision_id, live, payload.idempotency_key)
    return _lifecycle_verb(
        ctx,
        env_id,
        "archive",
        revision_id,
        payload.idempotency_key,
        lambda: ctx.store.transact(env_id, lambda env: engine.archive_revision(env, revision_id)),
    )


def _lifecycle_verb(
    ctx: OpContext,
    env_id: str,
    verb: str,
    revision_id: str,
    idempotency_key: str | None,
    action: Callable[[], Revision],
) -> dict[str, Any]:
    revision = audited(
        ctx,
        env_id,
        NOUN,
        verb,
        {"revision_id": revision_id},
        action,
        idempotency_key=idempotency_key,
    )
    return revision_summary(revision)


def list_revisions(ctx: OpContext, env_id: str, *, with_weights: bool = False) -> dict[str, Any]:
    """Every revision of an environment, in store order.

    `with_weights` (the text table only; the JSON shape is fixed) adds each revision's weight.
    """
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    rows = [revision_summary(r) for r in env.revisions]
    if with_weights:
        from greentic_deployer.ops.status import revision_weights

        weights = revision_weights(env)
        for row in rows:
            row["weight_bps"] = weights.get(row["revision_id"])  # None: not in the split
    return {"environment_id": env_id, "revisions": rows}
