"""The pointer form of `revisions stage` checks its `pack_list` before anything is staged."""

from __future__ import annotations

import pytest

from greentic_deployer.ops import bundles, revisions
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import BundleAddPayload, PackListEntryInput, StagePayload
from greentic_deployer.spec.errors import InvalidArgumentError


def _deployment(ctx: OpContext) -> str:
    init(ctx)
    added = bundles.add(ctx, BundleAddPayload(environment_id="local", bundle_id="shop"))
    return str(added["deployment_id"])


def _payload(deployment_id: str, version: str) -> StagePayload:
    entry = PackListEntryInput(pack_id="acme.web", version=version, digest="sha256:ab")
    return StagePayload(environment_id="local", deployment_id=deployment_id, pack_list=[entry])


@pytest.mark.parametrize("version", ["not-semver", "1.0", "v1.2.3", "1.2.3\n", ""])
def test_a_pack_version_that_is_not_semver_stages_nothing(ctx: OpContext, version: str) -> None:
    """A `pack_list[].version` like `not-semver` used to be staged verbatim."""
    deployment_id = _deployment(ctx)
    before = ctx.store.load("local")
    with pytest.raises(InvalidArgumentError) as info:
        revisions.stage(ctx, _payload(deployment_id, version))
    assert info.value.field == "pack version"
    assert str(info.value).startswith("pack version: must be SemVer")
    assert ctx.store.load("local") == before


@pytest.mark.parametrize("version", ["1.2.3", "0.1.0", "1.0.0-dev", "2.0.0+build.7"])
def test_semver_pack_versions_are_staged(ctx: OpContext, version: str) -> None:
    deployment_id = _deployment(ctx)
    staged = revisions.stage(ctx, _payload(deployment_id, version))
    (revision,) = ctx.store.load("local").revisions
    assert revision.revision_id == staged["revision_id"]
    assert [e.version for e in revision.pack_list] == [version]
