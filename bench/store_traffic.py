"""§7 Store: `traffic set` on an environment holding 1,000 revisions vs 10."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import TrafficEntryPayload, TrafficSetPayload
from greentic_deployer.ops.traffic import set_split
from greentic_deployer.store.local import LocalFileStore

from bench.fixtures import DEPLOYMENT_ID, ENV_ID, even_weights, make_env, revision_id
from bench.report import Row, Settings, fmt_bytes, fmt_seconds, median_seconds, ratio

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
    )


def run(settings: Settings) -> list[Row]:
    """Four environments: {10, 1000} revisions x {2-entry, every-revision} splits."""
    reps = settings.reps
    with tempfile.TemporaryDirectory(prefix="gtc-bench-store-") as tmp:
        base = Path(tmp)
        small = measure_set(base / "small", SMALL, _narrow_sets(), reps)
        large = measure_set(base / "large", LARGE, _narrow_sets(), reps)
        small_wide = measure_set(base / "small-wide", SMALL, _wide_sets(SMALL), reps)
        large_wide = measure_set(base / "large-wide", LARGE, _wide_sets(LARGE), reps)
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
            f"one set ÷ one store.load ({LARGE} revisions)",
            ratio(large.seconds, large.load_seconds),
            f"load (parse + validate) {fmt_seconds(large.load_seconds)}; "
            f"{SMALL} revisions: {ratio(small.seconds, small.load_seconds)}",
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
            f"+{fmt_bytes(large.disk_growth_per_set)} per set, never pruned; "
            f"audit lines per set: {large.audit_lines_per_set:g}",
        ),
    ]
