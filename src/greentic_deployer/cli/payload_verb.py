"""Running a table verb: inline flags or `--answers`, validated into a payload model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from greentic_deployer.cli.common import (
    flag_for,
    op_context,
    options,
    payload_schema,
    require_arguments,
)
from greentic_deployer.cli.envelope import run_verb
from greentic_deployer.cli.verbs import P, PayloadVerb, PositionalVerb


def run_payload_verb(
    ctx: typer.Context,
    entry: PayloadVerb[P],
    inline: dict[str, Any],
    *,
    bundle: str | None = None,
    before: Callable[[dict[str, Any]], None] | None = None,
    **extra: Any,
) -> None:
    """Resolve the payload (inline xor `--answers`), validate it, run the entry's handler.

    Id prefixes and bundle ids in the payload become full ids first; `bundle` (`--bundle`)
    names the deployment by its bundle id; `before` sees the resolved payload (e.g. to ask
    for confirmation) and may refuse by raising. `extra` (e.g. `--apply` and its connection
    flags) goes to the handler as keywords.
    """
    opts = options(ctx)
    given = any(v is not None and v not in ([], ()) for v in inline.values())
    if given and opts.answers is None and not opts.schema:
        # The inline path: its positionals are required like any command's (exit 2).
        require_arguments(ctx)

    def action() -> Any:
        from greentic_deployer.cli.resolve_ids import bundle_to_deployment, resolve_payload_ids
        from greentic_deployer.ops.answers_file import parse_payload, resolve_payload

        stages = (entry.noun, entry.verb) == ("revisions", "stage")
        op = op_context(opts, stages=stages)
        if bundle is not None:
            _bundle_xor_deployment(inline.get("deployment_id"), opts.answers)
            inline["deployment_id"] = bundle_to_deployment(op, inline.get("environment_id"), bundle)
        data = resolve_payload(
            inline, opts.answers, required_inline=entry.required_inline, label=flag_for
        )
        resolve_payload_ids(op, entry.noun, entry.verb, data)
        if before is not None:
            before(data)
        model, handler = entry.load()
        call: Any = handler  # `extra` keywords are the handler's own optional parameters
        return call(op, parse_payload(model, data), **extra)

    run_verb(
        entry.noun,
        entry.verb,
        opts,
        action,
        schema=lambda: payload_schema(entry.model()),
    )


def run_positional_verb(ctx: typer.Context, entry: PositionalVerb, *args: Any, **kw: Any) -> None:
    """Run the entry's handler as `handler(op_context, *args, **kw)` inside the envelope."""
    from greentic_deployer.cli.common import positional_schema

    noun, verb = entry.noun, entry.verb
    opts = options(ctx)
    if not opts.schema:
        require_arguments(ctx)

    def action() -> Any:
        if opts.answers is not None:
            from greentic_deployer.spec.errors import InvalidArgumentError

            raise InvalidArgumentError(
                "--answers", f"`{noun} {verb}` takes no payload file; pass its arguments instead"
            )
        context = op_context(opts)
        result = entry.handler()(context, *args, **kw)
        if opts.output == "wide" and args:
            from greentic_deployer.cli.wide import widen

            return widen(context, noun, verb, str(args[0]), result)
        return result

    run_verb(noun, verb, opts, action, schema=lambda: positional_schema(entry.schema_text))


def run_deployment_verb(
    ctx: typer.Context,
    entry: PositionalVerb,
    environment_id: str | None,
    deployment: str | None,
    bundle: str | None,
    *,
    before: Callable[[str, str], None] | None = None,
    **kw: Any,
) -> None:
    """A positional `<env> --deployment ID|--bundle ID` verb; the id is resolved first.

    `before(env_id, deployment_id)` runs after resolution (e.g. a confirmation prompt);
    `kw` (e.g. `--apply` and its connection flags) goes to the handler.
    """
    from greentic_deployer.cli.common import positional_schema

    noun, verb = entry.noun, entry.verb
    opts = options(ctx)
    if not opts.schema:
        require_arguments(ctx)
        if deployment is None and bundle is None:
            raise typer.BadParameter("missing option (or --bundle)", param_hint="--deployment")

    def action() -> Any:
        from greentic_deployer.cli.resolve_ids import bundle_to_deployment, resolve_deployment_arg
        from greentic_deployer.spec.errors import InvalidArgumentError

        if opts.answers is not None:
            raise InvalidArgumentError(
                "--answers", f"`{noun} {verb}` takes no payload file; pass its arguments instead"
            )
        assert environment_id is not None
        op = op_context(opts)
        if bundle is not None:
            _bundle_xor_deployment(deployment, None)
            target = bundle_to_deployment(op, environment_id, bundle)
        else:
            assert deployment is not None
            target = resolve_deployment_arg(op, environment_id, deployment)
        if before is not None:
            before(environment_id, target)
        result = entry.handler()(op, environment_id, target, **kw)
        if opts.output == "wide":
            from greentic_deployer.cli.wide import widen

            return widen(op, noun, verb, environment_id, result)
        return result

    run_verb(noun, verb, opts, action, schema=lambda: positional_schema(entry.schema_text))


def _bundle_xor_deployment(deployment: object, answers: object) -> None:
    from greentic_deployer.spec.errors import InvalidArgumentError

    if deployment is not None:
        raise InvalidArgumentError("--bundle", "give --deployment or --bundle, not both")
    if answers is not None:
        raise InvalidArgumentError("--bundle", "give either inline flags or --answers, not both")
