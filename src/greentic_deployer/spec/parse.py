"""Turning raw JSON into spec documents with errors that name the field and the rule."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from greentic_deployer.spec.errors import DocumentError
from greentic_deployer.spec.serde import SpecModel

M = TypeVar("M", bound=SpecModel)


def describe_validation_error(exc: ValidationError) -> str:
    """`field.path: rule` for each problem pydantic found (first three)."""
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "<document>"
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    more = len(exc.errors()) - 3
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def parse_document(model: type[M], data: Any, what: str) -> M:
    """Validate `data` as `model`; a shape error becomes a DocumentError naming `what`."""
    if not isinstance(data, dict):
        raise DocumentError(f"{what}: expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(f"{what}: {describe_validation_error(exc)}") from exc
