"""`--dry-run` at the use-case level: results are computed, the store is left byte-for-byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from greentic_deployer.ops import revisions, traffic
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.deploy import DeployRequest, deploy
from greentic_deployer.ops.drain_guard import RoutedDrainError
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import DrainPayload
from greentic_deployer.ops.provider import run_provider_verb
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.traffic import TrafficEntry
from greentic_deployer.store.dry_run import DryRunStore
from tests.conftest import EXAMPLE_BUNDLE


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _dry(ctx: OpContext) -> OpContext:
    return OpContext(store=DryRunStore(ctx.store), clock=ctx.clock, dry_run=True)


def test_a_dry_deploy_previews_the_whole_chain_and_writes_nothing(ctx: OpContext) -> None:
    init(ctx)
    before = _tree(ctx.store.root)
    dry = _dry(ctx)
    result = deploy(dry, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    assert result["status"] == "routed"
    # The in-memory copy holds what a real run would have recorded…
    seen = dry.store.load("local")
    assert [r.revision_id for r in seen.revisions] == [result["revision_id"]]
    assert seen.split_for(result["deployment_id"]) is not None
    # …and the real store, audit log and revision files are untouched.
    assert _tree(ctx.store.root) == before
    assert ctx.store.load("local").revisions == []


def test_a_dry_stage_extracts_into_scratch_that_close_removes(ctx: OpContext) -> None:
    init(ctx)
    real = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    before = _tree(ctx.store.root)
    dry = _dry(ctx)
    store = dry.store
    assert isinstance(store, DryRunStore)
    staged = deploy(dry, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    scratch = store.revision_dir("local", staged["revision_id"])
    assert scratch.is_dir() and not scratch.is_relative_to(ctx.store.root)
    # An existing revision's files are read from the real store.
    assert store.revision_dir("local", real["revision_id"]).is_relative_to(ctx.store.root)
    store.close()
    assert not scratch.exists()
    assert _tree(ctx.store.root) == before


def test_a_dry_run_refuses_a_provider_effect(ctx: OpContext) -> None:
    init(ctx)

    async def effect(_bound: object) -> None:
        raise AssertionError("the deployer must not act in a dry run")

    with pytest.raises(InvalidArgumentError, match="cannot be previewed"):
        run_provider_verb(
            _dry(ctx),
            "local",
            noun="revisions",
            verb="warm",
            target={},
            effect=effect,
            record=lambda env, _: (env, None),
        )


def test_draining_a_routed_revision_is_refused_with_the_freeing_command(ctx: OpContext) -> None:
    init(ctx)
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    second = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    dep, rid = second["deployment_id"], second["revision_id"]
    with pytest.raises(RoutedDrainError) as caught:
        revisions.drain(ctx, DrainPayload(environment_id="local", revision_id=rid))
    assert caught.value.kind == "conflict"
    assert caught.value.hint is not None
    assert (
        f"gtc op traffic set local {first['revision_id']}=100% --deployment {dep} "
        f"--idempotency-key drain-{rid}" in caught.value.hint
    )
    unchanged = ctx.store.load("local").revision(rid)
    assert unchanged is not None and unchanged.lifecycle is Lifecycle.ready
    # Following the hint frees it; `force` was never needed.
    traffic.set_entries(
        ctx,
        "local",
        dep,
        [TrafficEntry(revision_id=first["revision_id"], weight_bps=10000)],
        f"drain-{rid}",
    )
    drained = revisions.drain(ctx, DrainPayload(environment_id="local", revision_id=rid))
    assert drained["lifecycle"] == "draining"


def test_force_drains_a_routed_revision(ctx: OpContext) -> None:
    init(ctx)
    rid = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))["revision_id"]
    forced = revisions.drain(ctx, DrainPayload(environment_id="local", revision_id=rid, force=True))
    assert forced["lifecycle"] == "draining"
