"""Running a payload verb: inline flags or `--answers`, validated into a payload model."""

from __future__ import annotations

import importlib
from typing import Any

import typer

from greentic_deployer.cli.common import op_context, options, payload_schema
from greentic_deployer.cli.envelope import run_verb


def _resolve(dotted: str) -> Any:
    # Imported on use so `--help` and light verbs start fast.
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


def run_payload_verb(
    ctx: typer.Context,
    noun: str,
    verb: str,
    model: str,
    inline: dict[str, Any],
    required_inline: tuple[str, ...],
    handler: str,
) -> None:
    """Resolve the payload (inline xor `--answers`), validate it, run `handler`.

    `model` and `handler` are `module:name` references into `greentic_deployer.ops`.
    """
    opts = options(ctx)

    def action() -> Any:
        from greentic_deployer.ops.answers_file import parse_payload, resolve_payload

        data = resolve_payload(inline, opts.answers, required_inline=required_inline)
        payload = parse_payload(_resolve(f"greentic_deployer.ops.payloads:{model}"), data)
        return _resolve(f"greentic_deployer.ops.{handler}")(op_context(opts), payload)

    run_verb(
        noun,
        verb,
        opts,
        action,
        schema=lambda: payload_schema(_resolve(f"greentic_deployer.ops.payloads:{model}")),
    )


def run_positional_verb(
    ctx: typer.Context, noun: str, verb: str, schema_text: str, handler: str, *args: Any, **kw: Any
) -> None:
    """Run `handler(op_context, *args, **kw)` inside the envelope."""
    from greentic_deployer.cli.common import positional_schema, require

    opts = options(ctx)
    require(opts, **{f"argument {i + 1}": a for i, a in enumerate(args)})

    def action() -> Any:
        if opts.answers is not None:
            from greentic_deployer.spec.errors import InvalidArgumentError

            raise InvalidArgumentError(
                "--answers", f"`{noun} {verb}` takes no payload file; pass its arguments instead"
            )
        return _resolve(f"greentic_deployer.ops.{handler}")(op_context(opts), *args, **kw)

    run_verb(
        noun,
        verb,
        opts,
        action,
        schema=lambda: positional_schema(schema_text),
    )
