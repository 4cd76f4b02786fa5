"""CLI conventions: `version`, `--version`, `completion`, and the help every verb shows."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperArgument

PACKAGE = "greentic-deployer"
SHELLS = ("bash", "zsh", "fish")

GLOBAL_OPTIONS_EPILOG = (
    "[bold]Global options[/bold] (before the noun or after the verb): "
    "--store-root DIR, --answers FILE (payload verbs), --schema, "
    "-o/--output json|text|wide|name, --no-headers (text only), "
    "--dry-run (mutating verbs), -h/--help."
)


def package_version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # running from a source tree without an install
        return "0+unknown"


def print_version_and_exit(value: bool) -> None:
    """`--version`: print `greentic-deployer <version>` and stop."""
    if value:
        typer.echo(f"{PACKAGE} {package_version()}")
        raise typer.Exit(0)


def version_cmd(
    output: Annotated[
        str, typer.Option("--output", "-o", help="text (default) or json (the envelope).")
    ] = "text",
) -> None:
    """Print the package version.

    Example: gtc version -o json
    """
    if output == "json":
        import json

        result = {"package": PACKAGE, "version": package_version()}
        envelope = {"op": "version", "noun": "version", "result": result}
        typer.echo(json.dumps(envelope, separators=(",", ":")))
    elif output == "text":
        typer.echo(f"{PACKAGE} {package_version()}")
    else:
        raise typer.BadParameter("expected text or json", param_hint="--output")


def complete_var(prog_name: str) -> str:
    """The environment variable the completion script sets when it asks for candidates."""
    return f"_{prog_name}_COMPLETE".replace("-", "_").upper()


def init_completion() -> None:
    """Register the shells' completion classes (only when a completion request is running)."""
    from typer._completion_classes import completion_init

    completion_init()


def completion_cmd(
    ctx: typer.Context,
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.", metavar="SHELL")],
) -> None:
    """Print the shell completion script for SHELL.

    Examples: gtc completion bash > ~/.local/share/bash-completion/completions/gtc;
    gtc completion zsh > "${fpath[1]}/_gtc";
    gtc completion fish > ~/.config/fish/completions/gtc.fish
    """
    if shell not in SHELLS:
        raise typer.BadParameter(f"expected one of {', '.join(SHELLS)}", param_hint="SHELL")
    from typer._completion_shared import get_completion_script

    prog = ctx.find_root().info_name or "gtc"
    typer.echo(get_completion_script(prog_name=prog, complete_var=complete_var(prog), shell=shell))


def register(app: typer.Typer) -> None:
    """Attach `version` and `completion` to the top-level app."""
    app.command("version")(version_cmd)
    app.command("completion")(completion_cmd)


def decorate_help(command: Any) -> None:
    """The root and every `op` verb built so far; nouns built later decorate their own verbs."""
    op = command.commands.get("op") if hasattr(command, "commands") else None
    _flags_without_values(command)
    if op is None:
        return
    for noun, group in op.commands.items():
        leaves = group.commands.items() if hasattr(group, "commands") else [(noun, group)]
        for verb, leaf in leaves:
            decorate_verb(noun, verb, leaf)


def decorate_verb(noun: str, verb: str, leaf: Any) -> None:
    """One `op` verb: flags without a `<bool>` value, positionals marked required,
    an example and the global options in its help."""
    from greentic_deployer.cli.examples import EXAMPLES

    _flags_without_values(leaf)
    _mark_required(leaf)
    example = EXAMPLES.get((noun, verb))
    parts = [f"[bold]Example[/bold]: {example}"] if example else []
    leaf.epilog = "\n\n".join([*parts, GLOBAL_OPTIONS_EPILOG])


def _flags_without_values(command: Any) -> None:
    """Show `--confirm`, not `--confirm <bool>` (a flag takes no value)."""
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    # `-h/--help` is built per context; clear its metavar each time it is made.
    make_help = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _flags_without_values(sub)


def _mark_required(command: Any) -> None:
    """Positionals are required on the inline path; `--schema`/`--answers` may omit them, so
    parsing keeps them optional and the verb enforces them (`common.require_arguments`)."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.__class__ = RequiredInHelp
            param.required = True


class RequiredInHelp(TyperArgument):
    """A positional shown as required in usage and help; the verb checks presence itself."""

    def value_is_missing(self, value: Any) -> bool:
        """Never missing at parse time (see `_mark_required`)."""
        return False
