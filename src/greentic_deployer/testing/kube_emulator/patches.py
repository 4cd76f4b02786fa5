"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

A strategic merge patch is applied as a JSON merge patch: lists are replaced whole, there
is no merge by key and no `$patch` directive.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(Exception):
    """A patch that cannot be applied to the object (message says which operation)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge, `null` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result: dict[str, Any] = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise PatchError(f"invalid JSON pointer {path!r}")
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], op: str) -> Any:
    node = doc
    for part in parts[:-1]:
        node = _child(node, part, op)
    return node


def _child(node: Any, part: str, op: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise PatchError(f"{op} operation does not apply: doc is missing path: {part}")


def _get(doc: Any, parts: list[str], op: str) -> Any:
    node = doc
    for part in parts:
        node = _child(node, part, op)
    return node


def _remove(doc: Any, parts: list[str], op: str) -> Any:
    if not parts:
        raise PatchError(f"{op} operation cannot remove the whole document")
    parent = _parent(doc, parts, op)
    last = parts[-1]
    value = _child(parent, last, op)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return value


def _add(doc: Any, parts: list[str], value: Any, op: str) -> Any:
    if not parts:
        return copy.deepcopy(value)
    parent = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list):
        if last == "-":
            parent.append(copy.deepcopy(value))
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), copy.deepcopy(value))
        else:
            raise PatchError(f"{op} operation: index {last} out of range")
    else:
        raise PatchError(f"{op} operation does not apply: parent of {last} is not a container")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902: add, remove, replace, move, copy, test, applied in order to a copy."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchError("each JSON patch operation needs `op` and `path`")
        op = operation["op"]
        parts = _pointer(operation["path"])
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"{op} operation needs `value`")
        if op == "add":
            doc = _add(doc, parts, operation["value"], op)
        elif op == "remove":
            _remove(doc, parts, op)
        elif op == "replace":
            if parts:
                _get(doc, parts, op)
                _remove(doc, parts, op)
            doc = _add(doc, parts, operation["value"], op)
        elif op in ("move", "copy"):
            source = _pointer(operation.get("from"))
            value = (
                _remove(doc, source, op) if op == "move" else copy.deepcopy(_get(doc, source, op))
            )
            doc = _add(doc, parts, value, op)
        elif op == "test":
            if _get(doc, parts, op) != operation["value"]:
                raise PatchError(f"test operation failed at {operation['path']}")
        else:
            raise PatchError(f"unknown JSON patch operation {op!r}")
    return doc
