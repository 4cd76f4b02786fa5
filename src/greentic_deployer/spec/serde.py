"""JSON conventions: omitted optionals, sorted maps, pretty/compact forms."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue, SerializerFunctionWrapHandler, WrapSerializer

V = TypeVar("V")


def sort_json(value: Any) -> Any:
    """Recursively sort object keys, as serde_json's BTreeMap-backed maps do."""
    if isinstance(value, dict):
        return {k: sort_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_json(v) for v in value]
    return value


def _sorted_map(value: Any, handler: SerializerFunctionWrapHandler) -> Any:
    dumped = handler(value)
    if isinstance(dumped, dict):
        return {k: dumped[k] for k in sorted(dumped)}
    return dumped


def _sorted_json(value: Any, handler: SerializerFunctionWrapHandler) -> Any:
    return sort_json(handler(value))


# A string-keyed map emitted in sorted key order.
SortedMap = Annotated[dict[str, V], WrapSerializer(_sorted_map)]
# Free JSON whose nested objects are emitted in sorted key order.
FreeJson = Annotated[JsonValue, WrapSerializer(_sorted_json)]


class SpecModel(BaseModel):
    """Base of every spec type: immutable, unknown keys ignored on read, `schema` by alias."""

    model_config = ConfigDict(
        # The core schema is built on first validation, not when the class is defined, so a
        # CLI verb pays only for the documents it reads.
        defer_build=True,
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        serialize_by_alias=True,
        validate_by_alias=True,
        validate_by_name=True,
    )

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: optional fields omitted, maps sorted."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


def dumps_pretty(value: SpecModel | dict[str, Any]) -> str:
    """Pretty JSON with a trailing newline (the store's on-disk form)."""
    if isinstance(value, SpecModel):
        # pydantic's encoder gives the same bytes as json.dumps(indent=2) ~4x faster.
        return value.model_dump_json(indent=2, exclude_none=True, by_alias=True) + "\n"
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def dumps_compact(value: SpecModel | dict[str, Any] | list[Any]) -> str:
    """Compact JSON, no spaces (ConfigMap payloads, audit lines, CLI envelopes)."""
    data = value.to_json_dict() if isinstance(value, SpecModel) else value
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
