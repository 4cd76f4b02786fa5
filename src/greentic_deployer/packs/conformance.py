"""The conformance bench every Deployer must pass.

`run_conformance` drives a deployer through a fixed two-deployment, three-revision environment
built in memory (no store, fixed clock) and checks the contract: idempotent verbs, typed
rejection of unknown revisions, invalid and missing splits, independence across deployments,
and a faithful runtime-config projection. It stops at the first failing clause, so a failing
pack's author has one cause to chase.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from greentic_deployer.packs.contract import (
    Deployer,
    InvalidSplit,
    JsonObject,
    RevisionNotFound,
    SplitNotFound,
)
from greentic_deployer.spec.bundle import (
    BundleDeployment,
    RevenueShareEntry,
    RouteBinding,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, PackListEntry, Revision
from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

FIXTURE_ENV_ID = "conformance"
FIXTURE_TIME = "2026-01-01T00:00:00Z"
FIXTURE_CUSTOMER = "conformance-customer"
FIXTURE_PACK = "greentic.fixture.pack"
ZERO_DIGEST = "sha256:" + "0" * 64
DEPLOYMENT_A = ulid_from_int(0x01)
DEPLOYMENT_B = ulid_from_int(0x02)
R_WARM = ulid_from_int(0x10)
R_DRAIN = ulid_from_int(0x20)
R_ARCHIVE = ulid_from_int(0x30)
UNKNOWN_REVISION = ulid_from_int(0xFFFF)
BUNDLE_A = "bundle.a"
BUNDLE_B = "bundle.b"

CHECKS: tuple[str, ...] = (
    "stage_revision is idempotent",
    "warm_revision is idempotent",
    "drain_revision is idempotent",
    "archive_revision is idempotent",
    "unknown revisions are rejected with RevisionNotFound",
    "a split not summing to 10000 bps is rejected with InvalidSplit",
    "a missing split is rejected with SplitNotFound",
    "apply_traffic_split is idempotent for every deployment",
    "apply_traffic_split reports exactly the targeted deployment's entries",
    "report_runtime_config equals the pure materialization",
)
"""The ten checks, in the order they run (check number = index + 1)."""


# -- fixture --------------------------------------------------------------------------------------


def _deployment(deployment_id: str, bundle_id: str) -> BundleDeployment:
    return BundleDeployment(
        deployment_id=deployment_id,
        env_id=FIXTURE_ENV_ID,
        bundle_id=bundle_id,
        customer_id=FIXTURE_CUSTOMER,
        route_binding=RouteBinding(hosts=[f"{bundle_id}.conformance.local"]),
        revenue_share=[RevenueShareEntry(party_id="greentic", basis_points=10_000)],
        revenue_policy_ref="revenue.json",
        created_at=FIXTURE_TIME,
    )


def _revision(
    revision_id: str, deployment_id: str, bundle_id: str, lifecycle: Lifecycle
) -> Revision:
    return Revision(
        revision_id=revision_id,
        env_id=FIXTURE_ENV_ID,
        bundle_id=bundle_id,
        deployment_id=deployment_id,
        sequence=1,
        created_at=FIXTURE_TIME,
        bundle_digest=ZERO_DIGEST,
        pack_list=[PackListEntry(pack_id=FIXTURE_PACK, version="0.0.0", digest=ZERO_DIGEST)],
        pack_list_lock_ref="pack-list.lock",
        config_digest="sha256:0000",
        signature_sidecar_ref="rev.sig",
        lifecycle=lifecycle,
        drain_seconds=30,
    )


def _split(deployment_id: str, bundle_id: str, entries: list[tuple[str, int]]) -> TrafficSplit:
    return TrafficSplit(
        env_id=FIXTURE_ENV_ID,
        deployment_id=deployment_id,
        bundle_id=bundle_id,
        generation=1,
        entries=[TrafficEntry(revision_id=rid, weight_bps=bps) for rid, bps in entries],
        updated_at=FIXTURE_TIME,
        updated_by="conformance",
        idempotency_key="conformance",
    )


def build_fixture() -> Environment:
    """The bench's environment: deployments A and B, revisions r_warm, r_drain, r_archive."""
    return Environment(
        environment_id=FIXTURE_ENV_ID,
        name=FIXTURE_ENV_ID,
        host_config=EnvironmentHostConfig(env_id=FIXTURE_ENV_ID),
        bundles=[_deployment(DEPLOYMENT_A, BUNDLE_A), _deployment(DEPLOYMENT_B, BUNDLE_B)],
        revisions=[
            _revision(R_WARM, DEPLOYMENT_A, BUNDLE_A, Lifecycle.ready),
            _revision(R_DRAIN, DEPLOYMENT_A, BUNDLE_A, Lifecycle.ready),
            _revision(R_ARCHIVE, DEPLOYMENT_B, BUNDLE_B, Lifecycle.inactive),
        ],
        traffic_splits=[
            _split(DEPLOYMENT_A, BUNDLE_A, [(R_WARM, 5000), (R_DRAIN, 5000)]),
            _split(DEPLOYMENT_B, BUNDLE_B, [(R_ARCHIVE, 10_000)]),
        ],
    )


def fixture_with_invalid_split(env: Environment) -> Environment:
    """A copy whose split for A is {r_warm 4000, r_drain 5000} (sum 9000)."""
    splits = [
        split.model_copy(
            update={
                "entries": [
                    TrafficEntry(revision_id=R_WARM, weight_bps=4000),
                    TrafficEntry(revision_id=R_DRAIN, weight_bps=5000),
                ]
            }
        )
        if split.deployment_id == DEPLOYMENT_A
        else split
        for split in env.traffic_splits
    ]
    return env.model_copy(update={"traffic_splits": splits})


def fixture_without_split(env: Environment) -> Environment:
    """A copy without A's split."""
    splits = [s for s in env.traffic_splits if s.deployment_id != DEPLOYMENT_A]
    return env.model_copy(update={"traffic_splits": splits})


# -- results --------------------------------------------------------------------------------------


class Clause(StrEnum):
    """The contract clause a failing deployer broke."""

    HappyPathFailed = "HappyPathFailed"
    NotIdempotent = "NotIdempotent"
    UnknownRevisionAccepted = "UnknownRevisionAccepted"
    UnknownRevisionWrongError = "UnknownRevisionWrongError"
    InvalidSplitAccepted = "InvalidSplitAccepted"
    InvalidSplitWrongError = "InvalidSplitWrongError"
    SplitNotFoundAccepted = "SplitNotFoundAccepted"
    SplitNotFoundWrongError = "SplitNotFoundWrongError"
    CrossDeploymentInterference = "CrossDeploymentInterference"
    RuntimeConfigDrift = "RuntimeConfigDrift"


@dataclass(frozen=True)
class ConformanceFailure:
    """The first broken clause: which check, which verb, what happened."""

    clause: Clause
    check: int
    verb: str
    detail: str
    error: Exception | None = None

    def __str__(self) -> str:
        return (
            f"check {self.check} ({CHECKS[self.check - 1]}) failed: "
            f"{self.clause.value} in {self.verb}: {self.detail}"
        )


@dataclass(frozen=True)
class ConformanceReport:
    """How far the bench got; `failure` is None when every check passed."""

    checks_run: int
    failure: ConformanceFailure | None = None

    @property
    def passed(self) -> bool:
        """True when all ten checks ran and passed."""
        return self.failure is None and self.checks_run == len(CHECKS)


class _Failed(Exception):
    """Internal: carries a failure out of a check."""

    def __init__(self, failure: ConformanceFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


class _Bench:
    """One bench run against one deployer."""

    def __init__(self, deployer: Deployer, answers: JsonObject | None) -> None:
        self.deployer = deployer
        self.answers = answers
        self.env = build_fixture()
        self.check = 0

    def fail(
        self, clause: Clause, verb: str, detail: str, error: Exception | None = None
    ) -> _Failed:
        return _Failed(ConformanceFailure(clause, self.check, verb, detail, error))

    async def call(self, verb: str, action: Callable[[], Awaitable[Any]], what: str) -> Any:
        """A call that must succeed (HappyPathFailed otherwise)."""
        try:
            return await action()
        except Exception as exc:
            raise self.fail(
                Clause.HappyPathFailed, verb, f"{what} raised {_describe(exc)}", exc
            ) from exc

    async def twice(self, verb: str, action: Callable[[], Awaitable[Any]], what: str) -> None:
        """Both calls must succeed: the first is the happy path, the second idempotency."""
        await self.call(verb, action, f"first call {what}")
        try:
            await action()
        except Exception as exc:
            raise self.fail(
                Clause.NotIdempotent,
                verb,
                f"second call {what} raised {_describe(exc)} (the verb is not idempotent)",
                exc,
            ) from exc

    async def expect_error(
        self,
        verb: str,
        action: Callable[[], Awaitable[Any]],
        expected: type[Exception],
        accepted: Clause,
        wrong: Clause,
        what: str,
    ) -> None:
        """The call must raise `expected`; success or another error names the clause."""
        try:
            await action()
        except expected:
            return
        except Exception as exc:
            raise self.fail(
                wrong, verb, f"{what}: expected {expected.__name__}, got {_describe(exc)}", exc
            ) from exc
        raise self.fail(accepted, verb, f"{what}: expected {expected.__name__}, got success")

    async def run(self) -> None:
        d, env, answers = self.deployer, self.env, self.answers
        steps: list[Callable[[], Awaitable[None]]] = [
            partial(
                self.twice, "stage_revision", partial(d.stage_revision, env, R_WARM), "for r_warm"
            ),
            partial(
                self.twice,
                "warm_revision",
                partial(d.warm_revision, env, R_WARM, answers),
                "for r_warm",
            ),
            partial(
                self.twice, "drain_revision", partial(d.drain_revision, env, R_DRAIN), "for r_drain"
            ),
            partial(
                self.twice,
                "archive_revision",
                partial(d.archive_revision, env, R_ARCHIVE, answers),
                "for r_archive",
            ),
            self.unknown_revision,
            partial(
                self.expect_error,
                "apply_traffic_split",
                partial(
                    d.apply_traffic_split, fixture_with_invalid_split(env), DEPLOYMENT_A, answers
                ),
                InvalidSplit,
                Clause.InvalidSplitAccepted,
                Clause.InvalidSplitWrongError,
                "deployment A's split sums to 9000 bps",
            ),
            partial(
                self.expect_error,
                "apply_traffic_split",
                partial(d.apply_traffic_split, fixture_without_split(env), DEPLOYMENT_A, answers),
                SplitNotFound,
                Clause.SplitNotFoundAccepted,
                Clause.SplitNotFoundWrongError,
                "deployment A has no recorded split",
            ),
            self.splits_idempotent,
            self.cross_deployment,
            self.runtime_config,
        ]
        for step in steps:
            self.check += 1
            await step()

    async def unknown_revision(self) -> None:
        d, env, answers = self.deployer, self.env, self.answers
        calls: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("stage_revision", partial(d.stage_revision, env, UNKNOWN_REVISION)),
            ("warm_revision", partial(d.warm_revision, env, UNKNOWN_REVISION, answers)),
            ("drain_revision", partial(d.drain_revision, env, UNKNOWN_REVISION)),
            ("archive_revision", partial(d.archive_revision, env, UNKNOWN_REVISION, answers)),
        ]
        for verb, action in calls:
            await self.expect_error(
                verb,
                action,
                RevisionNotFound,
                Clause.UnknownRevisionAccepted,
                Clause.UnknownRevisionWrongError,
                f"revision {UNKNOWN_REVISION} is not in the environment",
            )

    async def splits_idempotent(self) -> None:
        d, env, answers = self.deployer, self.env, self.answers
        for name, deployment in (("A", DEPLOYMENT_A), ("B", DEPLOYMENT_B)):
            await self.twice(
                "apply_traffic_split",
                partial(d.apply_traffic_split, env, deployment, answers),
                f"for deployment {name}",
            )

    async def cross_deployment(self) -> None:
        d, env, answers = self.deployer, self.env, self.answers
        for name, deployment in (("A", DEPLOYMENT_A), ("B", DEPLOYMENT_B)):
            split = env.split_for(deployment)
            assert split is not None
            outcome = await self.call(
                "apply_traffic_split",
                partial(d.apply_traffic_split, env, deployment, answers),
                f"for deployment {name}",
            )
            applied_id = getattr(outcome, "applied_deployment_id", None)
            applied = getattr(outcome, "applied_entries", None)
            expected = tuple(split.entries)
            if applied_id != deployment:
                raise self.fail(
                    Clause.CrossDeploymentInterference,
                    "apply_traffic_split",
                    f"outcome for deployment {name} names deployment {applied_id!r}, "
                    f"expected {deployment}",
                )
            if not isinstance(applied, list | tuple) or tuple(applied) != expected:
                raise self.fail(
                    Clause.CrossDeploymentInterference,
                    "apply_traffic_split",
                    f"outcome for deployment {name} applied {applied!r}, expected exactly the "
                    f"recorded entries {list(expected)!r}",
                )

    async def runtime_config(self) -> None:
        env = self.env
        # A synchronous override is tolerated: the bench judges the value, not the calling style.
        reported = await self.call(
            "report_runtime_config",
            partial(_maybe_await, self.deployer.report_runtime_config, env),
            "on the fixture",
        )
        expected = materialize_runtime_config(env)
        if reported != expected:
            raise self.fail(
                Clause.RuntimeConfigDrift,
                "report_runtime_config",
                "the reported projection differs from materialize_runtime_config(env); override "
                "only to splice provider-discovered values, never to drop or reshape blocks "
                f"(reported {_show(reported)}, expected {_show(expected)})",
            )


async def _maybe_await(method: Callable[..., Any], *args: Any) -> Any:
    result = method(*args)
    return await result if inspect.isawaitable(result) else result


def _show(value: Any) -> str:
    dump = getattr(value, "to_json_dict", None)
    return repr(dump() if callable(dump) else value)


async def run_conformance(
    deployer: Deployer, *, answers: JsonObject | None = None
) -> ConformanceReport:
    """Run the ten checks in order against `deployer`, stopping at the first failure."""
    bench = _Bench(deployer, answers)
    try:
        await bench.run()
    except _Failed as failed:
        return ConformanceReport(checks_run=bench.check, failure=failed.failure)
    return ConformanceReport(checks_run=bench.check)


async def assert_conformant(
    deployer: Deployer, *, answers: JsonObject | None = None
) -> ConformanceReport:
    """Run the bench; raise AssertionError naming the broken clause when it fails."""
    report = await run_conformance(deployer, answers=answers)
    if report.failure is not None:
        raise AssertionError(
            f"{type(deployer).__name__} is not conformant: {report.failure}"
        ) from report.failure.error
    return report
