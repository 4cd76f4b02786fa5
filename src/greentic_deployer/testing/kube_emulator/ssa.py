"""Server-side apply: which manager owns which field, conflicts, and pruning.

A field is a path of map keys. Maps are merged key by key; lists and scalars are atomic
(a list is one field: there is no merge by key), and an empty map is a field of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from greentic_deployer.packs.k8s.clone import clone

Path = tuple[str, ...]
Owners = dict[str, set[Path]]
"""manager -> the set of field paths it owns."""

MISSING: Any = object()
# Identity and server-set fields: nobody owns them.
_UNOWNED_TOP = frozenset({"apiVersion", "kind", "status"})
_UNOWNED_META = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "managedFields",
        "selfLink",
    }
)


@dataclass(frozen=True)
class FieldConflict:
    """One field another manager owns with a different value."""

    manager: str
    path: Path

    def field(self) -> str:
        """The field as the API server prints it (`.spec.replicas`)."""
        return "".join(f".{part}" for part in self.path)


class ApplyConflict(Exception):
    """An apply without force would change fields other managers own."""

    def __init__(self, conflicts: list[FieldConflict]) -> None:
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


def _owned(path: Path) -> bool:
    if not path or path[0] in _UNOWNED_TOP:
        return False
    return not (len(path) == 2 and path[0] == "metadata" and path[1] in _UNOWNED_META)


def leaf_paths(obj: Any, prefix: Path = ()) -> set[Path]:
    """Every owned field path of an object: map keys down to atomic values."""
    found: set[Path] = set()
    if not isinstance(obj, dict):
        return found
    for key, value in obj.items():
        path = (*prefix, str(key))
        if value is None:
            continue
        if isinstance(value, dict) and value:
            found |= leaf_paths(value, path)
        elif _owned(path):
            found.add(path)
    return {p for p in found if _owned(p)}


def get_path(obj: Any, path: Path) -> Any:
    """The value at `path`, or MISSING."""
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return MISSING
        obj = obj[part]
    return obj


def set_path(obj: dict[str, Any], path: Path, value: Any) -> None:
    """Set `path` to a copy of `value`, creating (or replacing non-map) parents."""
    for part in path[:-1]:
        child = obj.get(part)
        if not isinstance(child, dict):
            child = {}
            obj[part] = child
        obj = child
    # Leaves are mostly scalars: copy only containers.
    obj[path[-1]] = clone(value) if isinstance(value, (dict, list)) else value


def delete_path(obj: dict[str, Any], path: Path) -> None:
    """Remove `path` and then every parent map it leaves empty."""
    parents: list[tuple[dict[str, Any], str]] = []
    node: Any = obj
    for part in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return
        parents.append((node, part))
        node = node[part]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    for parent, part in reversed(parents):
        if parent[part]:
            break
        del parent[part]


def overlaps(a: Path, b: Path) -> bool:
    """One path equals or contains the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _longer(a: Path, b: Path) -> Path:
    return a if len(a) >= len(b) else b


def apply(
    live: dict[str, Any] | None,
    owners: Owners,
    manager: str,
    config: dict[str, Any],
    *,
    force: bool,
) -> tuple[dict[str, Any], Owners]:
    """Merge an applied configuration into `live`; raises ApplyConflict unless `force`."""
    base: dict[str, Any] = clone(live) if live is not None else {}
    applied = leaf_paths(config)
    conflicts: list[FieldConflict] = []
    new_owners: Owners = {m: set(p) for m, p in owners.items()}
    for other, paths in owners.items():
        if other == manager:
            continue
        for owned in paths:
            for path in applied:
                if not overlaps(owned, path):
                    continue
                if len(owned) > len(path) and isinstance(get_path(config, path), dict):
                    continue  # an empty map claims only itself, not what others set inside it
                probe = _longer(owned, path)
                if get_path(base, probe) != get_path(config, probe):
                    conflicts.append(FieldConflict(other, owned))
                    new_owners[other].discard(owned)
                    break
    if conflicts and not force:
        raise ApplyConflict(sorted(conflicts, key=lambda c: (c.manager, c.path)))
    previous = new_owners.get(manager, set())
    for path in previous - applied:
        if any(
            path[: len(new)] == new and not isinstance(get_path(config, new), dict)
            for new in applied
        ):
            continue  # replaced whole by an atomic value this apply sets
        if any(overlaps(path, p) for m, ps in new_owners.items() if m != manager for p in ps):
            continue
        delete_path(base, path)
    for path in sorted(applied):
        value = get_path(config, path)
        if value == {} and isinstance(get_path(base, path), dict):
            continue
        set_path(base, path, value)
    for key in ("apiVersion", "kind"):
        if key in config:
            base[key] = config[key]
    meta = config.get("metadata")
    if isinstance(meta, dict):
        for key in ("name", "namespace"):
            if key in meta:
                base.setdefault("metadata", {})[key] = meta[key]
    new_owners[manager] = applied
    return base, {m: p for m, p in new_owners.items() if p}


def update(old: dict[str, Any] | None, new: dict[str, Any], owners: Owners, manager: str) -> Owners:
    """Ownership after a non-apply write: the writer takes every field it changed."""
    old_obj: dict[str, Any] = old or {}
    changed = {p for p in leaf_paths(new) if get_path(old_obj, p) != get_path(new, p)}
    result: Owners = {}
    for other, paths in owners.items():
        kept = {
            p
            for p in paths
            if get_path(new, p) is not MISSING and not any(overlaps(p, c) for c in changed)
        }
        if kept:
            result[other] = kept
    if changed:
        result.setdefault(manager, set()).update(changed)
    return result
