"""Pruning stale workers: bounded concurrency, and the first failed delete stopping the rest."""

from __future__ import annotations

import asyncio

import pytest

from greentic_deployer.packs.k8s.cluster import ApiError, DeleteResult
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.reconcile import ReconcileFailed, reconcile
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.testing.memory_cluster import InMemoryCluster
from tests.k8s_live.builders import BASE, live_env

REVISIONS = [ulid_from_int(BASE + 0x40 + i) for i in range(5)]


def env_with(archived: int) -> Environment:
    """Five revisions, the first routed; the last `archived` of them archived."""
    lifecycles = [
        Lifecycle.archived if i >= len(REVISIONS) - archived else Lifecycle.ready
        for i in range(len(REVISIONS))
    ]
    return live_env(*zip(REVISIONS, lifecycles, strict=True), routed=REVISIONS[0])


class CountingDeletes(InMemoryCluster):
    """Counts in-flight deletes and can fail the n-th one."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.in_flight = 0
        self.peak = 0
        self.started = 0
        self.fail_at = fail_at

    async def delete(self, ref: ObjectRef) -> DeleteResult:
        self.started += 1
        if self.started == self.fail_at:
            raise ApiError(
                verb="delete",
                status=500,
                reason="InternalError",
                ref=ref,
                server_message="etcd is unhappy",
            )
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            return await super().delete(ref)
        finally:
            self.in_flight -= 1


async def test_stale_workers_are_deleted_concurrently_within_the_bound() -> None:
    """Guards the bug where prunes ran one at a time: N stale objects cost N round trips."""
    cluster = CountingDeletes()
    await reconcile(cluster, env_with(0), None)
    report = await reconcile(cluster, env_with(4), None, concurrency=3)
    assert len(report.pruned) == 8
    assert cluster.peak == 3
    assert cluster.calls["delete"] == 8
    # Reported in the order the read found them, whatever order the deletes finished in.
    assert list(report.pruned) == sorted(report.pruned, key=lambda r: (r.kind, r.name))


async def test_a_serial_prune_keeps_one_delete_in_flight() -> None:
    cluster = CountingDeletes()
    await reconcile(cluster, env_with(0), None)
    report = await reconcile(cluster, env_with(2), None, concurrency=1)
    assert len(report.pruned) == 4 and cluster.peak == 1


async def test_the_first_failed_delete_stops_new_deletes_and_reports_what_was_pruned() -> None:
    cluster = CountingDeletes(fail_at=3)
    await reconcile(cluster, env_with(0), None)
    with pytest.raises(ReconcileFailed) as caught:
        await reconcile(cluster, env_with(4), None, concurrency=1)
    failure = caught.value
    assert failure.phase == "pruning"
    assert isinstance(failure.cause, ApiError)
    assert len(failure.report.pruned) == 2
    assert cluster.started == 3
    assert len(failure.report.applied) == 12 + 2
    assert "2 pruned" in str(failure)
