"""The conformance bench: its fixed fixture, and that it catches each broken clause."""

from __future__ import annotations

from typing import Any

import pytest

from greentic_deployer.packs.conformance import (
    CHECKS,
    DEPLOYMENT_A,
    DEPLOYMENT_B,
    R_ARCHIVE,
    R_DRAIN,
    R_WARM,
    UNKNOWN_REVISION,
    ZERO_DIGEST,
    Clause,
    ConformanceFailure,
    ConformanceReport,
    assert_conformant,
    build_fixture,
    fixture_with_invalid_split,
    fixture_without_split,
    run_conformance,
)
from greentic_deployer.packs.contract import (
    JsonObject,
    ProviderError,
    TrafficSplitOutcome,
    enforce_split_invariants,
    require_revision,
)
from greentic_deployer.packs.local_process.deployer import LocalProcessDeployer
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.runtime_config import RuntimeConfig, materialize_runtime_config

# -- the fixture ---------------------------------------------------------------------------------


def test_fixture_is_the_documented_environment() -> None:
    env = build_fixture()
    env.validate()
    assert env.environment_id == "conformance"
    assert env.host_config.env_id == "conformance"
    assert (ulid_from_int(1), ulid_from_int(2)) == (DEPLOYMENT_A, DEPLOYMENT_B)
    assert (
        ulid_from_int(0x10),
        ulid_from_int(0x20),
        ulid_from_int(0x30),
    ) == (R_WARM, R_DRAIN, R_ARCHIVE)
    assert ulid_from_int(0xFFFF) == UNKNOWN_REVISION
    assert [(b.deployment_id, b.bundle_id, b.customer_id) for b in env.bundles] == [
        (DEPLOYMENT_A, "bundle.a", "conformance-customer"),
        (DEPLOYMENT_B, "bundle.b", "conformance-customer"),
    ]
    for bundle in env.bundles:
        assert bundle.route_binding.hosts == [f"{bundle.bundle_id}.conformance.local"]
        assert [(r.party_id, r.basis_points) for r in bundle.revenue_share] == [
            ("greentic", 10_000)
        ]
        assert bundle.created_at == "2026-01-01T00:00:00Z"
    assert [(r.revision_id, r.deployment_id, r.lifecycle) for r in env.revisions] == [
        (R_WARM, DEPLOYMENT_A, Lifecycle.ready),
        (R_DRAIN, DEPLOYMENT_A, Lifecycle.ready),
        (R_ARCHIVE, DEPLOYMENT_B, Lifecycle.inactive),
    ]
    for revision in env.revisions:
        assert revision.drain_seconds == 30
        assert revision.created_at == "2026-01-01T00:00:00Z"
        assert [(p.pack_id, p.version, p.digest) for p in revision.pack_list] == [
            ("greentic.fixture.pack", "0.0.0", ZERO_DIGEST)
        ]
    assert [
        (s.deployment_id, s.generation, [(e.revision_id, e.weight_bps) for e in s.entries])
        for s in env.traffic_splits
    ] == [
        (DEPLOYMENT_A, 1, [(R_WARM, 5000), (R_DRAIN, 5000)]),
        (DEPLOYMENT_B, 1, [(R_ARCHIVE, 10_000)]),
    ]


def test_fixture_variants_leave_the_original_alone() -> None:
    env = build_fixture()
    invalid = fixture_with_invalid_split(env)
    assert [e.weight_bps for e in invalid.traffic_splits[0].entries] == [4000, 5000]
    assert invalid.traffic_splits[1] == env.traffic_splits[1]
    missing = fixture_without_split(env)
    assert [s.deployment_id for s in missing.traffic_splits] == [DEPLOYMENT_B]
    assert env == build_fixture()


def test_fixture_is_deterministic(conformance_fixture_env: Environment) -> None:
    assert conformance_fixture_env.to_json_dict() == build_fixture().to_json_dict()


# -- broken deployers ------------------------------------------------------------------------------


class FailingStage(LocalProcessDeployer):
    """Its provider always fails."""

    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        raise ProviderError("registry unreachable")


class OneShotWarm(LocalProcessDeployer):
    """Warming twice fails: not idempotent."""

    def __init__(self) -> None:
        self.warm: set[str] = set()

    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        require_revision(env, revision_id)
        if revision_id in self.warm:
            raise ProviderError("worker already exists")
        self.warm.add(revision_id)


class OneShotSplit(LocalProcessDeployer):
    """Re-applying the same split fails."""

    def __init__(self) -> None:
        self.applied: set[str] = set()

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        outcome = enforce_split_invariants(env, deployment_id)
        if deployment_id in self.applied:
            raise ProviderError("config map already exists")
        self.applied.add(deployment_id)
        return outcome


class DrainAcceptsUnknown(LocalProcessDeployer):
    """Skips the revision precondition on drain."""

    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        return None


class ArchiveWrongError(LocalProcessDeployer):
    """Reports an unknown revision as a provider failure."""

    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        if env.revision(revision_id) is None:
            raise ProviderError(f"no worker for {revision_id}")


class AcceptsInvalidSplit(LocalProcessDeployer):
    """Never checks the sum."""

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        split = env.split_for(deployment_id)
        if split is None:
            return enforce_split_invariants(env, deployment_id)
        return TrafficSplitOutcome(deployment_id, tuple(split.entries))


class InvalidSplitWrongError(LocalProcessDeployer):
    """Checks the sum, but with the wrong error."""

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        split = env.split_for(deployment_id)
        if split is not None and sum(e.weight_bps for e in split.entries) != 10_000:
            raise ValueError("weights do not add up")
        return enforce_split_invariants(env, deployment_id)


class AcceptsMissingSplit(LocalProcessDeployer):
    """Treats a missing split as an empty one."""

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        if env.split_for(deployment_id) is None:
            return TrafficSplitOutcome(deployment_id, ())
        return enforce_split_invariants(env, deployment_id)


class MissingSplitWrongError(LocalProcessDeployer):
    """Looks the split up with a KeyError."""

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        splits = {s.deployment_id: s for s in env.traffic_splits}
        return enforce_split_invariants(env, splits[deployment_id].deployment_id)


class AppliesAForEveryone(LocalProcessDeployer):
    """Returns deployment A's entries whatever was asked."""

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        enforce_split_invariants(env, deployment_id)
        a = enforce_split_invariants(env, DEPLOYMENT_A)
        return TrafficSplitOutcome(deployment_id, a.applied_entries)


class WrongDeploymentId(LocalProcessDeployer):
    """Applies the right entries but names another deployment."""

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        outcome = enforce_split_invariants(env, deployment_id)
        return TrafficSplitOutcome(ulid_from_int(0xDEAD), outcome.applied_entries)


class DropsDrainingRevisions(LocalProcessDeployer):
    """Filters the projection by lifecycle, which breaks the per-deployment 10000 bps sum."""

    async def report_runtime_config(self, env: Environment) -> RuntimeConfig:
        full = materialize_runtime_config(env)
        live = [b for b in full.revisions if b.revision_id != R_ARCHIVE]
        return full.model_copy(update={"revisions": live})


class ProjectionExplodes(LocalProcessDeployer):
    """Cannot report its projection at all."""

    async def report_runtime_config(self, env: Environment) -> RuntimeConfig:
        raise ProviderError("router unreachable")


@pytest.mark.parametrize(
    ("deployer_type", "clause", "check", "verb", "detail"),
    [
        (FailingStage, Clause.HappyPathFailed, 1, "stage_revision", "registry unreachable"),
        (OneShotWarm, Clause.NotIdempotent, 2, "warm_revision", "worker already exists"),
        (DrainAcceptsUnknown, Clause.UnknownRevisionAccepted, 5, "drain_revision", "got success"),
        (
            ArchiveWrongError,
            Clause.UnknownRevisionWrongError,
            5,
            "archive_revision",
            "ProviderError",
        ),
        (AcceptsInvalidSplit, Clause.InvalidSplitAccepted, 6, "apply_traffic_split", "9000"),
        (
            InvalidSplitWrongError,
            Clause.InvalidSplitWrongError,
            6,
            "apply_traffic_split",
            "ValueError",
        ),
        (
            AcceptsMissingSplit,
            Clause.SplitNotFoundAccepted,
            7,
            "apply_traffic_split",
            "no recorded split",
        ),
        (
            MissingSplitWrongError,
            Clause.SplitNotFoundWrongError,
            7,
            "apply_traffic_split",
            "KeyError",
        ),
        (OneShotSplit, Clause.NotIdempotent, 8, "apply_traffic_split", "deployment A"),
        (
            AppliesAForEveryone,
            Clause.CrossDeploymentInterference,
            9,
            "apply_traffic_split",
            "deployment B",
        ),
        (
            WrongDeploymentId,
            Clause.CrossDeploymentInterference,
            9,
            "apply_traffic_split",
            "names deployment",
        ),
        (
            DropsDrainingRevisions,
            Clause.RuntimeConfigDrift,
            10,
            "report_runtime_config",
            "materialize_runtime_config",
        ),
        (
            ProjectionExplodes,
            Clause.HappyPathFailed,
            10,
            "report_runtime_config",
            "router unreachable",
        ),
    ],
)
async def test_bench_catches_the_broken_clause(
    deployer_type: type[LocalProcessDeployer], clause: Clause, check: int, verb: str, detail: str
) -> None:
    report = await run_conformance(deployer_type())
    assert not report.passed
    failure = report.failure
    assert failure is not None
    assert (failure.clause, failure.check, failure.verb) == (clause, check, verb)
    assert report.checks_run == check
    assert detail in failure.detail
    with pytest.raises(AssertionError) as caught:
        await assert_conformant(deployer_type())  # a fresh instance: some broken ones keep state
    message = str(caught.value)
    assert f"{deployer_type.__name__} is not conformant" in message
    assert f"check {check} ({CHECKS[check - 1]}) failed: {clause.value} in {verb}" in message


async def test_the_bench_stops_at_the_first_failure() -> None:
    class Recorder(DrainAcceptsUnknown):
        def __init__(self) -> None:
            self.calls: list[str] = []

        async def apply_traffic_split(
            self, env: Environment, deployment_id: str, answers: JsonObject | None
        ) -> TrafficSplitOutcome:
            self.calls.append(deployment_id)
            return await super().apply_traffic_split(env, deployment_id, answers)

    deployer = Recorder()
    report = await run_conformance(deployer)
    assert report.failure is not None and report.failure.check == 5
    assert deployer.calls == []  # checks 6-10 never ran


async def test_failures_keep_the_raised_error() -> None:
    report = await run_conformance(FailingStage())
    assert report.failure is not None
    assert isinstance(report.failure.error, ProviderError)


async def test_answers_reach_the_verbs_that_take_them() -> None:
    seen: list[tuple[str, Any]] = []

    class Spy(LocalProcessDeployer):
        async def warm_revision(
            self, env: Environment, revision_id: str, answers: JsonObject | None
        ) -> None:
            seen.append(("warm", answers))
            await super().warm_revision(env, revision_id, answers)

        async def archive_revision(
            self, env: Environment, revision_id: str, answers: JsonObject | None
        ) -> None:
            seen.append(("archive", answers))
            await super().archive_revision(env, revision_id, answers)

        async def apply_traffic_split(
            self, env: Environment, deployment_id: str, answers: JsonObject | None
        ) -> TrafficSplitOutcome:
            seen.append(("split", answers))
            return await super().apply_traffic_split(env, deployment_id, answers)

    answers = {"namespace": "gtc-conformance"}
    report = await run_conformance(Spy(), answers=answers)
    assert report.passed
    assert {verb for verb, _ in seen} == {"warm", "archive", "split"}
    assert all(given is answers for _, given in seen)


async def test_a_synchronous_projection_is_judged_by_value() -> None:
    class SyncProjection(LocalProcessDeployer):
        def report_runtime_config(self, env: Environment) -> RuntimeConfig:  # type: ignore[override]
            return materialize_runtime_config(env)

    assert (await run_conformance(SyncProjection())).passed  # type: ignore[arg-type]


def test_failure_and_report_rendering() -> None:
    failure = ConformanceFailure(Clause.RuntimeConfigDrift, 10, "report_runtime_config", "differs")
    assert str(failure) == (
        "check 10 (report_runtime_config equals the pure materialization) failed: "
        "RuntimeConfigDrift in report_runtime_config: differs"
    )
    assert not ConformanceReport(checks_run=10, failure=failure).passed
    assert not ConformanceReport(checks_run=3).passed
    assert ConformanceReport(checks_run=10).passed
    assert len(CHECKS) == 10
    assert {c.value for c in Clause} == {
        "HappyPathFailed",
        "NotIdempotent",
        "UnknownRevisionAccepted",
        "UnknownRevisionWrongError",
        "InvalidSplitAccepted",
        "InvalidSplitWrongError",
        "SplitNotFoundAccepted",
        "SplitNotFoundWrongError",
        "CrossDeploymentInterference",
        "RuntimeConfigDrift",
    }
