"""Kubernetes label selectors: parsed once, matched in memory or handed to a client.

Grammar (the API server's): comma-separated requirements, each `key`, `!key`, `key=value`,
`key==value`, `key!=value`, `key in (v1,v2)` or `key notin (v1,v2)`. A selector that does not
parse is InvalidManifestError before any request is made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from greentic_deployer.packs.k8s.errors import InvalidManifestError

Operator = Literal["=", "!=", "in", "notin", "exists", "!exists"]

_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_EQUALITY = re.compile(rf"\s*(?P<key>{_KEY})\s*(?P<op>==|!=|=)\s*(?P<value>{_VALUE})\s*")
_SET = re.compile(rf"\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*")
_EXISTS = re.compile(rf"\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*")
_VALUE_ONLY = re.compile(_VALUE)


@dataclass(frozen=True)
class Requirement:
    """One selector requirement."""

    key: str
    op: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, Any]) -> bool:
        """Whether an object with these labels satisfies the requirement."""
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        return not present or value not in self.values

    def encode(self) -> str:
        """The requirement in selector syntax."""
        if self.op == "exists":
            return self.key
        if self.op == "!exists":
            return f"!{self.key}"
        if self.op in ("=", "!="):
            return f"{self.key}{self.op}{self.values[0]}"
        return f"{self.key} {self.op} ({','.join(self.values)})"


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside a `( … )` value list."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in selector:
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
    return parts


def parse_selector(selector: str | None) -> tuple[Requirement, ...]:
    """Parse a label selector; empty or None selects everything."""
    if selector is None or not selector.strip():
        return ()
    requirements: list[Requirement] = []
    for term in _split(selector):
        if (m := _EQUALITY.fullmatch(term)) is not None:
            op: Operator = "!=" if m["op"] == "!=" else "="
            requirements.append(Requirement(m["key"], op, (m["value"],)))
        elif (m := _SET.fullmatch(term)) is not None:
            values = tuple(v.strip() for v in m["values"].split(","))
            if not values or not all(v and _VALUE_ONLY.fullmatch(v) for v in values):
                raise InvalidManifestError(
                    f"label selector {selector!r}: bad value list in {term.strip()!r}"
                )
            requirements.append(Requirement(m["key"], "in" if m["op"] == "in" else "notin", values))
        elif (m := _EXISTS.fullmatch(term)) is not None:
            requirements.append(Requirement(m["key"], "!exists" if m["neg"] else "exists"))
        else:
            raise InvalidManifestError(
                f"label selector {selector!r}: cannot parse requirement {term.strip()!r}"
            )
    return tuple(requirements)


def selector_matches(requirements: tuple[Requirement, ...], labels: Mapping[str, Any]) -> bool:
    """Whether labels satisfy every requirement."""
    return all(r.matches(labels) for r in requirements)


def encode_selector(requirements: tuple[Requirement, ...]) -> str:
    """The canonical selector text of parsed requirements."""
    return ",".join(r.encode() for r in requirements)
