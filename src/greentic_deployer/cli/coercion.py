"""Option values coerced without pydantic for the plain shapes the CLI declares.

typer coerces every parameter value through a pydantic `TypeAdapter`, built on first use.
For the shapes most verbs declare (`str`, `list[str]`, `bool` flags, a `Path`) and the values
argv carries, that is a plain conversion, but it imported pydantic and built adapters on every
start-up: about a third of the CLI's start-up before the verb did any work.

`install()` gives those shapes a coercion that converts the common values directly, exactly
as typer's adapter would, and hands any other value to typer's own coercion (built only
then). Every other shape (numbers, choices, files, custom parsers) goes to typer unchanged.
One deliberate difference: an empty path is a usage error, where typer reads it as the
current directory. typer is pinned in pyproject.toml; `tests/cli/test_coercion.py` checks
each shape against typer's adapter, results and errors alike.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from typer import _coercion as typer_coercion
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor
from typer._param_types import coerce_cli_path

if TYPE_CHECKING:
    from typer._click import Context
    from typer.models import ParameterInfo

# typer's parameters call the `build_runtime_param` their module imported; that name is
# the one rebound. `typer_build` (typer._coercion's own) stays typer's adapter path.
_TYPER_CORE: ModuleType = importlib.import_module("typer.core")
typer_build = typer_coercion.build_runtime_param

# A shape's direct conversion returns this when the value needs typer's adapter.
UNHANDLED: Any = object()


@dataclass(frozen=True)
class PlainParam(RuntimeParam):
    """Converts the values `convert` knows; typer's coercion takes the rest."""

    convert: Callable[[Any, Any, Context], Any]

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        converted = self.convert(value, param, ctx)
        if converted is not UNHANDLED:
            return converted
        descriptor = TypeDescriptor(self.annotation, self.parameter_info, None)
        return typer_build(descriptor)._coerce_value(value, param, ctx)


def _text(value: Any, param: Any, ctx: Context) -> Any:
    # argv values are already text, which typer's str adapter returns unchanged.
    return value if type(value) is str else UNHANDLED


def _text_list(value: Any, param: Any, ctx: Context) -> Any:
    items = value if isinstance(value, (list, tuple)) else [value]
    return list(items) if all(type(item) is str for item in items) else UNHANDLED


def _flag(value: Any, param: Any, ctx: Context) -> Any:
    # A flag's value is a bool already; text (from an environment variable) goes to typer.
    return value if type(value) is bool else UNHANDLED


def _path_converter(info: ParameterInfo) -> Callable[[Any, Any, Context], Any]:
    def convert(value: Any, param: Any, ctx: Context) -> Any:
        if type(value) is not str:
            return UNHANDLED
        if not value:
            # typer would read "" as the current directory (`--store-root "$UNSET"` would
            # then create environments wherever the command ran).
            raise BadParameter("must not be empty (omit the option instead)", ctx, param)
        # typer's own checks (existence, readability...) on the text, as its adapter runs
        # them; the text becomes a Path the way pydantic's Path validator makes one.
        checked = coerce_cli_path(value, info, path_type=None, param=param, ctx=ctx)
        return Path(os.fsdecode(checked))

    return convert


def build_runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    """The direct coercion for the plain shapes; typer's own for everything else."""
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None:
        return typer_build(descriptor)
    convert: Callable[[Any, Any, Context], Any] | None = None
    if annotation is str:
        convert = _text
    elif annotation is bool:
        convert = _flag
    elif annotation == list[str]:
        convert = _text_list
    elif annotation is Path and not info.allow_dash and info.path_type is None:
        convert = _path_converter(info)
    if convert is None:
        return typer_build(descriptor)
    return PlainParam(parameter_info=info, annotation=annotation, convert=convert)


def install() -> None:
    """Route typer's parameter coercion through `build_runtime_param` (idempotent)."""
    _TYPER_CORE.__dict__["build_runtime_param"] = build_runtime_param
