"""Helpers shared by the noun modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from greentic_deployer.cli.globals import GlobalOptions

if TYPE_CHECKING:
    from pydantic import BaseModel

    from greentic_deployer.ops.context import OpContext


def options(ctx: typer.Context) -> GlobalOptions:
    """The global options parsed by the `op` callback."""
    current: Any = ctx  # typer's Context and its vendored click parent types differ
    while current is not None:
        if isinstance(current.obj, GlobalOptions):
            return current.obj
        current = current.parent
    return GlobalOptions()


def op_context(opts: GlobalOptions) -> OpContext:
    """Open the store named by `--store-root` / GREENTIC_STORE_ROOT / the default root."""
    from greentic_deployer.ops.context import OpContext
    from greentic_deployer.store.local import LocalFileStore, default_root

    store = LocalFileStore(opts.store_root or default_root())
    if opts.dry_run:
        from greentic_deployer.store.dry_run import DryRunStore

        return OpContext(store=DryRunStore(store), dry_run=True)
    return OpContext(store=store)


def payload_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of a payload verb's `--answers` document."""
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def positional_schema(text: str) -> dict[str, Any]:
    """The input description of a positional verb."""
    return {"input_schema": text}


def require(opts: GlobalOptions, **values: object) -> None:
    """Positional inputs are optional only for `--schema`; otherwise missing is a usage error."""
    if opts.schema:
        return
    for name, value in values.items():
        if value is None:
            raise typer.BadParameter("missing argument", param_hint=name)
