"""Store: `traffic set` on an environment holding 1,000 revisions vs 10."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.fixtures import DEPLOYMENT_ID, ENV_ID, even_weights, make_env, revision_id
from bench.report import Row, Settings, fmt_bytes, fmt_seconds, median_seconds, ratio
from greentic_deployer.engine.admission import admit_entries, check_ownership
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import TrafficEntryPayload, TrafficSetPayload
from greentic_deployer.ops.traffic import set_split
from greentic_deployer.spec.environment import Environment
from greentic_deployer.store import loading
from greentic_deployer.store.local import LocalFileStore

BENCH = "store: traffic set"
LARGE = 1000
SMALL = 10

EntrySet = list[tuple[str, int]]


@dataclass(frozen=True)
class SetMeasurement:
    """One environment's `traffic set` numbers."""

    revisions: int
    split_width: int
    seconds: float
    load_seconds: float
    env_json_bytes: int
    backups_per_set: float
    backup_bytes_per_set: float
    audit_lines_per_set: float
    disk_growth_per_set: float
    parses_per_set: int
    fsyncs_per_set: int


@dataclass
class CallCounts:
    """Calls seen while instrumented."""

    environment_parses: int = 0
    fsyncs: int = 0


@contextmanager
def instrumented() -> Iterator[CallCounts]:
    """Count environment.json parses and fsyncs (wrapping, not replacing, the real calls)."""
    counts = CallCounts()
    real_read_document = loading.read_document
    real_fsync = os.fsync

    def read_document(path: Path, model: type[Any]) -> Any:
        if model is Environment:
            counts.environment_parses += 1
        return real_read_document(path, model)

    def fsync(fd: Any) -> None:
        counts.fsyncs += 1
        real_fsync(fd)

    loading.read_document = read_document
    os.fsync = fsync
    try:
        yield counts
    finally:
        loading.read_document = real_read_document
        os.fsync = real_fsync


def _narrow_sets() -> tuple[EntrySet, EntrySet]:
    """Two 2-entry splits to alternate between (each call really changes the routing)."""
    first, second = revision_id(0), revision_id(1)
    return [(first, 5000), (second, 5000)], [(first, 7000), (second, 3000)]


def _wide_sets(revisions: int) -> tuple[EntrySet, EntrySet]:
    """Two splits over every revision, differing by 5 bps moved from the first to the second."""
    ids = [revision_id(i) for i in range(revisions)]
    weights = even_weights(revisions)
    shifted = [weights[0] - 5, weights[1] + 5, *weights[2:]]
    return list(zip(ids, weights, strict=True)), list(zip(ids, shifted, strict=True))


def _files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


def _tree_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in _files(directory))


def _audit_lines(env_dir: Path) -> int:
    path = env_dir / "audit" / "events.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def measure_set(
    root: Path, revisions: int, sets: tuple[EntrySet, EntrySet], reps: int
) -> SetMeasurement:
    """Create the env, warm up once, then time `reps` alternating `set_split` calls."""
    store = LocalFileStore(root)
    store.create(make_env(revisions, split_entries=len(sets[0])))
    ctx = OpContext(store=store)
    env_dir = store.env_dir(ENV_ID)
    keys = itertools.count()
    cycle = itertools.cycle([sets[1], sets[0]])

    def one_set() -> None:
        entries = next(cycle)
        set_split(
            ctx,
            TrafficSetPayload(
                environment_id=ENV_ID,
                deployment_id=DEPLOYMENT_ID,
                entries=[TrafficEntryPayload(revision_id=r, weight_bps=w) for r, w in entries],
                idempotency_key=f"bench-{revisions}-{next(keys)}",
            ),
        )

    one_set()  # warm-up: first runtime-config.json projection, caches, audit dir
    with instrumented() as counts:
        one_set()
    backups_before = _files(env_dir / "backups")
    audit_before = _audit_lines(env_dir)
    tree_before = _tree_bytes(env_dir)
    seconds = median_seconds(one_set, reps)
    backups_after = _files(env_dir / "backups")
    new_backups = set(backups_after) - set(backups_before)
    load_seconds = median_seconds(lambda: store.load(ENV_ID), reps)
    return SetMeasurement(
        revisions=revisions,
        split_width=len(sets[0]),
        seconds=seconds,
        load_seconds=load_seconds,
        env_json_bytes=(env_dir / "environment.json").stat().st_size,
        backups_per_set=len(new_backups) / reps,
        backup_bytes_per_set=sum(p.stat().st_size for p in new_backups) / reps,
        audit_lines_per_set=(_audit_lines(env_dir) - audit_before) / reps,
        disk_growth_per_set=(_tree_bytes(env_dir) - tree_before) / reps,
        parses_per_set=counts.environment_parses,
        fsyncs_per_set=counts.fsyncs,
    )


def entry_check_seconds(revisions: int, reps: int) -> float:
    """The engine's write-time entry checks (ownership + admission) of an N-entry split."""
    env = make_env(revisions, split_entries=revisions)
    entries = env.traffic_splits[0].entries

    def checks() -> None:
        check_ownership(env, DEPLOYMENT_ID, entries)
        admit_entries(env, DEPLOYMENT_ID, entries)

    return median_seconds(checks, reps)


def run(settings: Settings) -> list[Row]:
    """Four environments: {10, 1000} revisions x {2-entry, every-revision} splits."""
    reps = settings.reps
    with tempfile.TemporaryDirectory(prefix="gtc-bench-store-") as tmp:
        base = Path(tmp)
        small = measure_set(base / "small", SMALL, _narrow_sets(), reps)
        large = measure_set(base / "large", LARGE, _narrow_sets(), reps)
        small_wide = measure_set(base / "small-wide", SMALL, _wide_sets(SMALL), reps)
        large_wide = measure_set(base / "large-wide", LARGE, _wide_sets(LARGE), reps)
    checks_large = entry_check_seconds(LARGE, reps)
    checks_small = entry_check_seconds(LARGE // 10, reps)
    per_rev = (large.env_json_bytes - small.env_json_bytes) / (LARGE - SMALL)
    return [
        Row(
            BENCH,
            f"{LARGE} vs {SMALL} revisions, 2-entry split (time ratio)",
            ratio(large.seconds, small.seconds),
            f"{fmt_seconds(large.seconds)} vs {fmt_seconds(small.seconds)} per set, "
            f"median of {reps}; linear in revisions would be ≤ {LARGE // SMALL}x",
        ),
        Row(
            BENCH,
            f"{LARGE} vs {SMALL} revisions, split over every revision",
            ratio(large_wide.seconds, small_wide.seconds),
            f"{fmt_seconds(large_wide.seconds)} vs {fmt_seconds(small_wide.seconds)} per set",
        ),
        Row(
            BENCH,
            f"{LARGE}-entry vs 2-entry split, {LARGE} revisions",
            ratio(large_wide.seconds, large.seconds),
            f"{fmt_seconds(large_wide.seconds)} vs {fmt_seconds(large.seconds)}",
        ),
        Row(
            BENCH,
            f"entry checks (ownership + admission), {LARGE} vs {LARGE // 10} entries",
            ratio(checks_large, checks_small),
            f"{fmt_seconds(checks_large)} vs {fmt_seconds(checks_small)}, entries = revisions; "
            "linear ≈ 10x, quadratic ≈ 100x",
        ),
        Row(
            BENCH,
            f"one set ÷ one store.load ({LARGE} revisions)",
            ratio(large.seconds, large.load_seconds),
            f"load (parse + validate) {fmt_seconds(large.load_seconds)}; "
            f"{SMALL} revisions: {ratio(small.seconds, small.load_seconds)}",
        ),
        Row(
            BENCH,
            "environment.json parses (load + validate) per set",
            f"{large.parses_per_set}",
            f"each {fmt_seconds(large.load_seconds)} at {LARGE} revisions; "
            f"fsync calls per set: {large.fsyncs_per_set}",
        ),
        Row(
            BENCH,
            f"environment.json bytes, {LARGE} revisions",
            f"{large.env_json_bytes:,}",
            f"{fmt_bytes(large.env_json_bytes)}; {SMALL} revisions: "
            f"{small.env_json_bytes:,} B; ≈ {per_rev:,.0f} B per revision",
        ),
        Row(
            BENCH,
            "backup files written per set",
            f"{large.backups_per_set:g}",
            f"{fmt_bytes(large.backup_bytes_per_set)} per set = "
            f"{ratio(large.backup_bytes_per_set, large.env_json_bytes)} environment.json "
            f"({LARGE} revisions); {SMALL} revisions: {small.backups_per_set:g} files",
        ),
        Row(
            BENCH,
            "store growth per set ÷ environment.json size",
            ratio(large.disk_growth_per_set, large.env_json_bytes),
            f"+{fmt_bytes(large.disk_growth_per_set)} per set until the backup retention "
            "is full (see store: growth); "
            f"audit lines per set: {large.audit_lines_per_set:g}",
        ),
    ]
