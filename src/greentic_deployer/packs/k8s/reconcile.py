"""Reconcile: make the cluster match an environment's rendered state, then prune what is stale.

One read per (namespace, kind), one server-side apply per desired object (Namespace first, the
rest with bounded concurrency), deletes (with the same bound) only for objects the read saw and
that are stale. A failure stops new applies or deletes and is raised as `ReconcileFailed`, which
carries what was applied and pruned.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from greentic_deployer.packs.contract import ProviderError
from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.cluster import ApplyAction, ApplyResult, ClusterError, K8sCluster
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.plan import (
    DesiredState,
    Key,
    check_ownership,
    desired_state,
    read_existing,
    stale_objects,
)
from greentic_deployer.packs.k8s.rollout import timeout_from_env, wait_for_rollout
from greentic_deployer.packs.k8s.secrets_backend import SecretsBackend
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError

DEFAULT_CONCURRENCY = 8
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RolloutOutcome:
    """How one applied Deployment's rollout ended: `ready`, `failed` or `not-waited`."""

    ref: ObjectRef
    replicas: int
    state: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """`{ref…, replicas, state, message}`."""
        return {
            **self.ref.to_json(),
            "replicas": self.replicas,
            "state": self.state,
            "message": self.message,
        }


@dataclass(frozen=True)
class AppliedObject:
    """One applied object and what the apply did (judged by resourceVersion)."""

    ref: ObjectRef
    action: ApplyAction


@dataclass(frozen=True)
class ReconcileReport:
    """What a reconcile applied and pruned (`dry_run`: would have), and rollouts when waited."""

    applied: tuple[AppliedObject, ...] = ()
    pruned: tuple[ObjectRef, ...] = ()
    dry_run: bool = False
    rollouts: tuple[RolloutOutcome, ...] | None = None

    @property
    def unchanged_count(self) -> int:
        """Applied objects whose resourceVersion did not move."""
        return sum(1 for a in self.applied if a.action is ApplyAction.unchanged)

    def to_json(self) -> dict[str, Any]:
        """`applied_count, pruned_count, applied, pruned` (ObjectRef JSON) plus the actions."""
        out: dict[str, Any] = {
            "applied_count": len(self.applied),
            "pruned_count": len(self.pruned),
            "applied": [a.ref.to_json() for a in self.applied],
            "pruned": [r.to_json() for r in self.pruned],
            "actions": [{**a.ref.to_json(), "action": a.action.value} for a in self.applied],
            "unchanged_count": self.unchanged_count,
            "dry_run": self.dry_run,
        }
        if self.rollouts is not None:
            out["rollouts"] = [r.to_json() for r in self.rollouts]
        return out


def check_concurrency(concurrency: int) -> None:
    """At least one apply at a time (InvalidArgumentError before any cluster call)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError("concurrency", "must be an integer >= 1", concurrency)


def describe(error: BaseException) -> str:
    """An error's message without the `provider failure:` prefix the wrapper adds again."""
    return str(error).removeprefix("provider failure: ")


class ReconcileFailed(ProviderError):
    """A reconcile stopped at a failure; `report` says what had been applied before it."""

    def __init__(self, cause: Exception, report: ReconcileReport, *, phase: str) -> None:
        detail = describe(cause)
        applied = len(report.applied)
        super().__init__(
            f"reconcile stopped while {phase}: {detail} "
            f"({applied} object{'s' if applied != 1 else ''} applied"
            f"{', nothing pruned' if not report.pruned else f', {len(report.pruned)} pruned'})"
        )
        self.cause = cause
        self.report = report
        self.phase = phase


@dataclass
class _Applier:
    """Applies a batch with bounded concurrency; the first failure stops new applies."""

    cluster: K8sCluster
    existing: dict[Any, dict[str, Any]]
    adopt: bool
    dry_run: bool
    concurrency: int
    results: dict[int, ApplyResult] = field(default_factory=dict)
    failure: Exception | None = None

    async def run(self, batch: Sequence[tuple[int, dict[str, Any]]]) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(index: int, manifest: dict[str, Any]) -> None:
            async with gate:
                if self.failure is not None:
                    return
                try:
                    self.results[index] = await self.cluster.apply(
                        manifest, adopt=self.adopt, existing=self.existing, dry_run=self.dry_run
                    )
                except Exception as exc:  # the first one is reported; in-flight ones finish
                    if self.failure is None:
                        self.failure = exc

        await asyncio.gather(*(one(i, m) for i, m in batch))


def _report(
    desired: DesiredState,
    results: dict[int, ApplyResult],
    pruned: Sequence[ObjectRef] = (),
    *,
    dry_run: bool,
    rollouts: tuple[RolloutOutcome, ...] | None = None,
) -> ReconcileReport:
    applied = tuple(AppliedObject(desired.refs[i], results[i].action) for i in sorted(results))
    return ReconcileReport(
        applied=applied, pruned=tuple(pruned), dry_run=dry_run, rollouts=rollouts
    )


def _namespace_absent(desired: DesiredState, existing: dict[Any, Any]) -> bool:
    return any(r.kind == "Namespace" for r in desired.refs) and (
        (None, "Namespace", desired.namespace) not in existing
    )


async def read_live(
    cluster: K8sCluster, desired: DesiredState, *, dry_run: bool, adopt: bool
) -> dict[Key, dict[str, Any]]:
    """Read what exists (one list per namespace and kind) and run the ownership guard on it."""
    try:
        existing = await read_existing(cluster, desired)
    except ClusterError as exc:
        raise ReconcileFailed(exc, ReconcileReport(dry_run=dry_run), phase="reading") from exc
    try:
        check_ownership(desired, existing, adopt=adopt)
    except ClusterError as exc:
        raise ReconcileFailed(
            exc, ReconcileReport(dry_run=dry_run), phase="checking ownership"
        ) from exc
    return existing


async def apply_desired(
    cluster: K8sCluster,
    desired: DesiredState,
    existing: dict[Key, dict[str, Any]],
    *,
    adopt: bool,
    dry_run: bool,
    concurrency: int,
) -> dict[int, ApplyResult]:
    """Apply the Namespace first, then the rest with bounded concurrency; index -> result."""
    check_concurrency(concurrency)
    applier = _Applier(cluster, existing, adopt, dry_run, concurrency)
    indexed = list(enumerate(desired.objects))
    namespaces = [(i, m) for i, m in indexed if m.get("kind") == "Namespace"]
    rest = [(i, m) for i, m in indexed if m.get("kind") != "Namespace"]
    # A dry run cannot place objects in a namespace that does not exist yet: each would be created.
    skip_rest = dry_run and _namespace_absent(desired, existing)
    await applier.run(namespaces)
    if applier.failure is None and not skip_rest:
        await applier.run(rest)
    results = dict(applier.results)
    if skip_rest:
        for i, manifest in rest:
            results[i] = ApplyResult(desired.refs[i], ApplyAction.created, manifest)
    if applier.failure is not None:
        if not isinstance(applier.failure, ClusterError):
            raise applier.failure  # a defect, not a cluster answer: never dressed as a conflict
        raise ReconcileFailed(
            applier.failure, _report(desired, results, dry_run=dry_run), phase="applying"
        ) from applier.failure
    return results


async def prune(
    cluster: K8sCluster, stale: Sequence[ObjectRef], concurrency: int
) -> tuple[list[ObjectRef], Exception | None]:
    """Delete `stale` with bounded concurrency; the first failure stops new deletes.

    Returns what was deleted (in `stale` order) and the first failure, if any.
    """
    check_concurrency(concurrency)
    gate = asyncio.Semaphore(concurrency)
    deleted: dict[int, ObjectRef] = {}
    failures: list[Exception] = []

    async def one(index: int, ref: ObjectRef) -> None:
        async with gate:
            if failures:
                return
            try:
                await cluster.delete(ref)
            except Exception as exc:  # the first one is reported; in-flight ones finish
                failures.append(exc)
                return
            deleted[index] = ref

    await asyncio.gather(*(one(i, ref) for i, ref in enumerate(stale)))
    return [deleted[i] for i in sorted(deleted)], (failures[0] if failures else None)


@dataclass(frozen=True)
class AppliedPlan:
    """The desired set, what existed before, and each desired object's apply result."""

    desired: DesiredState
    existing: dict[Key, dict[str, Any]]
    results: dict[int, ApplyResult]


async def render_read_apply(
    cluster: K8sCluster,
    env: Environment,
    answers: K8sAnswers | object | None,
    *,
    dev_store_bytes: bytes | None,
    secrets_backend: SecretsBackend | None,
    manage_namespace: bool,
    dry_run: bool,
    adopt: bool,
    concurrency: int,
) -> AppliedPlan:
    """Render (answers fail before any cluster call), read once, guard, then apply the set."""
    check_concurrency(concurrency)
    desired = desired_state(
        env,
        answers,
        secrets_backend=secrets_backend,
        dev_store_bytes=dev_store_bytes,
        manage_namespace=manage_namespace,
    )
    existing = await read_live(cluster, desired, dry_run=dry_run, adopt=adopt)
    results = await apply_desired(
        cluster, desired, existing, adopt=adopt, dry_run=dry_run, concurrency=concurrency
    )
    return AppliedPlan(desired, existing, results)


async def reconcile(
    cluster: K8sCluster,
    env: Environment,
    answers: K8sAnswers | object | None,
    *,
    dev_store_bytes: bytes | None = None,
    secrets_backend: SecretsBackend | None = None,
    manage_namespace: bool = True,
    wait: bool = False,
    dry_run: bool = False,
    adopt: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReconcileReport:
    """Apply the env's rendered set, prune its stale workers, optionally wait for rollouts."""
    plan = await render_read_apply(
        cluster,
        env,
        answers,
        dev_store_bytes=dev_store_bytes,
        secrets_backend=secrets_backend,
        manage_namespace=manage_namespace,
        dry_run=dry_run,
        adopt=adopt,
        concurrency=concurrency,
    )
    desired, existing, results = plan.desired, plan.existing, plan.results

    stale = stale_objects(desired, existing)
    if dry_run:
        pruned = list(stale)
    else:
        pruned, failure = await prune(cluster, stale, concurrency)
        if failure is not None:
            if not isinstance(failure, ClusterError):
                raise failure  # a defect, not a cluster answer
            raise ReconcileFailed(
                failure, _report(desired, results, pruned, dry_run=dry_run), phase="pruning"
            ) from failure

    if not wait or dry_run:
        return _report(desired, results, pruned, dry_run=dry_run)
    return await _wait_all(
        cluster,
        desired,
        results,
        pruned,
        timeout=timeout if timeout is not None else timeout_from_env(),
        clock=clock,
        sleep=sleep,
        progress=progress,
    )


def _replicas(manifest: dict[str, Any]) -> int:
    spec = manifest.get("spec")
    replicas = spec.get("replicas") if isinstance(spec, dict) else None
    return replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1


async def _wait_all(
    cluster: K8sCluster,
    desired: DesiredState,
    results: dict[int, ApplyResult],
    pruned: Sequence[ObjectRef],
    *,
    timeout: float,
    clock: Callable[[], float],
    sleep: Sleep,
    progress: Callable[[str], None] | None,
) -> ReconcileReport:
    """Wait for each applied Deployment with its own replicas; a failure cancels the rest."""
    targets = [
        (desired.refs[i], _replicas(desired.objects[i]))
        for i in sorted(results)
        if desired.refs[i].kind == "Deployment"
    ]
    tasks = {
        asyncio.ensure_future(
            wait_for_rollout(
                cluster, ref, replicas, timeout=timeout, clock=clock, sleep=sleep, progress=progress
            )
        ): (ref, replicas)
        for ref, replicas in targets
    }
    failure: BaseException | None = None
    pending = set(tasks)
    while pending and failure is None:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
        failure = next((t.exception() for t in done if t.exception() is not None), None)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)

    outcomes: list[RolloutOutcome] = []
    for task, (ref, replicas) in tasks.items():
        if task.cancelled():
            outcomes.append(
                RolloutOutcome(ref, replicas, "not-waited", "stopped at the first failure")
            )
        elif (error := task.exception()) is not None:
            outcomes.append(RolloutOutcome(ref, replicas, "failed", describe(error)))
        else:
            outcomes.append(RolloutOutcome(ref, replicas, "ready", "rolled out"))
    report = _report(desired, results, pruned, dry_run=False, rollouts=tuple(outcomes))
    if failure is not None:
        if not isinstance(failure, ClusterError):
            raise failure
        raise ReconcileFailed(failure, report, phase="waiting for rollouts") from failure
    return report
