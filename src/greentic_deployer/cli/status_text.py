"""`op status --output text|wide`: the environment as a rich tree."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.text import Text
from rich.tree import Tree


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _weight(bps: int | None) -> str:
    if bps is None:
        return "not routed"
    return f"{bps / 100:g}% ({bps} bps)"


def status_tree(result: dict[str, Any]) -> Tree:
    """The environment as a tree: deployments → revisions, then the bound env-packs."""
    title = Text.assemble((str(result["environment_id"]), "bold"), f"  {result.get('name', '')}")
    tree = Tree(title)
    deployments = result.get("deployments") or []
    if not deployments:
        tree.add(Text("no deployments", style="dim"))
    for dep in deployments:
        split = dep.get("split")
        split_text = (
            "no traffic split"
            if split is None
            else f"split generation {split['generation']}, rollback "
            + ("available" if split["rollback_available"] else "not available")
        )
        label = Text.assemble(
            (str(dep["bundle_id"]), "bold cyan"),
            f"  deployment {dep['deployment_id']}  customer {dep['customer_id']}  ",
            (str(dep["status"]), "green" if dep["status"] == "active" else "yellow"),
            f"  {split_text}",
        )
        if dep.get("hosts"):
            label.append(f"  hosts {', '.join(dep['hosts'])}")
        node = tree.add(label)
        if not dep.get("revisions"):
            node.add(Text("no revisions", style="dim"))
        for rev in dep.get("revisions") or []:
            node.add(
                Text.assemble(
                    (str(rev["revision_id"]), "bold"),
                    f"  #{rev['sequence']}  ",
                    (str(rev["lifecycle"]), "green" if rev["lifecycle"] == "ready" else ""),
                    f"  {_weight(rev['weight_bps'])}  age {_age(int(rev['age_seconds']))}",
                )
            )
    packs = tree.add(Text("env-packs", style="bold"))
    bindings = result.get("env_packs") or []
    if not bindings:
        packs.add(Text("none bound", style="dim"))
    for binding in bindings:
        ref = "" if binding["pack_ref"] == binding["kind"] else f"  ref {binding['pack_ref']}"
        packs.add(f"{binding['slot']}: {binding['kind']}{ref}  generation {binding['generation']}")
    return tree


def print_status(result: dict[str, Any]) -> None:
    """Print the status tree (piped output gets a wide fixed width, so ids never wrap)."""
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(status_tree(result))
