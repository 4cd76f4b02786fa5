"""Store: disk growth over 1,000 `traffic set` calls, with backups pruned to the retention."""

from __future__ import annotations

import itertools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.fixtures import DEPLOYMENT_ID, ENV_ID, make_env, revision_id
from bench.report import Row, Settings, fmt_bytes, ratio
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import TrafficEntryPayload, TrafficSetPayload
from greentic_deployer.ops.traffic import set_split
from greentic_deployer.store.idempotency import HISTORY_LIMIT
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.paths import DEFAULT_BACKUP_RETENTION

BENCH = "store: growth"
SETS = 1000
REVISIONS = 10
# Where the store size is sampled: once the retention is full, and at the end.
EARLY = 2 * DEFAULT_BACKUP_RETENTION


@dataclass(frozen=True)
class Sample:
    """The env directory after some number of sets."""

    sets: int
    backup_files: int
    backup_bytes: int
    audit_bytes: int
    history_bytes: int
    history_records: int
    other_bytes: int


def _sample(env_dir: Path, sets: int) -> Sample:
    backups = [p for p in (env_dir / "backups").rglob("*") if p.is_file()]
    audit = env_dir / "audit" / "events.jsonl"
    history = env_dir / "idempotency.json"
    everything = sum(p.stat().st_size for p in env_dir.rglob("*") if p.is_file())
    backup_bytes = sum(p.stat().st_size for p in backups)
    audit_bytes = audit.stat().st_size if audit.exists() else 0
    history_bytes = history.stat().st_size if history.exists() else 0
    records = len(json.loads(history.read_bytes())["records"]) if history.exists() else 0
    other = everything - backup_bytes - audit_bytes - history_bytes
    return Sample(sets, len(backups), backup_bytes, audit_bytes, history_bytes, records, other)


def measure_growth(root: Path, sets: int) -> tuple[Sample, Sample]:
    """Run `sets` alternating splits with the default retention; sample at EARLY and the end."""
    store = LocalFileStore(root)
    store.create(make_env(REVISIONS, split_entries=2))
    ctx = OpContext(store=store)
    env_dir = store.env_dir(ENV_ID)
    first, second = revision_id(0), revision_id(1)
    cycle = itertools.cycle([[(first, 7000), (second, 3000)], [(first, 5000), (second, 5000)]])
    early: Sample | None = None
    for n in range(1, sets + 1):
        set_split(
            ctx,
            TrafficSetPayload(
                environment_id=ENV_ID,
                deployment_id=DEPLOYMENT_ID,
                entries=[TrafficEntryPayload(revision_id=r, weight_bps=w) for r, w in next(cycle)],
                idempotency_key=f"growth-{n}",
            ),
        )
        if n == min(EARLY, sets):
            early = _sample(env_dir, n)
    assert early is not None
    return early, _sample(env_dir, sets)


def run(settings: Settings) -> list[Row]:
    """Growth rows: backup count and bytes stay flat once the retention is full."""
    sets = 2 * EARLY + 100 if settings.quick else SETS
    with tempfile.TemporaryDirectory(prefix="gtc-bench-growth-") as tmp:
        early, late = measure_growth(Path(tmp), sets)
    # Every set overwrites environment.json and runtime-config.json: two backups each.
    unpruned = 2 * sets
    return [
        Row(
            BENCH,
            f"backup files after {late.sets} sets",
            f"{late.backup_files}",
            f"{DEFAULT_BACKUP_RETENTION} per document (default retention); "
            f"never pruned would be {unpruned} ({ratio(unpruned, late.backup_files)} more)",
        ),
        Row(
            BENCH,
            f"backup bytes, {late.sets} ÷ {early.sets} sets",
            ratio(late.backup_bytes, early.backup_bytes),
            f"{fmt_bytes(late.backup_bytes)} vs {fmt_bytes(early.backup_bytes)}; "
            f"never pruned ≈ {ratio(late.sets, early.sets)}",
        ),
        Row(
            BENCH,
            f"documents + backups, {late.sets} ÷ {early.sets} sets",
            ratio(late.backup_bytes + late.other_bytes, early.backup_bytes + early.other_bytes),
            f"the audit log is the one part without a bound: {fmt_bytes(late.audit_bytes)} "
            f"after {late.sets} sets ≈ {fmt_bytes(late.audit_bytes / late.sets)} per set",
        ),
        Row(
            BENCH,
            f"remembered keys after {late.sets} sets",
            f"{late.history_records}",
            f"bounded at {HISTORY_LIMIT} per deployment: idempotency.json "
            f"{fmt_bytes(late.history_bytes)} ≈ "
            f"{fmt_bytes(late.history_bytes / max(1, late.history_records))} per key",
        ),
    ]
