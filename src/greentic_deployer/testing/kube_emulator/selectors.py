"""Label and field selectors, as list and watch requests carry them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from greentic_deployer.testing.kube_emulator.errors import KubeError, bad_request

Matcher = Callable[[Mapping[str, Any]], bool]
_SET = re.compile(r"^\s*(\S+)\s+(in|notin)\s+\((.*)\)\s*$")
_EQ = re.compile(r"^\s*([^!=\s]+)\s*(==|=|!=)\s*(\S*)\s*$")
_KEY = re.compile(r"^\s*(!?)\s*([^!=\s()]+)\s*$")


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _requirement(text: str) -> Callable[[Mapping[str, str]], bool]:
    if m := _SET.match(text):
        key, op, raw = m.group(1), m.group(2), m.group(3)
        values = {v.strip() for v in raw.split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: key not in labels or labels[key] not in values
    if m := _EQ.match(text):
        key, op, value = m.group(1), m.group(2), m.group(3)
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _KEY.match(text):
        negate, key = m.group(1) == "!", m.group(2)
        if negate:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise bad_request(f"unable to parse requirement: {text.strip()!r}")


def label_matcher(selector: str | None) -> Matcher:
    """A predicate over objects for a `labelSelector` (=, ==, !=, in, notin, exists, !exists)."""
    if not selector:
        return lambda obj: True
    requirements = [_requirement(part) for part in _split_top_level(selector)]

    def match(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(req(labels) for req in requirements)

    return match


def _field_value(obj: Mapping[str, Any], dotted: str) -> str:
    node: Any = obj
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return ""
        node = node[part]
    return node if isinstance(node, str) else str(node)


def field_matcher(selector: str | None) -> Matcher:
    """A predicate for a `fieldSelector` of `path=value`/`path==value`/`path!=value` terms."""
    if not selector:
        return lambda obj: True
    terms: list[tuple[str, bool, str]] = []
    for part in selector.split(","):
        m = _EQ.match(part)
        if not m:
            raise KubeError(400, "BadRequest", f"invalid field selector: {part.strip()!r}")
        terms.append((m.group(1), m.group(2) != "!=", m.group(3)))

    def match(obj: Mapping[str, Any]) -> bool:
        return all((_field_value(obj, path) == value) == equal for path, equal, value in terms)

    return match


def field_selector_name(selector: str | None) -> str | None:
    """The name a `metadata.name=X` field selector pins, if it pins one."""
    if not selector:
        return None
    for part in selector.split(","):
        m = _EQ.match(part)
        if m and m.group(1) == "metadata.name" and m.group(2) != "!=":
            return m.group(3)
    return None
