"""`python -m bench [--quick] [--only NAME ...]`: run the benchmarks and print one table."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from rich.console import Console

from bench import (
    cli_start,
    materialize,
    reconcile,
    render,
    staging,
    store_growth,
    store_traffic,
)
from bench.report import Row, Settings, print_table

BENCHMARKS: dict[str, Callable[[Settings], list[Row]]] = {
    "store": store_traffic.run,
    "growth": store_growth.run,
    "cli": cli_start.run,
    "staging": staging.run,
    "render": render.run,
    "materialize": materialize.run,
    "reconcile": reconcile.run,
}


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks in order; progress on stderr, the table on stdout."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these benchmarks"
    )
    args = parser.parse_args(argv)
    settings = Settings(quick=args.quick)
    progress = Console(stderr=True)
    rows: list[Row] = []
    started = time.perf_counter()
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        progress.print(f"[dim]bench: {name}…[/dim]")
        began = time.perf_counter()
        rows.extend(bench(settings))
        progress.print(f"[dim]bench: {name} done in {time.perf_counter() - began:.1f} s[/dim]")
    elapsed = time.perf_counter() - started
    mode = "quick" if settings.quick else "full"
    print_table(rows, f"greentic-deployer benchmarks ({mode}, {elapsed:.0f} s)")
    failed = [f"{row.bench}: {row.measure}" for row in rows if row.failed]
    for line in failed:
        progress.print(f"[bold red]bench: budget FAILED: {line}[/bold red]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
