"""Construction helpers: typed input errors instead of pydantic tracebacks, validated results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from greentic_deployer.spec.clock import format_timestamp
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.serde import SpecModel

M = TypeVar("M", bound=SpecModel)


def build(model: type[M], what: str, **fields: Any) -> M:
    """Construct and validate `model`; a shape problem becomes an InvalidArgumentError."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"])
        rule = str(first["msg"]).removeprefix("Value error, ")
        field = f"{what}.{loc}" if loc else what
        raise InvalidArgumentError(field, rule, first.get("input")) from exc


def rebuilt(document: M, what: str, changes: dict[str, Any]) -> M:
    """`document` with `changes` applied and fully re-validated (`model_copy` skips validation)."""
    return build(type(document), what, **{**document.model_dump(by_alias=True), **changes})


def validated(env: Environment) -> Environment:
    """Run the full environment validation and hand the environment back."""
    env.validate()
    return env


def stamp(now: datetime) -> str:
    """Format an injected instant; a naive datetime is a caller bug (its zone is unknown)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware (UTC)")
    return format_timestamp(now)
