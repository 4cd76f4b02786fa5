"""Label and field selectors, as list and watch requests carry them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from greentic_deployer.packs.k8s.errors import InvalidManifestError
from greentic_deployer.packs.k8s.label_selector import parse_selector, selector_matches
from greentic_deployer.testing.kube_emulator.errors import KubeError, bad_request

Matcher = Callable[[Mapping[str, Any]], bool]
_EQ = re.compile(r"^\s*([^!=\s]+)\s*(==|=|!=)\s*(\S*)\s*$")


def label_matcher(selector: str | None) -> Matcher:
    """A predicate over objects for a `labelSelector` (=, ==, !=, in, notin, exists, !exists).

    Parsed by the deployer's own selector grammar, so the emulator and the client agree on it.
    """
    try:
        requirements = parse_selector(selector)
    except InvalidManifestError as exc:
        raise bad_request(f"unable to parse requirement: {exc.reason}") from exc
    if not requirements:
        return lambda obj: True

    def match(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return selector_matches(requirements, labels)

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
