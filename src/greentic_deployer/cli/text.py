"""`--output text`: the same result, rendered for people with rich tables."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            return ", ".join(str(v) for v in value) or "-"
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)


def _rows_table(title: str, rows: list[dict[str, Any]]) -> Table:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    table = Table(title=title, title_justify="left")
    for column in columns:
        # An id folded over two lines cannot be copied; ids never wrap.
        ids = column.endswith("_id") or column.endswith("_ids")
        table.add_column(column, overflow="fold", no_wrap=ids)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


def print_result(noun: str, verb: str, result: Any) -> None:
    """Scalars as a field/value table; each list of objects as its own table."""
    # Piped output has no terminal width; give tables room instead of folding every cell.
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(f"[bold]{noun} {verb}[/bold]")
    if not isinstance(result, dict):
        console.print(_cell(result))
        return
    fields = Table(show_header=False, box=None, padding=(0, 2))
    fields.add_column("field", no_wrap=True)
    fields.add_column("value", overflow="fold")
    lists: list[tuple[str, list[dict[str, Any]]]] = []
    documents: list[tuple[str, dict[str, Any]]] = []
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lists.append((key, value))
        elif isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
            documents.append((key, value))
        else:
            fields.add_row(key, _cell(value))
    if fields.row_count:
        console.print(fields)
    for key, rows in lists:
        if all(
            not isinstance(v, dict | list) or _flat_list(v) for row in rows for v in row.values()
        ):
            console.print(_rows_table(key, rows))
        else:
            console.print(f"[bold]{key}[/bold]")
            console.print_json(json.dumps(rows))
    for key, document in documents:
        # Whole documents (e.g. `env show`) read better indented than folded into a cell.
        console.print(f"[bold]{key}[/bold]")
        console.print_json(json.dumps(document))
