"""Parsing JSON with a nesting bound, so deep documents fail typed instead of recursing."""

from __future__ import annotations

import json
from typing import Any

# Far deeper than any document this project reads or writes, far below Python's recursion
# limit, so validation, serialisation and comparison of an accepted value never recurse out.
MAX_NESTING = 128


class NestingTooDeepError(ValueError):
    """A JSON or YAML value nests arrays/objects deeper than MAX_NESTING."""

    def __init__(self, limit: int = MAX_NESTING) -> None:
        super().__init__(f"nesting is deeper than {limit} levels")
        self.limit = limit


def check_nesting(value: Any, limit: int = MAX_NESTING) -> None:
    """Raise NestingTooDeepError when containers nest deeper than `limit` (iterative walk)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest: dict[int, int] = {}
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise NestingTooDeepError(limit)
        # A container shared many times (YAML aliases) is walked again only from deeper down.
        if deepest.get(id(item), 0) >= depth:
            continue
        deepest[id(item)] = depth
        stack.extend((child, depth + 1) for child in children)


def loads_bounded(raw: str | bytes, limit: int = MAX_NESTING) -> Any:
    """`json.loads` where deep nesting raises NestingTooDeepError (a ValueError), not recursion."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise NestingTooDeepError(limit) from None
    check_nesting(value, limit)
    return value
