"""`--output name`: only the primary id of a result, one per line, for scripts without JSON tools.

The primary id is the object the verb made or acted on: the deployment for `deploy` and
`bundles add|update|remove`, the revision for `revisions stage|warm|drain|archive`, the
deployment for `traffic …`, the environment for `env …`, the slot for `env-packs …`. A list
verb prints the primary id of every row; `status` prints its deployments.
"""

from __future__ import annotations

from typing import Any

# Per noun: the field holding the primary id, then the list field a list result rows under.
_PRIMARY: dict[str, tuple[str, str]] = {
    "env": ("environment_id", "environments"),
    "env-packs": ("slot", "bindings"),
    "bundles": ("deployment_id", "deployments"),
    "revisions": ("revision_id", "revisions"),
    "traffic": ("deployment_id", "splits"),
    "deploy": ("deployment_id", "deployments"),
    "status": ("deployment_id", "deployments"),
    "credentials": ("environment_id", "requirements"),
}


def primary_ids(noun: str, verb: str, result: Any) -> list[str]:
    """The result's primary id(s); a list verb gives one per row."""
    field, rows_field = _PRIMARY.get(noun, ("id", "items"))
    if not isinstance(result, dict):
        return [str(result)]
    rows = result.get(rows_field)
    if field not in result and isinstance(rows, list):
        return [str(row[field]) for row in rows if isinstance(row, dict) and field in row]
    if field in result:
        return [str(result[field])]
    for value in result.values():  # a summary nested one level down (`env-packs add`)
        if isinstance(value, dict) and field in value:
            return [str(value[field])]
    if "environment_id" in result:  # e.g. a verb whose result names only its environment
        return [str(result["environment_id"])]
    return []
