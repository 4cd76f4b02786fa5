"""An example third-party deployer env-pack, `acme.deployer.echo` (docs/writing-an-env-pack.md).

The "provider" is an in-memory record of the workers a real deployer would run and the splits
it would enforce, so every verb shows the shape a real pack follows: shared preconditions first,
then an idempotent provider call.
"""

from __future__ import annotations

from pathlib import Path

from greentic_deployer.packs.contract import (
    DeployerBase,
    JsonObject,
    TrafficSplitOutcome,
    enforce_split_invariants,
    require_revision,
)
from greentic_deployer.packs.registry import (
    CapabilityProbe,
    EnvPackHandler,
    WizardQuestion,
    WizardSpec,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.slots import CapabilitySlot

ENV_DIR_CAPABILITY = "acme.echo.env-dir"


class EchoDeployer(DeployerBase):
    """Keeps the set of warm workers and the last split applied per deployment."""

    def __init__(self) -> None:
        self.workers: set[str] = set()
        self.applied: dict[str, TrafficSplitOutcome] = {}

    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        """Nothing to upload; the revision must exist."""
        require_revision(env, revision_id)

    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Start a worker; starting one that runs already is a no-op."""
        revision = require_revision(env, revision_id)
        self.workers.add(revision.revision_id)

    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        """Draining is routing-side: the worker keeps running until archive."""
        require_revision(env, revision_id)

    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Stop the worker; one that is already gone counts as stopped."""
        revision = require_revision(env, revision_id)
        self.workers.discard(revision.revision_id)

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        """Enforce exactly the recorded split of this deployment, and no other."""
        outcome = enforce_split_invariants(env, deployment_id)
        self.applied[outcome.applied_deployment_id] = outcome
        return outcome


class EchoCredentials:
    """No credential material; one probed capability: the env dir exists."""

    requires_material = False
    bootstrap_supported = False

    def capabilities(self) -> list[str]:
        """The capability ids `probe` reports."""
        return [ENV_DIR_CAPABILITY]

    async def probe(self, env: Environment, env_dir: Path) -> list[CapabilityProbe]:
        """Check the env dir is there."""
        found = env_dir.is_dir()
        detail = f"{env_dir} {'exists' if found else 'does not exist'}"
        return [CapabilityProbe(ENV_DIR_CAPABILITY, found, detail)]


def env_pack() -> EnvPackHandler:
    """The entry point: greentic-deployer calls this and registers what it returns."""
    return EnvPackHandler(
        slot=CapabilitySlot.deployer,
        descriptor_path="acme.deployer.echo",
        supported_versions="^1.0.0",
        credentials=EchoCredentials(),
        wizard_spec=WizardSpec(
            id="acme.deployer.echo.wizard",
            questions=(WizardQuestion(id="greeting", default="hello", help="What workers say."),),
        ),
        deployer_factory=EchoDeployer,
    )
