"""Next-step hints are added at the CLI edge; lower layers keep neutral messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

from greentic_deployer.cli.envelope import run_verb
from greentic_deployer.cli.globals import GlobalOptions
from greentic_deployer.cli.hints import shown_message, user_message, with_hint
from greentic_deployer.engine.errors import (
    BindingConflictError,
    BindingNotFoundError,
    DeploymentNotFoundError,
    DuplicateDeploymentError,
    LifecycleConflictError,
    RevisionNotFoundError,
    SplitNotFoundError,
)
from greentic_deployer.spec.errors import ConflictError, GreenticError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.store.errors import EnvNotFoundError

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


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            LifecycleConflictError(RID, Lifecycle.staged, [Lifecycle.warming]),
            f"revision {RID} is `staged`, expected one of `warming`; "
            "check its lifecycle with `op revisions list`",
        ),
        (
            DuplicateDeploymentError("prod", "b", "c", RID),
            f"bundle `b` is already deployed for customer `c` in environment `prod` as "
            f"deployment {RID}; change it with `op bundles update`",
        ),
        (
            BindingConflictError("prod", "deployer", "greentic.deployer.k8s@1.0.0"),
            "slot `deployer` of environment `prod` is already bound to "
            "`greentic.deployer.k8s@1.0.0`; change it with `op env-packs update`",
        ),
        (
            EnvNotFoundError.for_env("prod", Path("/s")),
            "environment `prod` not found under /s; "
            "create it with `gtc op env create` or `gtc op env init`",
        ),
    ],
)
def test_remedies_end_the_error_line_in_text_and_json(
    exc: GreenticError, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Guards lower layers naming CLI verbs: the edge adds them, the output is unchanged."""
    assert "op " not in exc.message
    assert shown_message(exc) == message
    with pytest.raises(typer.Exit):
        run_verb("env", "show", GlobalOptions(output="text"), lambda: fail_with(exc))
    assert capsys.readouterr().err == f"Error: {message}\n"


def test_a_lifecycle_conflict_with_a_neutral_way_out_gets_no_remedy() -> None:
    exc = LifecycleConflictError(RID, Lifecycle.staged, [Lifecycle.ready])
    expected = f"revision {RID} is `staged`, expected one of `ready`; warm it first"
    assert shown_message(exc) == expected
