"""The Kubernetes Deployer: the contract's verbs as server-side applies, deletes and waits.

Every verb checks its preconditions first (the shared helpers, then the answers), so a bad
revision id, split or answers document fails before any cluster is built or called. The objects
a verb applies come from the renderer's own builders, byte for byte what `op env render` shows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager

from greentic_deployer.packs.contract import (
    DeployerBase,
    JsonObject,
    TrafficSplitOutcome,
    enforce_split_invariants,
    require_revision,
)
from greentic_deployer.packs.k8s.answers import K8sAnswers, coerce_answers
from greentic_deployer.packs.k8s.cluster import K8sCluster, UnconfiguredCluster
from greentic_deployer.packs.k8s.manifests import RenderContext, worker_deployment, worker_service
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.render import render_context, runtime_config_object
from greentic_deployer.packs.k8s.rollout import timeout_from_env, wait_for_rollout
from greentic_deployer.packs.k8s.secrets_backend import (
    AnswersLoader,
    SecretsBackend,
    no_answers,
    resolve_secrets_backend,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.revision import Revision

ClusterFactory = Callable[[K8sAnswers], K8sCluster]
"""Builds a cluster client for one verb from the parsed answers (`kubeconfig_context`, …)."""


def unconfigured_cluster(_answers: K8sAnswers) -> K8sCluster:
    """The default factory: no client is bound, so every live call fails honestly."""
    return UnconfiguredCluster()


class K8sDeployer(DeployerBase):
    """Warm applies a worker and waits; archive deletes it; traffic upserts one ConfigMap."""

    def __init__(
        self,
        cluster_factory: ClusterFactory = unconfigured_cluster,
        *,
        secrets_backend: SecretsBackend | None = None,
        load_answers: AnswersLoader | None = None,
        dev_store_bytes: bytes | None = None,
        timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.cluster_factory = cluster_factory
        self.secrets_backend = secrets_backend
        self.load_answers = load_answers or no_answers
        self.dev_store_bytes = dev_store_bytes
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.progress = progress

    # -- preconditions and context -------------------------------------------------------------

    def _context(self, env: Environment, answers: JsonObject | None) -> RenderContext:
        parsed = coerce_answers(answers)
        backend = self.secrets_backend
        if backend is None:
            backend = resolve_secrets_backend(env, self.load_answers)
        return render_context(
            env, parsed, secrets_backend=backend, dev_store_bytes=self.dev_store_bytes
        )

    @asynccontextmanager
    async def _cluster(self, ctx: RenderContext) -> AsyncIterator[K8sCluster]:
        # One client per verb, closed after it: a CLI process never leaks connections.
        cluster = self.cluster_factory(ctx.answers)
        try:
            yield cluster
        finally:
            await cluster.close()

    # -- verbs ---------------------------------------------------------------------------------

    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        """Nothing to stage in the cluster: the revision only has to exist."""
        require_revision(env, revision_id)

    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Apply the worker Deployment, then its Service, then wait for the rollout."""
        revision = require_revision(env, revision_id)
        ctx = self._context(env, answers)
        deployment = worker_deployment(ctx, revision)
        service = worker_service(ctx, revision)
        async with self._cluster(ctx) as cluster:
            await cluster.apply(deployment)
            await cluster.apply(service)
            await wait_for_rollout(
                cluster,
                ObjectRef.from_manifest(deployment),
                deployment["spec"]["replicas"],
                timeout=self.timeout if self.timeout is not None else timeout_from_env(),
                clock=self.clock,
                sleep=self.sleep,
                progress=self.progress,
            )

    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        """Routing-side only: workers stay up until the revision is archived."""
        require_revision(env, revision_id)

    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Delete the worker Deployment and Service; already absent is success."""
        revision = require_revision(env, revision_id)
        ctx = self._context(env, answers)
        async with self._cluster(ctx) as cluster:
            for ref in worker_refs(ctx, revision):
                await cluster.delete(ref)

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        """Upsert `gtc-runtime-config` only; the router reloads it in place, nothing rolls."""
        outcome = enforce_split_invariants(env, deployment_id)
        ctx = self._context(env, answers)
        configmap = runtime_config_object(env, ctx)
        async with self._cluster(ctx) as cluster:
            await cluster.apply(configmap)
        return outcome


def worker_refs(ctx: RenderContext, revision: Revision) -> Iterator[ObjectRef]:
    """The revision's worker Deployment, then its Service."""
    yield ObjectRef.from_manifest(worker_deployment(ctx, revision))
    yield ObjectRef.from_manifest(worker_service(ctx, revision))
