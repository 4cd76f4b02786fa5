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


def emit_success(noun: str, verb: str, result: Any, options: GlobalOptions) -> None:
    """Print the success envelope (or the human rendering with `--output text`)."""
    if options.dry_run and not options.schema:
        from greentic_deployer.cli.dry_run import mark_dry_run

        result = mark_dry_run(noun, verb, result)
    if options.output == "text":
        from greentic_deployer.cli.status_text import print_view

        print_view(noun, verb, result)
        return
    if options.output == "name" and not options.schema:
        from greentic_deployer.cli.output_name import primary_ids

        sys.stdout.write("".join(f"{rid}\n" for rid in primary_ids(noun, verb, result)))
        sys.stdout.flush()
        return
    sys.stdout.write(_line({"op": verb, "noun": noun, "result": result}) + "\n")
    sys.stdout.flush()


def emit_failure(noun: str, verb: str, kind: str, message: str) -> NoReturn:
    """Print the failure envelope on stderr and exit 1."""
    sys.stderr.write(
        _line({"op": verb, "noun": noun, "error": {"kind": kind, "message": message}}) + "\n"
    )
    sys.stderr.flush()
    raise typer.Exit(1)


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
        emit_success(noun, verb, schema() if schema else {"input_schema": "none"}, options)
        return
    try:
        result = action()
    except GreenticError as exc:
        from greentic_deployer.cli.hints import user_message

        emit_failure(noun, verb, exc.kind, user_message(exc))
    except OSError as exc:
        emit_failure(noun, verb, "io", f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "))
    except KeyboardInterrupt:
        emit_failure(noun, verb, "io", "interrupted")
    except Exception as exc:  # no traceback ever reaches a user
        emit_failure(noun, verb, "store", f"internal error: {type(exc).__name__}: {exc}")
    emit_success(noun, verb, result, options)
