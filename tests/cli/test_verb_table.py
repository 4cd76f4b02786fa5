"""The verb table: every handler imports, accepts its model, and is wired to its command."""

from __future__ import annotations

import inspect
from typing import Any

import typer
from pydantic import BaseModel

from greentic_deployer.cli import verbs
from greentic_deployer.cli.nouns import NOUNS, noun_app
from greentic_deployer.ops.context import OpContext


def registered_commands() -> set[tuple[str, str]]:
    """(noun, verb) of every command under `op`."""
    pairs: set[tuple[str, str]] = set()
    for noun in NOUNS:
        sub: Any = noun_app(noun)
        assert isinstance(sub, typer.Typer)
        for command in sub.registered_commands:
            assert command.callback is not None
            name = command.name or command.callback.__name__.replace("_", "-")
            pairs.add((noun, name))
    return pairs


def test_every_handler_in_the_table_imports() -> None:
    for entry in verbs.TABLE:
        handler = entry.handler()
        assert callable(handler)
        params = list(inspect.signature(handler).parameters)
        assert params[0] == "ctx", f"{entry.noun} {entry.verb}: handler takes the OpContext first"
        if isinstance(entry, verbs.PayloadVerb):
            model = entry.model()
            assert issubclass(model, BaseModel)
            for name in entry.required_inline:
                assert name in model.model_fields, f"{entry.noun} {entry.verb}: {name}"


def test_payload_handlers_annotate_their_model() -> None:
    for entry in verbs.TABLE:
        if isinstance(entry, verbs.PayloadVerb):
            hints = inspect.get_annotations(entry.handler(), eval_str=True)
            assert hints["ctx"] is OpContext
            assert hints["payload"] is entry.model()


def test_the_table_has_one_entry_per_command() -> None:
    pairs = [(entry.noun, entry.verb) for entry in verbs.TABLE]
    assert len(pairs) == len(set(pairs))
    # `env init` parses its own flag; `deploy` is a top-level command with its own parser.
    assert set(pairs) | {("env", "init")} == registered_commands()
