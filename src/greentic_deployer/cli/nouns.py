"""The `op` nouns, each built into its click group only when a command line names it.

Typer turns every registered sub-app into click commands on each start-up; importing and
converting all nouns to run one verb was a large share of the CLI's start-up. The `op`
group lists the nouns below and builds one of them on first lookup.
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches

import typer
import typer.main
from typer._click import Command, Context
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.models import TyperInfo

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


class LazyNounGroup(TyperGroup):
    """A Typer group whose `NOUNS` sub-groups are imported and built on first lookup."""

    # Typer passes this down from the root app; the root keeps typer's default.
    pretty_exceptions_short = True

    def list_commands(self, ctx: Context) -> list[str]:
        """Directly registered commands first (as typer lists them), then the nouns."""
        return [name for name in self.commands if name not in NOUNS] + list(NOUNS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command or noun group named `cmd_name`, building a noun on first use."""
        found = self.commands.get(cmd_name)
        if found is None and cmd_name in NOUNS:
            found = typer.main.get_group_from_info(
                TyperInfo(noun_app(cmd_name), name=cmd_name),
                pretty_exceptions_short=self.pretty_exceptions_short,
                rich_markup_mode=self.rich_markup_mode,
                suggest_commands=self.suggest_commands,
            )
            self.commands[cmd_name] = found
        return found

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """Typer's lookup, with "Did you mean" drawn from every noun, built or not."""
        # Typer suggests from the commands built so far, which would leave the nouns out.
        suggest, self.suggest_commands = self.suggest_commands, False
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
