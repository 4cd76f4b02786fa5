"""The Deployer contract: verbs, outcomes, typed errors and shared preconditions.

A deployer models provider-side effects only; lifecycle state is owned by the store. Every verb
is idempotent, and the pure preconditions below run before any provider call so a failing
precondition is cheap, deterministic and typed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from greentic_deployer.engine import lookup
from greentic_deployer.engine.errors import RevisionNotFoundError, SplitNotFoundError
from greentic_deployer.spec import errors as spec_errors
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.runtime_config import RuntimeConfig, materialize_runtime_config
from greentic_deployer.spec.traffic import TOTAL_BPS, TrafficEntry

JsonObject = dict[str, Any]
"""A flat JSON object: a binding's recorded wizard answers, keyed by question id."""


# -- errors ------------------------------------------------------------------------------------


# The base lives in spec so the engine's not-found errors can be DeployerErrors too.
DeployerError = spec_errors.DeployerError

# One class per not-found concept, defined in the engine; these names are the shipped contract.
RevisionNotFound = RevisionNotFoundError
SplitNotFound = SplitNotFoundError


class InvalidSplit(DeployerError, ConflictError):
    """The recorded split's weights do not sum to exactly 10000 basis points."""

    kind = "conflict"

    def __init__(self, deployment_id: str, sum: int) -> None:
        super().__init__(
            f"traffic split for deployment `{deployment_id}` violates the "
            f"sum={TOTAL_BPS}bps invariant: actual={sum}"
        )
        self.deployment_id = deployment_id
        self.sum = sum


class ProviderError(DeployerError, ConflictError):
    """A provider-side failure (API call, rollout, …); the message says what failed."""

    kind = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(f"provider failure: {message}")
        self.detail = message


class InvalidAnswersError(ConflictError):
    """A deployer binding's wizard answers do not parse (unknown key, bad value, …)."""

    kind = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(f"invalid answers: {message}")
        self.detail = message


# -- outcomes and protocols --------------------------------------------------------------------


@dataclass(frozen=True)
class TrafficSplitOutcome:
    """What `apply_traffic_split` enforced: exactly the recorded entries of that deployment."""

    applied_deployment_id: str
    applied_entries: tuple[TrafficEntry, ...]


@runtime_checkable
class Deployer(Protocol):
    """Provider-side effects of one deployer env-pack; every verb is idempotent."""

    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        """Stage-time side effects (upload, pre-pull, …); none for local-process and k8s."""
        ...

    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Create what serves the revision and wait until it is reachable."""
        ...

    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        """Stop routing new sessions to the revision (routing-side only for k8s)."""
        ...

    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Tear down the revision's provider resources (already absent = success)."""
        ...

    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        """Enforce the deployment's recorded split; sibling deployments stay untouched."""
        ...

    async def report_runtime_config(self, env: Environment) -> RuntimeConfig:
        """The deployer's view of the routing projection (the pure materialization by default)."""
        ...


@dataclass(frozen=True)
class RenderInputs:
    """What a renderer may read besides the environment and its own answers; ops supply it.

    `load_answers` reads another binding's answers document by its env-relative `answers_ref`
    (None = missing); `dev_store_bytes` is the raw dev-store secrets file. Absent inputs leave
    the renderer's own defaults in place.
    """

    load_answers: Callable[[str], object | None] | None = None
    dev_store_bytes: bytes | None = None


class ManifestRenderer(Protocol):
    """A declarative deployer's pure, deterministic renderer (dependencies first)."""

    def render_environment(
        self, env: Environment, answers: JsonObject | None, inputs: RenderInputs | None = None
    ) -> list[dict[str, Any]]:
        """Render the environment's manifest set; bad answers raise InvalidAnswersError."""
        ...


ManifestWriter = Callable[[Sequence[Mapping[str, Any]], Path], dict[str, Any]]
"""Writes a rendered manifest set as files under a directory; returns the CLI report."""


class DeployerBase(ABC):
    """Convenience base: subclasses implement the five verbs, the projection comes for free."""

    @abstractmethod
    async def stage_revision(self, env: Environment, revision_id: str) -> None:
        """Stage-time side effects."""

    @abstractmethod
    async def warm_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Warm-time side effects."""

    @abstractmethod
    async def drain_revision(self, env: Environment, revision_id: str) -> None:
        """Drain-time side effects."""

    @abstractmethod
    async def archive_revision(
        self, env: Environment, revision_id: str, answers: JsonObject | None
    ) -> None:
        """Archive-time side effects."""

    @abstractmethod
    async def apply_traffic_split(
        self, env: Environment, deployment_id: str, answers: JsonObject | None
    ) -> TrafficSplitOutcome:
        """Enforce the deployment's recorded split."""

    async def report_runtime_config(self, env: Environment) -> RuntimeConfig:
        """The pure materialization; override only to splice provider-discovered values."""
        return materialize_runtime_config(env)


# -- shared preconditions ----------------------------------------------------------------------

# The engine's lookup is the one `require_revision`: any ULID casing, else RevisionNotFound.
require_revision = lookup.require_revision


def enforce_split_invariants(env: Environment, deployment_id: str) -> TrafficSplitOutcome:
    """Find the deployment's split (SplitNotFound), require sum == 10000 (InvalidSplit)."""
    split = env.split_for(lookup.canonical_id(deployment_id))
    if split is None:
        raise SplitNotFound(env.environment_id, deployment_id)
    # Python integers do not overflow: the sum is exact for any number of u32 weights.
    total = sum(entry.weight_bps for entry in split.entries)
    if total != TOTAL_BPS:
        raise InvalidSplit(split.deployment_id, total)
    return TrafficSplitOutcome(
        applied_deployment_id=split.deployment_id, applied_entries=tuple(split.entries)
    )
