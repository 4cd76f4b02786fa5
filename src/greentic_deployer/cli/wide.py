"""`-o wide`: join list rows with fields only the environment document holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greentic_deployer.ops.context import OpContext


def _deployment_extras(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    extras = {}
    for dep in doc.get("bundles", []):
        route = dep.get("route_binding") or {}
        selector = route.get("tenant_selector") or {}
        extras[dep["deployment_id"]] = {
            "path_prefixes": route.get("path_prefixes") or [],
            "tenant": f"{selector['tenant']}/{selector.get('team', 'default')}"
            if selector.get("tenant")
            else None,
            "created_at": dep.get("created_at"),
        }
    return extras


def _revision_extras(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        rev["revision_id"]: {
            "created_at": rev.get("created_at"),
            "bundle_digest": rev.get("bundle_digest"),
            "bundle_source_uri": rev.get("bundle_source_uri"),
        }
        for rev in doc.get("revisions", [])
    }


# (noun, verb) → (list key, row id key, extras from the environment document)
_JOINS = {
    ("bundles", "list"): ("deployments", "deployment_id", _deployment_extras),
    ("revisions", "list"): ("revisions", "revision_id", _revision_extras),
}


def widen(ctx: OpContext, noun: str, verb: str, env_id: str, result: Any) -> Any:
    """A copy of `result` whose rows carry the wide columns (only for text output)."""
    join = _JOINS.get((noun, verb))
    if join is None or not isinstance(result, dict):
        return result
    key, id_key, extras_of = join
    extras = extras_of(ctx.store.load(env_id).to_json_dict())
    rows = [{**row, **extras.get(row.get(id_key, ""), {})} for row in result.get(key, [])]
    return {**result, key: rows}
