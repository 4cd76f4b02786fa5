"""Tri-state patch fields: keep, set a value, or clear."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from greentic_deployer.spec.errors import InvalidArgumentError

T = TypeVar("T")


@dataclass(frozen=True)
class FieldUpdate(Generic[T]):
    """One of keep (absent, null, clear=false), set (value) or clear (clear=true)."""

    action: str
    value: T | None = None

    @classmethod
    def keep(cls) -> FieldUpdate[T]:
        """Leave the field as it is."""
        return cls("keep")

    def apply(self, current: T | None) -> T | None:
        """The field's new value."""
        if self.action == "set":
            return self.value
        if self.action == "clear":
            return None
        return current


def parse_field_update(raw: Any, field: str) -> FieldUpdate[Any]:
    """Parse the wire form strictly: exactly one of `value` / `clear`, no other keys."""
    if raw is None:
        return FieldUpdate.keep()
    if not isinstance(raw, dict):
        raise InvalidArgumentError(field, 'expected {"value": …} or {"clear": true|false}', raw)
    keys = set(raw)
    unknown = keys - {"value", "clear"}
    if unknown:
        raise InvalidArgumentError(field, f"unknown key(s) {sorted(unknown)} in field update")
    if keys == {"value", "clear"}:
        raise InvalidArgumentError(field, "a field update takes 'value' or 'clear', not both")
    if not keys:
        raise InvalidArgumentError(field, "a field update needs 'value' or 'clear'")
    if "value" in raw:
        return FieldUpdate("set", raw["value"])
    if not isinstance(raw["clear"], bool):
        raise InvalidArgumentError(field, "'clear' must be a boolean", raw["clear"])
    return FieldUpdate("clear") if raw["clear"] else FieldUpdate.keep()
