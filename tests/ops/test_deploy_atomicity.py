"""A deploy that fails leaves the environment as it was; bundles remove tidies its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentic_deployer.ops import bundles, revisions, traffic
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.deploy import DeployRequest, deploy
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import BundleRemovePayload, DrainPayload, RevisionVerbPayload
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from tests.conftest import EXAMPLE_BUNDLE


def _revision_dirs(ctx: OpContext) -> list[str]:
    root = ctx.store.root / "local" / "revisions"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_a_bad_bundle_adds_no_deployment(ctx: OpContext, tmp_path: Path) -> None:
    init(ctx)
    junk = tmp_path / "junk.gtbundle"
    junk.write_bytes(b"not squashfs at all")
    before = ctx.store.load("local")
    with pytest.raises(InvalidArgumentError):
        deploy(ctx, DeployRequest(bundle_path=junk))
    assert ctx.store.load("local") == before
    assert not (ctx.store.root / "local" / "revisions").exists()


def test_overrides_for_a_missing_pack_fail_before_anything_changes(ctx: OpContext) -> None:
    init(ctx)
    before = ctx.store.load("local")
    request = DeployRequest(bundle_path=EXAMPLE_BUNDLE, config_overrides={"nope-pack": {"k": "v"}})
    with pytest.raises(InvalidArgumentError, match="nope-pack"):
        deploy(ctx, request)
    assert ctx.store.load("local") == before
    assert not (ctx.store.root / "local" / "revisions").exists()
    last = json.loads(
        (ctx.store.root / "local" / "audit" / "events.jsonl").read_text().splitlines()[-1]
    )
    assert (last["noun"], last["verb"], last["result"]["kind"]) == (
        "revisions",
        "stage",
        "invalid-argument",
    )
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    with_revision = ctx.store.load("local")
    with pytest.raises(InvalidArgumentError, match="nope-pack"):
        deploy(ctx, request)  # a re-deploy with bad overrides stages nothing either
    assert ctx.store.load("local") == with_revision
    assert _revision_dirs(ctx) == [first["revision_id"]]


def test_overrides_on_a_fresh_deploy_are_recorded(ctx: OpContext) -> None:
    init(ctx)
    deploy(
        ctx,
        DeployRequest(bundle_path=EXAMPLE_BUNDLE, config_overrides={"hello-pack": {"k": 1}}),
    )
    assert ctx.store.load("local").bundles[0].config_overrides == {"hello-pack": {"k": 1}}


def test_bundles_remove_deletes_the_compacted_revision_directories(ctx: OpContext) -> None:
    init(ctx)
    result = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    dep, rid = result["deployment_id"], result["revision_id"]
    assert _revision_dirs(ctx) == [rid]
    traffic.clear(ctx, "local", dep)
    revisions.drain(ctx, DrainPayload(environment_id="local", revision_id=rid))
    revisions.archive(ctx, RevisionVerbPayload(environment_id="local", revision_id=rid))
    removed = bundles.remove(ctx, BundleRemovePayload(environment_id="local", deployment_id=dep))
    assert removed["pruned_revision_ids"] == [rid]
    assert _revision_dirs(ctx) == []


def test_a_draining_revision_cannot_take_new_traffic_and_says_why(ctx: OpContext) -> None:
    init(ctx)
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    second = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    revisions.drain(ctx, DrainPayload(environment_id="local", revision_id=first["revision_id"]))
    with pytest.raises(ConflictError, match="stage and warm a new revision") as caught:
        traffic.rollback(ctx, "local", second["deployment_id"])
    assert "warm it first" not in str(caught.value)
