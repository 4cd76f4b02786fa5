"""The `op` nouns and their verbs, each built into a click command only when used.

Typer turns every registered sub-app and command into click objects on each start-up, which
reads every command's signature; doing that for every noun to run one verb was a large share
of the CLI's start-up. The `op` group lists the nouns below and builds one on first lookup;
a noun group likewise builds only the verb that is looked up (all of them for `--help`).
"""

from __future__ import annotations

import copy
import importlib
from difflib import get_close_matches

import typer
import typer.main
from typer._click import Command, Context
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

# noun → module under greentic_deployer.cli defining `app`; the order is the help listing order.
NOUNS: dict[str, str] = {
    "env": "env",
    "env-packs": "env_packs",
    "bundles": "bundles",
    "revisions": "revisions",
    "traffic": "traffic",
    "credentials": "credentials",
}


def noun_app(noun: str) -> typer.Typer:
    """The Typer sub-app of `noun` (imports its module)."""
    module = importlib.import_module(f"greentic_deployer.cli.{NOUNS[noun]}")
    app: typer.Typer = module.app
    return app


class _OnDemandGroup(TyperGroup):
    """A Typer group whose deferred subcommands are built on first lookup."""

    # Typer passes this down from the root app; the root keeps typer's default.
    pretty_exceptions_short = True
    # suggest_commands as configured, while resolve_command turns typer's own suggestions off.
    suggesting: bool | None = None

    def deferred(self) -> list[str]:
        """Names of the subcommands built on demand, in help order."""
        return []

    def build(self, name: str) -> Command:
        """Build the deferred subcommand `name`."""
        raise NotImplementedError(name)

    def list_commands(self, ctx: Context) -> list[str]:
        """Directly registered commands first (as typer lists them), then the deferred ones."""
        deferred = self.deferred()
        return [name for name in self.commands if name not in deferred] + deferred

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The subcommand named `cmd_name`, built on first use."""
        found = self.commands.get(cmd_name)
        if found is None and cmd_name in self.deferred():
            found = self.commands[cmd_name] = self.build(cmd_name)
        return found

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """Typer's lookup, with "Did you mean" drawn from every subcommand, built or not."""
        # Typer suggests from the commands built so far, which would leave the rest out.
        suggest = self.suggesting = self.suggest_commands
        self.suggest_commands = False
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if suggest and matches:
                names = ", ".join(f"{m!r}" for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {names}?"
            raise
        finally:
            self.suggest_commands = suggest
            self.suggesting = None


class LazyVerbGroup(_OnDemandGroup):
    """One noun's group: its verbs (`pending`) are built from their CommandInfo on lookup."""

    pending: dict[str, CommandInfo]

    def deferred(self) -> list[str]:
        """The noun's verbs, in registration order."""
        return list(self.pending)

    def build(self, name: str) -> Command:
        """Typer's click command for the verb `name`, with the help conventions applied."""
        from greentic_deployer.cli.conventions import decorate_verb

        command = typer.main.get_command_from_info(
            self.pending[name],
            pretty_exceptions_short=self.pretty_exceptions_short,
            rich_markup_mode=self.rich_markup_mode,
        )
        decorate_verb(self.name or "", name, command)
        return command


class LazyNounGroup(_OnDemandGroup):
    """The `op` group: each noun in `NOUNS` is imported and built on first lookup."""

    def deferred(self) -> list[str]:
        """Every noun."""
        return list(NOUNS)

    def build(self, name: str) -> Command:
        """The noun's group, with its verbs left to build on lookup."""
        sub = noun_app(name)
        # A copy without commands gives typer's group (help, callback, settings) at no cost.
        shell = copy.copy(sub)
        shell.registered_commands = []
        group = typer.main.get_group_from_info(
            TyperInfo(shell, name=name, cls=LazyVerbGroup),
            pretty_exceptions_short=self.pretty_exceptions_short,
            rich_markup_mode=self.rich_markup_mode,
            suggest_commands=self.suggest_commands if self.suggesting is None else self.suggesting,
        )
        assert isinstance(group, LazyVerbGroup)
        group.pending = {
            info.name or typer.main.get_command_name(_callback_name(info)): info
            for info in sub.registered_commands
        }
        return group


def _callback_name(info: CommandInfo) -> str:
    assert info.callback is not None, "a typer command always has a callback"
    return info.callback.__name__
