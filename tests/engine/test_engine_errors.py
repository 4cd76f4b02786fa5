"""Error kinds, attributes and message wording of the engine's typed errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from greentic_deployer.engine.errors import (
    ActiveTrafficReferenceError,
    AdmissionError,
    BindingConflictError,
    BindingNotFoundError,
    BundleStillLiveError,
    CommitOnError,
    DeploymentNotFoundError,
    DuplicateDeploymentError,
    DuplicateRevisionError,
    HealthGateFailedError,
    IdempotencyConflictError,
    InvalidTransitionError,
    LifecycleConflictError,
    RevisionNotFoundError,
    SplitNotFoundError,
    lifecycle_hint,
)
from greentic_deployer.spec.errors import ConflictError, GreenticError, NotFoundError
from greentic_deployer.spec.revision import Lifecycle

if TYPE_CHECKING:
    from tests.engine.conftest import EnvBuilder

L = Lifecycle
RID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
DID = "01BX5ZZKBKACTAV9WEVGEMMVRZ"


def test_not_found_family() -> None:
    for err in (
        RevisionNotFoundError("prod", RID),
        DeploymentNotFoundError("prod", DID),
        SplitNotFoundError("prod", DID),
        BindingNotFoundError("prod", "deployer"),
    ):
        assert isinstance(err, NotFoundError)
        assert err.kind == "not-found"
        assert "`prod`" in str(err)
        assert "`op " not in str(err)  # the next step is the CLI's hint (cli/hints.py)


def test_conflict_family() -> None:
    errors: list[ConflictError] = [
        DuplicateRevisionError("prod", RID),
        InvalidTransitionError(RID, L.staged, L.ready),
        LifecycleConflictError(RID, L.staged, [L.ready]),
        ActiveTrafficReferenceError(
            RID, [{"deployment_id": DID, "bundle_id": "b", "weight_bps": 0}]
        ),
        AdmissionError(AdmissionError.NOT_READY, RID, DID, L.staged),
        IdempotencyConflictError("k", DID),
        BundleStillLiveError(DID, 1, 0),
        DuplicateDeploymentError("prod", "b", "c", DID),
        BindingConflictError("prod", "deployer", "greentic.deployer.k8s@1.0.0"),
    ]
    for err in errors:
        assert err.kind == "conflict"
        assert str(err) == err.message


def test_lifecycle_conflict_message_matches_brief() -> None:
    err = LifecycleConflictError(RID, L.staged, [L.ready])
    assert str(err) == f"revision {RID} is `staged`, expected one of `ready`; warm it first"
    assert err.actual == L.staged
    assert err.expected_starts == [L.ready]


def test_lifecycle_conflict_custom_hint() -> None:
    err = LifecycleConflictError(RID, L.warming, [L.staged], hint="re-read it")
    assert str(err).endswith("expected one of `staged`; re-read it")


@pytest.mark.parametrize(
    ("actual", "expected", "fragment"),
    [
        (L.archived, [L.staged], "terminal"),
        (L.failed, [L.staged, L.warming], "can only be archived"),
        (L.draining, [L.staged], "draining"),
        (L.inactive, [L.ready], "inactive"),
        (L.staged, [L.ready], "warm it first"),
        (L.warming, [L.ready], "finish warming"),
        (L.ready, [L.staged], "already ready"),
    ],
)
def test_lifecycle_hints(actual: L, expected: list[L], fragment: str) -> None:
    assert fragment in (lifecycle_hint(actual, expected) or "")


def test_lifecycle_conflict_without_a_neutral_way_out_names_no_verb() -> None:
    """Guards the engine naming a CLI verb (`op revisions list`) in its message."""
    assert lifecycle_hint(L.staged, [L.warming]) is None
    err = LifecycleConflictError(RID, L.staged, [L.warming])
    assert str(err) == f"revision {RID} is `staged`, expected one of `warming`"
    assert err.way_out is None


def test_admission_missing_message() -> None:
    err = AdmissionError(AdmissionError.REVISION_MISSING, RID, DID)
    assert err.reason == "AdmissionRevisionMissing"
    assert err.lifecycle is None
    assert str(err).startswith("AdmissionRevisionMissing: ")
    assert RID in str(err)
    assert DID in str(err)


def test_active_traffic_reference_lists_every_split() -> None:
    splits = [
        {"deployment_id": DID, "bundle_id": "b", "weight_bps": 0},
        {"deployment_id": RID, "bundle_id": "c", "weight_bps": 2500},
    ]
    err = ActiveTrafficReferenceError(RID, splits)
    assert err.splits == splits
    assert f"deployment {DID} at 0 bps" in str(err)
    assert f"deployment {RID} at 2500 bps" in str(err)


def test_health_gate_failed_is_commit_on_error(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.failed).build()
    err = HealthGateFailedError(builder.rev(1), ["signature-status"], "unsigned", env)
    assert isinstance(err, CommitOnError)
    assert isinstance(err, GreenticError)
    assert err.kind == "conflict"
    assert err.environment is env
    assert err.failed_checks == ["signature-status"]
    assert err.gate_message == "unsigned"
    assert str(err).startswith(f"HealthGateFailed: revision {builder.rev(1)} failed")


def test_commit_on_error_carries_environment(builder: EnvBuilder) -> None:
    env = builder.build()
    err = CommitOnError("persist me", env)
    assert err.environment is env
    assert err.message == "persist me"


def test_duplicate_deployment_variants() -> None:
    pair = DuplicateDeploymentError("prod", "b", "c", DID)
    assert pair.existing_deployment_id == DID
    assert (pair.bundle_id, pair.customer_id) == ("b", "c")
    same = DuplicateDeploymentError("prod", "b", "c", DID, same_id=True)
    assert f"deployment id {DID} already exists" in str(same)
