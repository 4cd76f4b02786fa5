"""Rows of the final table, timing helpers and the table printer."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Settings:
    """How hard to try: `quick` trades precision for a shorter run."""

    quick: bool = False

    @property
    def reps(self) -> int:
        """Repetitions for cheap in-process measurements (the median is reported)."""
        return 3 if self.quick else 7

    @property
    def subprocess_reps(self) -> int:
        """Repetitions for measurements that start a child interpreter."""
        return 3 if self.quick else 7


@dataclass(frozen=True)
class Row:
    """One table line: `value` is the ratio or count; `detail` carries context (times)."""

    bench: str
    measure: str
    value: str
    detail: str = ""
    failed: bool = False
    """A budget this row checks was broken: `python -m bench` exits non-zero."""


def median_seconds(fn: Callable[[], object], reps: int, *, gc_paused: bool = False) -> float:
    """Median wall time of `reps` calls of `fn` (time.perf_counter).

    A full collection runs (untimed) before each call, so one call does not pay for
    the garbage of another. The collector stays enabled during the call unless
    `gc_paused`, which isolates the algorithm from CPython's heap-size-dependent
    generation-2 collections (used for linearity checks).
    """
    samples = []
    for _ in range(reps):
        gc.collect()
        if gc_paused:
            gc.disable()
        try:
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        finally:
            if gc_paused:
                gc.enable()
    return statistics.median(samples)


def ratio(numerator: float, denominator: float) -> str:
    """`12.3x`, guarding against a zero denominator."""
    if denominator <= 0:
        return "n/a"
    return f"{numerator / denominator:.1f}x"


def fmt_seconds(seconds: float) -> str:
    """Seconds with a unit that keeps 2-3 significant digits."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(size: float) -> str:
    """Bytes in B, KiB or MiB."""
    if size < 1024:
        return f"{size:.0f} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.2f} MiB"


def print_table(rows: Sequence[Row], title: str, console: Console | None = None) -> None:
    """Print every row as one table (wide enough not to wrap on a normal terminal)."""
    table = Table(title=title, show_lines=False)
    table.add_column("bench", style="bold", no_wrap=True)
    table.add_column("measure")
    table.add_column("ratio / count", justify="right", no_wrap=True)
    table.add_column("context")
    previous = None
    for row in rows:
        if previous is not None and row.bench != previous:
            table.add_section()
        table.add_row(
            row.bench if row.bench != previous else "", row.measure, row.value, row.detail
        )
        previous = row.bench
    (console or Console(width=160)).print(table)
