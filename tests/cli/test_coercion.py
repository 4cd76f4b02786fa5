"""The CLI's pydantic-free option coercion gives what typer's own adapters give.

`cli/coercion.py` converts the plain shapes directly; these tests run every parameter of
every command through both it and typer's adapter, with the values argv can carry, and
compare results and errors. A typer upgrade that changes its coercion fails here.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor
from typer.core import TyperGroup

from greentic_deployer.cli import coercion
from greentic_deployer.cli.main import app
from greentic_deployer.cli.nouns import NOUNS

TEXT_VALUES = ["x", "", " padded ", "-", "--like-a-flag", "é ü", "a\tb", "~/home", "0", "true"]


def every_parameter() -> Iterator[tuple[str, Any, Context]]:
    """(command path, parameter, a context) for every parameter of every command."""
    root = typer.main.get_command(app)

    def walk(command: Any, path: str, parent: Context | None) -> Iterator[tuple[str, Any, Context]]:
        ctx = Context(command, parent=parent, info_name=path.rsplit(" ", 1)[-1])
        for param in command.params:
            if hasattr(param, "type_descriptor"):
                yield path, param, ctx
        if isinstance(command, TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{path} {name}"
                yield from walk(sub, f"{path} {name}", ctx)

    yield from walk(root, "gtc", None)


PARAMETERS = list(every_parameter())


def outcome(runtime: RuntimeParam, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    """What coercing `value` gives: ("ok", result with its type) or ("error", message)."""
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()
    return "ok", (type(result), result)


def typer_runtime(param: Any) -> RuntimeParam:
    descriptor: TypeDescriptor = param.type_descriptor
    return coercion.typer_build(descriptor)


def ours(param: Any) -> RuntimeParam:
    return coercion.build_runtime_param(param.type_descriptor)


def test_the_walk_reaches_every_noun_and_the_plain_shapes() -> None:
    paths = {path for path, _, _ in PARAMETERS}
    assert {f"gtc op {noun}" for noun in NOUNS} <= {" ".join(p.split()[:3]) for p in paths}
    kinds = {type(ours(param)).__name__ for _, param, _ in PARAMETERS}
    assert "PlainParam" in kinds


def test_the_plain_shapes_never_build_a_pydantic_adapter() -> None:
    """str, list[str], bool and plain Path parameters get the direct coercion."""
    plain = 0
    for path, param, _ in PARAMETERS:
        annotation = param.type_descriptor.annotation
        if annotation in (str, bool, list[str]) or annotation is Path:
            assert isinstance(ours(param), coercion.PlainParam), f"{path} {param.name}"
            plain += 1
    assert plain > 100


@pytest.mark.parametrize("value", TEXT_VALUES)
def test_text_values_coerce_exactly_as_typer_does(value: str, tmp_path: Path) -> None:
    compared = 0
    for path, param, ctx in PARAMETERS:
        annotation = param.type_descriptor.annotation
        if annotation is str or (annotation is Path and value):
            got = outcome(ours(param), value, param, ctx)
            assert got == outcome(typer_runtime(param), value, param, ctx), (path, param.name)
            compared += 1
    assert compared > 100


def test_lists_and_flags_coerce_exactly_as_typer_does() -> None:
    values: list[Any] = [("a", "b"), ["x"], (), "single", True, False, None]
    compared = 0
    for path, param, ctx in PARAMETERS:
        if param.type_descriptor.annotation not in (bool, list[str]):
            continue
        for value in values:
            flag = param.type_descriptor.annotation is bool
            if flag and not isinstance(value, (bool, type(None))):
                continue
            got = outcome(ours(param), value, param, ctx)
            assert got == outcome(typer_runtime(param), value, param, ctx), (path, param.name)
            compared += 1
    assert compared > 20


def test_values_outside_the_direct_path_go_to_typer(tmp_path: Path) -> None:
    """Text for a flag (from an environment variable) and bytes take typer's adapter."""
    for path, param, ctx in PARAMETERS:
        annotation = param.type_descriptor.annotation
        samples: list[Any] = []
        if annotation is bool:
            samples = ["yes", "0", "maybe"]
        elif annotation is str or annotation is Path:
            samples = [b"raw", 7]
        for value in samples:
            got = outcome(ours(param), value, param, ctx)
            assert got == outcome(typer_runtime(param), value, param, ctx), (path, param.name)


def test_path_checks_and_spelling_match_typer(tmp_path: Path) -> None:
    existing = tmp_path / "file.json"
    existing.write_text("{}")
    unreadable = tmp_path / "secret"
    unreadable.write_text("")
    unreadable.chmod(0)
    values = [str(existing), f"{tmp_path}//file.json/", str(tmp_path / "missing"), str(tmp_path)]
    if os.geteuid() != 0:  # root reads everything
        values.append(str(unreadable))
    for path, param, ctx in PARAMETERS:
        if param.type_descriptor.annotation is not Path:
            continue
        for value in values:
            got = outcome(ours(param), value, param, ctx)
            assert got == outcome(typer_runtime(param), value, param, ctx), (path, param.name)


def test_install_routes_typers_parameters_and_keeps_its_builder() -> None:
    import typer._coercion

    core = importlib.import_module("typer.core")
    coercion.install()
    coercion.install()
    assert core.build_runtime_param is coercion.build_runtime_param
    assert coercion.typer_build is typer._coercion.build_runtime_param


def test_an_empty_path_is_refused_where_typer_read_the_current_directory() -> None:
    paths = [
        (p, param, ctx) for p, param, ctx in PARAMETERS if param.type_descriptor.annotation is Path
    ]
    assert len(paths) > 10
    for path, param, ctx in paths:
        assert outcome(typer_runtime(param), "", param, ctx) == ("ok", (type(Path()), Path(".")))
        kind, message = outcome(ours(param), "", param, ctx)
        assert kind == "error", (path, param.name)
        assert "must not be empty" in message
