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


def op_context(opts: GlobalOptions, *, stages: bool = False) -> OpContext:
    """Open the store named by `--store-root` / GREENTIC_STORE_ROOT / the default root.

    `stages`: the verb stages bundles, so a terminal gets a progress bar on stderr.
    """
    from greentic_deployer.ops.context import OpContext
    from greentic_deployer.store.local import LocalFileStore, default_root

    store = LocalFileStore(opts.store_root or default_root())
    if opts.dry_run:
        from greentic_deployer.store.dry_run import DryRunStore

        # No progress bar: a dry run's staging goes to scratch and is not worth watching.
        return OpContext(store=DryRunStore(store), dry_run=True)
    if not stages:
        return OpContext(store=store)
    from greentic_deployer.cli.progress import stage_bar

    return OpContext(store=store, stage_progress=stage_bar())


def payload_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of a payload verb's `--answers` document."""
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def positional_schema(text: str) -> dict[str, Any]:
    """The input description of a positional verb."""
    return {"input_schema": text}


def require_arguments(ctx: typer.Context) -> None:
    """A missing positional is a usage error (exit 2), as the parser reports it."""
    from typer._click.exceptions import MissingParameter
    from typer.core import TyperArgument

    for param in ctx.command.params:
        if not isinstance(param, TyperArgument):
            continue
        value = ctx.params.get(param.name or "")
        if value is None or value in ([], ()):
            raise MissingParameter(ctx=ctx, param=param)


# Payload fields and the inline flag or argument a person types for each; any other field
# `foo_bar` is typed as `--foo-bar`.
FIELD_FLAGS = {
    "environment_id": "<environment_id>",
    "revision_id": "<revision_id>",
    "entries": "<REVISION=WEIGHT>",
    "deployment_id": "--deployment",
    "bundle_path": "--bundle",
    "tenant_org_id": "--tenant-org",
    "public_base_url": "--public-url",
}


def flag_for(field: str) -> str:
    """What the user types to give a payload field inline."""
    return FIELD_FLAGS.get(field, "--" + field.replace("_", "-"))
