"""`--output text|wide`: the same result, rendered for people.

Known results get a purpose-made view (tables with chosen columns, `env show` as a summary,
`env doctor` as checks); anything else falls back to fields plus one table per list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from greentic_deployer.cli.layout import Layout


def cell(value: Any) -> str:
    """One value as table text: `-` for none, `yes`/`no`, comma lists, compact JSON."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def percent(bps: int) -> str:
    """Basis points as a percentage: 10000 → `100%`, 2550 → `25.5%`."""
    return f"{bps / 100:g}%"


@dataclass(frozen=True)
class Column:
    """A table column: header, the row key it shows, and whether only `-o wide` shows it."""

    header: str
    key: str
    wide: bool = False
    show: Callable[[Any], str] = cell


# Per list key, the columns people read; `wide` adds full detail (joined from the document
# for bundles and revisions, see `wide.py`).
TABLES: dict[str, tuple[Column, ...]] = {
    "environments": (
        Column("ID", "environment_id"),
        Column("NAME", "name"),
        Column("REGION", "region"),
        Column("TENANT", "tenant_org_id"),
        Column("PACKS", "pack_count"),
        Column("BUNDLES", "bundle_count"),
        Column("REVISIONS", "revision_count"),
        Column("LISTEN", "listen_addr", wide=True),
        Column("PUBLIC-URL", "public_base_url", wide=True),
    ),
    "deployments": (
        Column("BUNDLE", "bundle_id"),
        Column("DEPLOYMENT", "deployment_id"),
        Column("CUSTOMER", "customer_id"),
        Column("STATUS", "status"),
        Column("REVISIONS", "current_revision_count"),
        Column("HOSTS", "hosts"),
        Column("PATH-PREFIXES", "path_prefixes", wide=True),
        Column("TENANT", "tenant", wide=True),
        Column("CREATED", "created_at", wide=True),
    ),
    "revisions": (
        Column("REVISION", "revision_id"),
        Column("BUNDLE", "bundle_id"),
        Column("SEQ", "sequence"),
        Column("LIFECYCLE", "lifecycle"),
        # Present only in text mode (`revisions list` adds it); the JSON rows are unchanged.
        Column("WEIGHT", "weight_bps", show=lambda bps: "-" if bps is None else percent(int(bps))),
        Column("DEPLOYMENT", "deployment_id", wide=True),
        Column("CREATED", "created_at", wide=True),
        Column("DIGEST", "bundle_digest", wide=True),
        Column("SOURCE", "bundle_source_uri", wide=True),
    ),
    "bindings": (
        Column("SLOT", "slot"),
        Column("KIND", "kind"),
        Column("GENERATION", "generation"),
        Column("PACK-REF", "pack_ref", wide=True),
        Column("ROLLBACK", "has_previous", wide=True),
    ),
    "entries": (
        Column("REVISION", "revision_id"),
        Column("WEIGHT", "weight_bps", show=lambda bps: percent(int(bps))),
        Column("BPS", "weight_bps", wide=True),
    ),
}


def columns_for(key: str, rows: list[dict[str, Any]], wide: bool) -> tuple[Column, ...]:
    """The declared columns of a known list, else one column per key seen."""
    declared = TABLES.get(key)
    if declared is not None:
        return tuple(c for c in declared if wide or not c.wide)
    seen: list[str] = []
    for row in rows:
        seen.extend(k for k in row if k not in seen)
    return tuple(Column(k.upper().replace("_", "-"), k) for k in seen)


def rows_table(layout: Layout, key: str, rows: list[dict[str, Any]], wide: bool) -> None:
    """Print a list of objects with its columns."""
    columns = columns_for(key, rows, wide)
    layout.table(
        [c.header for c in columns],
        [[c.show(row.get(c.key)) for c in columns] for row in rows],
        title=key.replace("_", " "),
    )


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


# A list shown as its own table is left out when a richer list of the same rows is present
# (a reconcile's `actions` are its `applied` refs plus what each apply did).
REDUNDANT_LISTS = {"applied": "actions"}


def generic(layout: Layout, result: Any, wide: bool) -> None:
    """Fields for the scalars, a table per list of objects, indented JSON for documents."""
    if not isinstance(result, dict):
        layout.line(cell(result))
        return
    result = {k: v for k, v in result.items() if REDUNDANT_LISTS.get(k) not in result}
    lists = {k: v for k, v in result.items() if _is_rows(v) and (v or k in TABLES)}
    scalars = {k: v for k, v in result.items() if k not in lists}
    if len(lists) == 1 and set(scalars) <= {"environment_id"}:
        # A list verb: just the table, as `kubectl get` prints it.
        key, rows = next(iter(lists.items()))
        rows_table(layout, key, rows, wide)
        return
    if lists or any(isinstance(v, dict) for v in scalars.values()):
        layout.fields([(k, cell(v)) for k, v in scalars.items() if not isinstance(v, dict)])
        for key, value in scalars.items():
            if isinstance(value, dict):
                layout.heading(key)
                layout.line(json.dumps(value, indent=2))
        for key, rows in lists.items():
            layout.heading(key)
            rows_table(layout, key, rows, wide)
        return
    # One object: one row, its keys as columns (what `kubectl get <kind> <name>` shows).
    layout.table(
        [k.upper().replace("_", "-") for k in result], [[cell(v) for v in result.values()]]
    )


def print_result(
    noun: str,
    verb: str,
    result: Any,
    *,
    terminal: bool,
    no_headers: bool,
    wide: bool,
    view: bool = True,
) -> None:
    """Render one verb's result on stdout (`view=False`: the generic rendering only)."""
    from greentic_deployer.cli import text_views

    layout = Layout(terminal=terminal, no_headers=no_headers)
    view_of = text_views.VIEWS.get((noun, verb)) if view else None
    if view_of is not None and isinstance(result, dict):
        view_of(layout, result, wide)
    else:
        generic(layout, result, wide)
