"""The Deployer contract's typed errors and shared preconditions."""

from __future__ import annotations

import pytest

from greentic_deployer.engine import lookup
from greentic_deployer.engine.errors import RevisionNotFoundError, SplitNotFoundError
from greentic_deployer.packs.conformance import (
    DEPLOYMENT_A,
    DEPLOYMENT_B,
    R_ARCHIVE,
    R_DRAIN,
    R_WARM,
    fixture_with_invalid_split,
    fixture_without_split,
)
from greentic_deployer.packs.contract import (
    Deployer,
    DeployerBase,
    DeployerError,
    InvalidAnswersError,
    InvalidSplit,
    ProviderError,
    RevisionNotFound,
    SplitNotFound,
    TrafficSplitOutcome,
    enforce_split_invariants,
    require_revision,
)
from greentic_deployer.packs.local_process.deployer import LocalProcessDeployer
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, GreenticError, NotFoundError
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.spec.traffic import TrafficEntry


def test_require_revision_returns_the_revision(fixture_env: Environment) -> None:
    revision = require_revision(fixture_env, R_DRAIN)
    assert revision.revision_id == R_DRAIN
    assert revision.deployment_id == DEPLOYMENT_A


def test_require_revision_compares_ulids_by_value(fixture_env: Environment) -> None:
    assert require_revision(fixture_env, R_WARM.lower()).revision_id == R_WARM


@pytest.mark.parametrize("revision_id", [ulid_from_int(0xFFFF), "not-a-ulid", ""])
def test_require_revision_rejects_unknown_ids(fixture_env: Environment, revision_id: str) -> None:
    with pytest.raises(RevisionNotFound) as caught:
        require_revision(fixture_env, revision_id)
    err = caught.value
    assert (err.env_id, err.revision_id) == ("conformance", revision_id)
    assert err.kind == "not-found"
    assert isinstance(err, DeployerError)
    assert isinstance(err, NotFoundError)
    assert f"revision {revision_id} not found in environment `conformance`" == str(err)


def test_contract_not_found_errors_are_the_engine_classes(fixture_env: Environment) -> None:
    """Guards the split where the engine and the contract each had their own not-found classes."""
    assert RevisionNotFound is RevisionNotFoundError
    assert SplitNotFound is SplitNotFoundError
    assert require_revision is lookup.require_revision
    with pytest.raises(DeployerError):
        lookup.require_revision(fixture_env, ulid_from_int(0xFFFF))
    split_error = SplitNotFoundError("conformance", DEPLOYMENT_A)
    assert isinstance(split_error, DeployerError) and split_error.kind == "not-found"


def test_split_outcome_is_exactly_the_recorded_entries(fixture_env: Environment) -> None:
    outcome = enforce_split_invariants(fixture_env, DEPLOYMENT_A)
    assert outcome == TrafficSplitOutcome(
        applied_deployment_id=DEPLOYMENT_A,
        applied_entries=(
            TrafficEntry(revision_id=R_WARM, weight_bps=5000),
            TrafficEntry(revision_id=R_DRAIN, weight_bps=5000),
        ),
    )
    outcome_b = enforce_split_invariants(fixture_env, DEPLOYMENT_B)
    assert outcome_b.applied_deployment_id == DEPLOYMENT_B
    assert outcome_b.applied_entries == (TrafficEntry(revision_id=R_ARCHIVE, weight_bps=10_000),)


def test_missing_split_is_split_not_found(fixture_env: Environment) -> None:
    with pytest.raises(SplitNotFound) as caught:
        enforce_split_invariants(fixture_without_split(fixture_env), DEPLOYMENT_A)
    assert (caught.value.env_id, caught.value.deployment_id) == ("conformance", DEPLOYMENT_A)
    assert caught.value.kind == "not-found"


def test_unknown_deployment_is_split_not_found(fixture_env: Environment) -> None:
    with pytest.raises(SplitNotFound):
        enforce_split_invariants(fixture_env, ulid_from_int(0xBEEF))


def test_bad_sum_is_invalid_split(fixture_env: Environment) -> None:
    with pytest.raises(InvalidSplit) as caught:
        enforce_split_invariants(fixture_with_invalid_split(fixture_env), DEPLOYMENT_A)
    assert (caught.value.deployment_id, caught.value.sum) == (DEPLOYMENT_A, 9000)
    assert caught.value.kind == "conflict"
    assert "actual=9000" in str(caught.value)


def test_sum_does_not_wrap_around_32_bits(fixture_env: Environment) -> None:
    # u32::MAX + 10001 wraps to exactly 10000 in 32-bit arithmetic; the check must not wrap.
    weights = (2**32 - 1, 10_001)
    assert sum(weights) % 2**32 == 10_000
    split = fixture_env.traffic_splits[0].model_copy(
        update={
            "entries": [
                TrafficEntry(revision_id=R_WARM, weight_bps=weights[0]),
                TrafficEntry(revision_id=R_DRAIN, weight_bps=weights[1]),
            ]
        }
    )
    env = fixture_env.model_copy(update={"traffic_splits": [split]})
    with pytest.raises(InvalidSplit) as caught:
        enforce_split_invariants(env, DEPLOYMENT_A)
    assert caught.value.sum == 2**32 + 10_000


def test_error_kinds_and_messages() -> None:
    provider = ProviderError("kubectl apply failed")
    assert provider.kind == "conflict"
    assert str(provider) == "provider failure: kubectl apply failed"
    assert provider.detail == "kubectl apply failed"
    answers = InvalidAnswersError("unknown answer key `x`")
    assert answers.kind == "conflict"
    assert isinstance(answers, ConflictError)
    assert isinstance(answers, GreenticError)
    assert str(answers) == "invalid answers: unknown answer key `x`"


def test_deployer_base_requires_every_verb() -> None:
    class Partial(DeployerBase):
        async def stage_revision(self, env: Environment, revision_id: str) -> None:
            """Only one verb."""

    with pytest.raises(TypeError, match="abstract"):
        Partial()  # type: ignore[abstract]


async def test_deployer_base_projection_is_the_materialization(fixture_env: Environment) -> None:
    deployer = LocalProcessDeployer()
    assert isinstance(deployer, Deployer)
    reported = await deployer.report_runtime_config(fixture_env)
    assert reported == materialize_runtime_config(fixture_env)
    assert [b.revision_id for b in reported.revisions] == [R_WARM, R_DRAIN, R_ARCHIVE]
