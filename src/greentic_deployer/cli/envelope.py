"""The JSON envelope: one compact line on stdout (success) or stderr (failure)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer

from greentic_deployer.cli.globals import GlobalOptions
from greentic_deployer.spec.errors import GreenticError


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def emit_success(
    noun: str, verb: str, result: Any, options: GlobalOptions, *, schema: bool = False
) -> None:
    """Print the success envelope (or the human rendering with `--output text|wide`).

    `schema`: the result is an input description, so no verb-specific view applies.
    """
    if options.dry_run and not schema and not options.schema:
        from greentic_deployer.cli.dry_run import mark_dry_run

        result = mark_dry_run(noun, verb, result)
    if options.output == "name" and not schema and not options.schema:
        from greentic_deployer.cli.output_name import primary_ids

        sys.stdout.write("".join(f"{rid}\n" for rid in primary_ids(noun, verb, result)))
        sys.stdout.flush()
        return
    if options.text and noun == "status" and not schema and isinstance(result, dict):
        from greentic_deployer.cli.status_text import print_status

        print_status(result)
        return
    if options.text:
        from greentic_deployer.cli.hints import next_steps
        from greentic_deployer.cli.terminal import stdout_is_terminal
        from greentic_deployer.cli.text import print_result

        print_result(
            noun,
            verb,
            result,
            terminal=stdout_is_terminal(),
            no_headers=options.no_headers,
            wide=options.output == "wide",
            view=not schema,
        )
        sys.stdout.flush()
        steps = [] if schema else next_steps(noun, verb, result)
        if steps:
            # Like helm's NOTES: on stderr, so piping the result stays clean.
            sys.stderr.write("\nNext steps:\n" + "".join(f"  {s}\n" for s in steps))
            sys.stderr.flush()
        return
    sys.stdout.write(_line({"op": verb, "noun": noun, "result": result}) + "\n")
    sys.stdout.flush()


def emit_failure(
    noun: str,
    verb: str,
    kind: str,
    message: str,
    options: GlobalOptions | None = None,
    hint: str | None = None,
) -> NoReturn:
    """Print the failure (JSON envelope, or `Error:`/`Hint:` lines in text mode); exit 1."""
    if options is not None and options.text:
        sys.stderr.write(f"Error: {message}\n" + (f"Hint: {hint}\n" if hint else ""))
    else:
        full = message if hint is None else f"{message}; {hint}"
        sys.stderr.write(
            _line({"op": verb, "noun": noun, "error": {"kind": kind, "message": full}}) + "\n"
        )
    sys.stderr.flush()
    raise typer.Exit(1)


def _close_progress() -> None:
    # Only a verb that staged a bundle loaded the progress module; others pay nothing.
    progress = sys.modules.get("greentic_deployer.cli.progress")
    if progress is not None:
        progress.close_all()


def run_verb(
    noun: str,
    verb: str,
    options: GlobalOptions,
    action: Callable[[], Any],
    *,
    schema: Callable[[], Any] | None = None,
) -> None:
    """Answer `--schema` without touching the store, else run `action` inside the envelope."""
    if options.schema:
        described = schema() if schema else {"input_schema": "none"}
        emit_success(noun, verb, described, options, schema=True)
        return
    try:
        try:
            result = action()
        finally:
            _close_progress()
    except GreenticError as exc:
        from greentic_deployer.cli.hints import shown_message, with_hint

        with_hint(exc, options)
        emit_failure(noun, verb, exc.kind, shown_message(exc), options, exc.hint)
    except OSError as exc:
        message = f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
        emit_failure(noun, verb, "io", message, options)
    except KeyboardInterrupt:
        emit_failure(noun, verb, "io", "interrupted", options)
    except Exception as exc:  # no traceback ever reaches a user
        emit_failure(noun, verb, "store", f"internal error: {type(exc).__name__}: {exc}", options)
    emit_success(noun, verb, result, options)
