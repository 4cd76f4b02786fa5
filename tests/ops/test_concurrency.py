"""Eight processes setting traffic at once lose nothing."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from greentic_deployer.ops import bundles, revisions, traffic
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import (
    BundleAddPayload,
    RevisionVerbPayload,
    StagePayload,
    TrafficEntryPayload,
    TrafficSetPayload,
)
from greentic_deployer.store.local import LocalFileStore

PROCESSES = 8
SETS_PER_PROCESS = 25


def _worker(root: str, dep: str, r1: str, r2: str, worker: int) -> None:
    ctx = OpContext(store=LocalFileStore(Path(root), lock_timeout=120))
    for i in range(SETS_PER_PROCESS):
        weight = (worker * SETS_PER_PROCESS + i) % 10_001
        traffic.set_split(
            ctx,
            TrafficSetPayload(
                environment_id="local",
                deployment_id=dep,
                entries=[
                    TrafficEntryPayload(revision_id=r1, weight_bps=weight),
                    TrafficEntryPayload(revision_id=r2, weight_bps=10_000 - weight),
                ],
                idempotency_key=f"w{worker}-{i}",
            ),
        )


def test_parallel_traffic_sets_are_all_applied_and_audited(ctx: OpContext) -> None:
    init(ctx)
    dep = bundles.add(ctx, BundleAddPayload(environment_id="local", bundle_id="b"))["deployment_id"]
    rids = []
    for _ in range(2):
        rid = revisions.stage(ctx, StagePayload(environment_id="local", deployment_id=dep))[
            "revision_id"
        ]
        revisions.warm(ctx, RevisionVerbPayload(environment_id="local", revision_id=rid))
        rids.append(rid)
    audit = ctx.store.root / "local" / "audit" / "events.jsonl"
    before = len(audit.read_text().splitlines())

    mp = multiprocessing.get_context("fork")
    procs = [
        mp.Process(target=_worker, args=(str(ctx.store.root), dep, rids[0], rids[1], w))
        for w in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)
        assert proc.exitcode == 0

    total = PROCESSES * SETS_PER_PROCESS
    split = traffic.show(ctx, "local", dep)
    assert split["generation"] == total - 1  # generation 0 is the first set
    lines = audit.read_text().splitlines()
    events = [json.loads(line) for line in lines[before:]]
    assert len(events) == total
    assert all(e["noun"] == "traffic" and e["result"] == {"outcome": "ok"} for e in events)
    assert sorted(e["new_generation"] for e in events) == list(range(total))
