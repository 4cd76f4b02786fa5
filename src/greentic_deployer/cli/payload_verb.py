"""Running a table verb: inline flags or `--answers`, validated into a payload model."""

from __future__ import annotations

from typing import Any

import typer

from greentic_deployer.cli.common import op_context, options, payload_schema
from greentic_deployer.cli.envelope import run_verb
from greentic_deployer.cli.verbs import P, PayloadVerb, PositionalVerb


def run_payload_verb(
    ctx: typer.Context, entry: PayloadVerb[P], inline: dict[str, Any], **extra: Any
) -> None:
    """Resolve the payload (inline xor `--answers`), validate it, run the entry's handler.

    `extra` (e.g. `--apply` and its connection flags) goes to the handler as keywords.
    """
    opts = options(ctx)

    def action() -> Any:
        from greentic_deployer.ops.answers_file import parse_payload, resolve_payload

        data = resolve_payload(inline, opts.answers, required_inline=entry.required_inline)
        model, handler = entry.load()
        call: Any = handler  # `extra` keywords are the handler's own optional parameters
        return call(op_context(opts), parse_payload(model, data), **extra)

    run_verb(
        entry.noun,
        entry.verb,
        opts,
        action,
        schema=lambda: payload_schema(entry.model()),
    )


def run_positional_verb(ctx: typer.Context, entry: PositionalVerb, *args: Any, **kw: Any) -> None:
    """Run the entry's handler as `handler(op_context, *args, **kw)` inside the envelope."""
    from greentic_deployer.cli.common import positional_schema, require

    noun, verb = entry.noun, entry.verb
    opts = options(ctx)
    require(opts, **{f"argument {i + 1}": a for i, a in enumerate(args)})

    def action() -> Any:
        if opts.answers is not None:
            from greentic_deployer.spec.errors import InvalidArgumentError

            raise InvalidArgumentError(
                "--answers", f"`{noun} {verb}` takes no payload file; pass its arguments instead"
            )
        return entry.handler()(op_context(opts), *args, **kw)

    run_verb(noun, verb, opts, action, schema=lambda: positional_schema(entry.schema_text))
