"""`--dry-run`: which verbs change state, and how their previewed result is marked."""

from __future__ import annotations

from typing import Any

MUTATING: frozenset[tuple[str, str]] = frozenset(
    {
        ("env", "create"),
        ("env", "update"),
        ("env", "set-public-url"),
        ("env", "init"),
        ("env", "destroy"),
        ("env-packs", "add"),
        ("env-packs", "update"),
        ("env-packs", "remove"),
        ("env-packs", "rollback"),
        ("bundles", "add"),
        ("bundles", "update"),
        ("bundles", "remove"),
        ("revisions", "stage"),
        ("revisions", "warm"),
        ("revisions", "drain"),
        ("revisions", "archive"),
        ("traffic", "set"),
        ("traffic", "rollback"),
        ("traffic", "clear"),
        ("deploy", "deploy"),
    }
)
"""Every verb that writes to the store; `--dry-run` marks their results."""


def mark_dry_run(noun: str, verb: str, result: Any) -> Any:
    """Add `"dry_run": true` to a mutating verb's result object (other results unchanged)."""
    if (noun, verb) in MUTATING and isinstance(result, dict):
        return {**result, "dry_run": True}
    return result
