"""`op env-packs …` commands."""

from __future__ import annotations

from typing import Annotated

import typer

from greentic_deployer.cli import verbs
from greentic_deployer.cli.options import EnvArg, KeyOpt
from greentic_deployer.cli.payload_verb import run_payload_verb, run_positional_verb

app = typer.Typer(
    help="Bind capability slots (deployer, secrets, …) to pack kinds.", no_args_is_help=True
)

SlotOpt = Annotated[
    str | None,
    typer.Option(help="deployer, secrets, telemetry, sessions, state or revocation."),
]
KindOpt = Annotated[str | None, typer.Option(help="Pack kind, <path>@<semver>.")]
PackRefOpt = Annotated[str | None, typer.Option("--pack-ref", help="Pack reference.")]
AnswersRefOpt = Annotated[
    str | None,
    typer.Option(
        "--answers-ref", help="Env-relative wizard answers file (env-packs/<slot>/answers.json)."
    ),
]


def _binding_verb(
    ctx: typer.Context,
    verb: str,
    environment_id: str | None,
    slot: str | None,
    kind: str | None,
    pack_ref: str | None,
    answers_ref: str | None,
    idempotency_key: str | None,
) -> None:
    """`add` and `update` take the same binding payload."""
    run_payload_verb(
        ctx,
        verbs.ENV_PACKS_ADD if verb == "add" else verbs.ENV_PACKS_UPDATE,
        {
            "environment_id": environment_id,
            "slot": slot,
            "kind": kind,
            "pack_ref": pack_ref,
            "answers_ref": answers_ref,
            "idempotency_key": idempotency_key,
        },
    )


@app.command()
def add(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    slot: SlotOpt = None,
    kind: KindOpt = None,
    pack_ref: PackRefOpt = None,
    answers_ref: AnswersRefOpt = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Bind an unbound slot."""
    _binding_verb(ctx, "add", environment_id, slot, kind, pack_ref, answers_ref, idempotency_key)


@app.command()
def update(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    slot: SlotOpt = None,
    kind: KindOpt = None,
    pack_ref: PackRefOpt = None,
    answers_ref: AnswersRefOpt = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Rebind a bound slot (generation + 1; the previous binding is kept for rollback)."""
    _binding_verb(ctx, "update", environment_id, slot, kind, pack_ref, answers_ref, idempotency_key)


@app.command()
def remove(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    slot: SlotOpt = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Unbind a slot."""
    run_payload_verb(
        ctx,
        verbs.ENV_PACKS_REMOVE,
        {"environment_id": environment_id, "slot": slot, "idempotency_key": idempotency_key},
    )


@app.command()
def rollback(
    ctx: typer.Context,
    environment_id: EnvArg = None,
    slot: SlotOpt = None,
    idempotency_key: KeyOpt = None,
) -> None:
    """Restore a slot's previous binding (one step)."""
    run_payload_verb(
        ctx,
        verbs.ENV_PACKS_ROLLBACK,
        {"environment_id": environment_id, "slot": slot, "idempotency_key": idempotency_key},
    )


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    environment_id: Annotated[str | None, typer.Argument(help="Environment id.")] = None,
) -> None:
    """List an environment's bindings."""
    run_positional_verb(ctx, verbs.ENV_PACKS_LIST, environment_id)
