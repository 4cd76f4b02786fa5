"""The local-process deployer: no provider side, so every verb is its shared precondition."""

from __future__ import annotations

from greentic_deployer.packs.contract import (
    DeployerBase,
    JsonObject,
    TrafficSplitOutcome,
    enforce_split_invariants,
    require_revision,
)
from greentic_deployer.spec.environment import Environment


class LocalProcessDeployer(DeployerBase):
    """Bundles live on the operator's disk and the local runtime reads the store directly."""

    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        """Nothing to upload: the revision only has to exist."""
        require_revision(env, revision_id)

    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Nothing to start ahead of time: the runtime picks the revision up from the store."""
        require_revision(env, revision_id)

    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        """Draining is routing-side; the runtime reads the new split itself."""
        require_revision(env, revision_id)

    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Nothing to tear down."""
        require_revision(env, revision_id)

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        """The runtime reads runtime-config.json; only the split's invariants are enforced."""
        return enforce_split_invariants(env, deployment_id)
