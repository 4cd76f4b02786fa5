"""`Checked`: a check run after a field's own validation, declared without importing pydantic.

It is what pydantic's `AfterValidator` does (same core schema, same errors), but spec modules
that only need the check's function (`spec.ids`, `spec.clock`) stay importable without
pydantic: the schema is built when a model using the type is built, which imports pydantic
then. That keeps verbs that never read a document (`op env list` on an empty store, `--help`)
off pydantic's import cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema


@dataclass(frozen=True, slots=True)
class Checked:
    """`Annotated[T, Checked(fn)]`: validate as T, then return `fn(value)` (ValueError fails)."""

    func: Callable[[Any], Any]

    def __get_pydantic_core_schema__(
        self, source_type: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.func, handler(source_type))
