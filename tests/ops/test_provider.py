"""The one provider call path: effect first, then the store records, then one audit line."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

import pytest

from greentic_deployer.engine import revisions as engine
from greentic_deployer.engine.errors import HealthGateFailedError
from greentic_deployer.ops import bundles, revisions
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import BundleAddPayload, StagePayload
from greentic_deployer.ops.provider import BoundDeployer, query_provider, run_provider_verb
from greentic_deployer.packs.builtins import builtin_handlers
from greentic_deployer.packs.contract import (
    DeployerBase,
    JsonObject,
    ProviderError,
    TrafficSplitOutcome,
    enforce_split_invariants,
    require_revision,
)
from greentic_deployer.packs.local_process.handler import DESCRIPTOR_PATH
from greentic_deployer.packs.registry import EnvPackRegistry
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, GreenticError
from greentic_deployer.spec.revision import Lifecycle, Revision
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.local import LocalFileStore

from .conftest import MOMENT


class FakeDeployer(DeployerBase):
    """Records each verb with the lifecycle it saw; fails with `failure` when set."""

    def __init__(self, calls: list[tuple[str, str]], failure: BaseException | None) -> None:
        self.calls = calls
        self.failure = failure

    def _act(self, verb: str, env: Environment, revision_id: str) -> None:
        revision = require_revision(env, revision_id)
        self.calls.append((verb, revision.lifecycle.value))
        if self.failure is not None:
            raise self.failure

    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        """Records the call."""
        self._act("stage", env, revision_id)

    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Records the call."""
        self._act("warm", env, revision_id)

    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        """Records the call."""
        self._act("drain", env, revision_id)

    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Records the call."""
        self._act("archive", env, revision_id)

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        """The shared invariants only."""
        return enforce_split_invariants(env, deployment_id)


def fake_context(
    ctx: OpContext, calls: list[tuple[str, str]], failure: BaseException | None = None
) -> OpContext:
    """`ctx`'s store, with the local-process deployer replaced by a FakeDeployer."""

    def registry() -> EnvPackRegistry:
        handlers = [
            dataclasses.replace(h, deployer_factory=lambda: FakeDeployer(calls, failure))
            if h.descriptor_path == DESCRIPTOR_PATH
            else h
            for h in builtin_handlers()
        ]
        return EnvPackRegistry(handlers)

    return OpContext(store=ctx.store, clock=ctx.clock, registry_factory=registry)


def staged_revision(ctx: OpContext) -> str:
    """`local` with one deployment and one staged (pointer-form) revision."""
    init(ctx)
    added = bundles.add(ctx, BundleAddPayload(environment_id="local", bundle_id="shop"))
    staged = revisions.stage(
        ctx, StagePayload(environment_id="local", deployment_id=str(added["deployment_id"]))
    )
    return str(staged["revision_id"])


def last_audit(ctx: OpContext) -> dict[str, Any]:
    """The newest audit line of `local`."""
    lines = (ctx.store.env_dir("local") / "audit" / "events.jsonl").read_text().splitlines()
    event: dict[str, Any] = json.loads(lines[-1])
    return event


def warm_via_provider(
    ctx: OpContext, revision_id: str, *, with_failure_flip: bool = False
) -> Revision:
    """Warm through the provider path, as the live k8s verb will."""
    now: datetime = MOMENT

    async def effect(bound: BoundDeployer) -> None:
        await bound.deployer().warm_revision(bound.env, revision_id, None)

    def record(env: Environment, _outcome: None) -> tuple[Environment, Revision]:
        return engine.warm_revision(env, revision_id, engine.HealthGate.ok(), None, now)

    def record_failure(env: Environment, failure: GreenticError) -> tuple[Environment, Revision]:
        gate = engine.HealthGate.failed(["provider-health"], failure.message)
        return engine.warm_revision(env, revision_id, gate, None, now)

    return run_provider_verb(
        ctx,
        "local",
        noun="revisions",
        verb="warm",
        target={"revision_id": revision_id},
        effect=effect,
        record=record,
        record_failure=record_failure if with_failure_flip else None,
    )


def test_the_provider_acts_before_the_store_records_and_the_audit_comes_last(
    ctx: OpContext,
) -> None:
    revision_id = staged_revision(ctx)
    calls: list[tuple[str, str]] = []
    warmed = warm_via_provider(fake_context(ctx, calls), revision_id)
    assert calls == [("warm", "staged")]  # the provider saw the env before the change
    assert warmed.lifecycle == Lifecycle.ready
    assert ctx.store.load("local").revision(revision_id) == warmed
    event = last_audit(ctx)
    assert (event["noun"], event["verb"], event["result"]) == (
        "revisions",
        "warm",
        {"outcome": "ok"},
    )


def test_a_failed_provider_effect_changes_nothing_and_audits_the_failure(
    ctx: OpContext,
) -> None:
    revision_id = staged_revision(ctx)
    before = ctx.store.load("local")
    calls: list[tuple[str, str]] = []
    with pytest.raises(ProviderError, match="rollout timed out"):
        warm_via_provider(fake_context(ctx, calls, ProviderError("rollout timed out")), revision_id)
    assert ctx.store.load("local") == before
    event = last_audit(ctx)
    assert (event["verb"], event["result"]["outcome"], event["result"]["kind"]) == (
        "warm",
        "error",
        "conflict",
    )


def test_a_foreign_provider_exception_is_reported_as_a_provider_error(
    ctx: OpContext,
) -> None:
    """Guards against a provider library's own exception escaping as a traceback."""
    revision_id = staged_revision(ctx)
    before = ctx.store.load("local")
    with pytest.raises(ProviderError, match="RuntimeError: connection reset"):
        warm_via_provider(fake_context(ctx, [], RuntimeError("connection reset")), revision_id)
    assert ctx.store.load("local") == before


def test_a_failed_warm_flips_the_revision_to_failed_and_commits_it(ctx: OpContext) -> None:
    revision_id = staged_revision(ctx)
    failing = fake_context(ctx, [], ProviderError("pods never became ready"))
    with pytest.raises(HealthGateFailedError, match="pods never became ready") as raised:
        warm_via_provider(failing, revision_id, with_failure_flip=True)
    flipped = ctx.store.load("local").revision(revision_id)
    assert flipped is not None and flipped.lifecycle == Lifecycle.failed
    assert getattr(raised.value, "committed", False)
    event = last_audit(ctx)
    assert (event["verb"], event["result"]["outcome"]) == ("warm", "error")


def test_an_environment_without_a_deployer_binding_is_a_conflict(ctx: OpContext) -> None:
    init(ctx)
    ctx.store.transact(
        "local",
        lambda env: (
            env.model_copy(
                update={"packs": [p for p in env.packs if p.slot != CapabilitySlot.deployer]}
            ),
            None,
        ),
    )

    async def effect(bound: BoundDeployer) -> str:
        return bound.binding.kind

    with pytest.raises(ConflictError, match="no deployer binding"):
        query_provider(ctx, "local", effect)


def test_a_query_resolves_the_bound_deployer_through_the_context_registry(
    tmp_path: Any,
) -> None:
    ctx = OpContext(store=LocalFileStore(tmp_path), clock=lambda: MOMENT)
    init(ctx)
    calls: list[tuple[str, str]] = []

    async def effect(bound: BoundDeployer) -> str:
        return type(bound.deployer()).__name__

    assert query_provider(fake_context(ctx, calls), "local", effect) == "FakeDeployer"
    assert query_provider(ctx, "local", effect) == "LocalProcessDeployer"
