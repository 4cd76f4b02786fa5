"""Runtime-config materialization: 1,000 revisions routed by 1,000 split entries vs 100."""

from __future__ import annotations

from bench.fixtures import make_env
from bench.report import Row, Settings, fmt_seconds, median_seconds, ratio
from greentic_deployer.spec.runtime_config import materialize_runtime_config

BENCH = "runtime-config"
LARGE = 1000
SMALL = 100


def run(settings: Settings) -> list[Row]:
    """Block counts and the 1000/100 time ratio (linear ≈ 10x)."""
    reps = settings.reps
    large = make_env(LARGE, split_entries=LARGE)
    small = make_env(SMALL, split_entries=SMALL)
    materialize_runtime_config(large)  # warm-up
    blocks = len(materialize_runtime_config(large).revisions)
    small_blocks = len(materialize_runtime_config(small).revisions)
    large_s = median_seconds(lambda: materialize_runtime_config(large), reps)
    small_s = median_seconds(lambda: materialize_runtime_config(small), reps)
    large_paused = median_seconds(lambda: materialize_runtime_config(large), reps, gc_paused=True)
    small_paused = median_seconds(lambda: materialize_runtime_config(small), reps, gc_paused=True)
    return [
        Row(
            BENCH,
            f"materialize {LARGE} revisions / {LARGE} split entries: blocks",
            f"{blocks:,}",
            f"{fmt_seconds(large_s)}, {blocks / large_s:,.0f} blocks/s",
        ),
        Row(
            BENCH,
            f"{LARGE} vs {SMALL} (time ratio)",
            ratio(large_s, small_s),
            f"{fmt_seconds(large_s)} vs {fmt_seconds(small_s)} ({small_blocks} blocks), "
            f"median of {reps}; linear ≈ {LARGE // SMALL}x",
        ),
        Row(
            BENCH,
            f"{LARGE} vs {SMALL} (time ratio, collector paused)",
            ratio(large_paused, small_paused),
            f"{fmt_seconds(large_paused)} vs {fmt_seconds(small_paused)}",
        ),
    ]
