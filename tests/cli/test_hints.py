"""Next-step hints are added at the CLI edge; lower layers keep neutral messages."""

from __future__ import annotations

import json

import pytest
import typer

from greentic_deployer.cli.envelope import run_verb
from greentic_deployer.cli.globals import GlobalOptions
from greentic_deployer.cli.hints import user_message, with_hint
from greentic_deployer.engine.errors import (
    BindingNotFoundError,
    DeploymentNotFoundError,
    RevisionNotFoundError,
    SplitNotFoundError,
)
from greentic_deployer.spec.errors import ConflictError, GreenticError

RID = "01HZX0000000000000000000AA"


def fail_with(exc: GreenticError) -> None:
    raise exc


def test_the_envelope_prints_the_message_then_the_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The printed message is byte-identical to the one that carried the hint itself."""
    with pytest.raises(typer.Exit):
        run_verb(
            "traffic",
            "show",
            GlobalOptions(),
            lambda: fail_with(SplitNotFoundError("staging", RID)),
        )
    error = json.loads(capsys.readouterr().err)["error"]
    assert error == {
        "kind": "not-found",
        "message": f"deployment {RID} in environment `staging` has no traffic split; "
        "set one with `op traffic set`",
    }


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            RevisionNotFoundError("local", RID),
            f"revision {RID} not found in environment `local`; "
            "list revisions with `op revisions list`",
        ),
        (
            DeploymentNotFoundError("local", RID),
            f"deployment {RID} not found in environment `local`; "
            "list deployments with `op bundles list`",
        ),
        (
            BindingNotFoundError("local", "secrets"),
            "slot `secrets` is not bound in environment `local`; bind it with `op env-packs add`",
        ),
    ],
)
def test_not_found_errors_get_their_next_step(exc: GreenticError, message: str) -> None:
    assert "`op " not in exc.message  # the engine names no CLI verb
    assert user_message(exc) == message


def test_an_error_without_a_hint_prints_its_message_alone() -> None:
    exc = ConflictError("something clashed")
    assert with_hint(exc).hint is None
    assert user_message(exc) == "something clashed"
