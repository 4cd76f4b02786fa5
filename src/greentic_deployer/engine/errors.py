"""Typed errors raised by the pure engine; each names the entity, the rule and the way out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from greentic_deployer.spec.errors import (
    ConflictError,
    DeployerError,
    GreenticError,
    NotFoundError,
)
from greentic_deployer.spec.revision import Lifecycle

if TYPE_CHECKING:
    from greentic_deployer.spec.environment import Environment


def _states(states: Sequence[Lifecycle]) -> str:
    return ", ".join(f"`{s.value}`" for s in states)


def lifecycle_hint(actual: Lifecycle, expected_starts: Sequence[Lifecycle]) -> str | None:
    """What an operator can do about a revision sitting in `actual` instead of `expected_starts`.

    None when only a command can help: the CLI then names it (`cli/hints.py`).
    """
    if actual == Lifecycle.archived:
        return "archived is terminal; stage a new revision"
    if actual == Lifecycle.failed:
        return "a failed revision can only be archived; stage a new revision"
    if actual == Lifecycle.draining:
        return "it is draining; archive it or stage a new revision"
    if actual == Lifecycle.inactive:
        return "it is inactive; archive it or stage a new revision"
    if actual == Lifecycle.staged and Lifecycle.ready in expected_starts:
        return "warm it first"
    if actual == Lifecycle.warming and Lifecycle.ready in expected_starts:
        return "wait for it to finish warming (or warm it again)"
    if actual == Lifecycle.ready:
        return "it is already ready; drain or archive it instead"
    return None


# -- not found -------------------------------------------------------------------------


class RevisionNotFoundError(DeployerError, NotFoundError):
    """The revision id names no revision of the environment.

    The one class for this concept: the engine raises it, and the env-pack contract exports it as
    `RevisionNotFound` (a `DeployerError` too, as the conformance bench expects).
    """

    kind = "not-found"

    def __init__(self, env_id: str, revision_id: str) -> None:
        super().__init__(f"revision {revision_id} not found in environment `{env_id}`")
        self.env_id = env_id
        self.revision_id = revision_id


class DeploymentNotFoundError(NotFoundError):
    """The deployment id names no bundle deployment of the environment."""

    def __init__(self, env_id: str, deployment_id: str) -> None:
        super().__init__(f"deployment {deployment_id} not found in environment `{env_id}`")
        self.env_id = env_id
        self.deployment_id = deployment_id


class SplitNotFoundError(DeployerError, NotFoundError):
    """The deployment has no traffic split (the contract's `SplitNotFound`)."""

    kind = "not-found"

    def __init__(self, env_id: str, deployment_id: str) -> None:
        super().__init__(
            f"deployment {deployment_id} in environment `{env_id}` has no traffic split"
        )
        self.env_id = env_id
        self.deployment_id = deployment_id


class BindingNotFoundError(NotFoundError):
    """The capability slot is not bound in the environment."""

    def __init__(self, env_id: str, slot: str) -> None:
        super().__init__(f"slot `{slot}` is not bound in environment `{env_id}`")
        self.env_id = env_id
        self.slot = slot


# -- conflicts -------------------------------------------------------------------------


class DuplicateRevisionError(ConflictError):
    """A revision with this id already exists."""

    def __init__(self, env_id: str, revision_id: str) -> None:
        super().__init__(
            f"revision {revision_id} already exists in environment `{env_id}`; "
            "revisions are immutable, stage under a new revision id"
        )
        self.env_id = env_id
        self.revision_id = revision_id


class InvalidTransitionError(ConflictError):
    """A lifecycle edge outside the transition matrix was attempted (a programming error)."""

    def __init__(self, revision_id: str, source: Lifecycle, target: Lifecycle) -> None:
        super().__init__(
            f"revision {revision_id}: transition `{source.value}` -> `{target.value}` "
            "is not allowed by the lifecycle matrix"
        )
        self.revision_id = revision_id
        self.source = source
        self.target = target


class LifecycleConflictError(ConflictError):
    """The revision is not in a state the verb can start from."""

    def __init__(
        self,
        revision_id: str,
        actual: Lifecycle,
        expected_starts: Sequence[Lifecycle],
        hint: str | None = None,
    ) -> None:
        expected = list(expected_starts)
        way_out = hint if hint is not None else lifecycle_hint(actual, expected)
        text = f"revision {revision_id} is `{actual.value}`, expected one of {_states(expected)}"
        super().__init__(text if way_out is None else f"{text}; {way_out}")
        self.way_out = way_out
        self.revision_id = revision_id
        self.actual = actual
        self.expected_starts = expected


class ActiveTrafficReferenceError(ConflictError):
    """A traffic split still names the revision (any weight, including 0)."""

    def __init__(self, revision_id: str, splits: list[dict[str, Any]]) -> None:
        shown = ", ".join(
            f"deployment {s['deployment_id']} at {s['weight_bps']} bps" for s in splits
        )
        super().__init__(
            f"revision {revision_id} is still referenced by traffic ({shown}); "
            "move its traffic elsewhere with `op traffic set` (or `op traffic clear`) first"
        )
        self.revision_id = revision_id
        self.splits = splits


class AdmissionError(ConflictError):
    """A split entry names a missing revision or one that is not `ready`."""

    REVISION_MISSING = "AdmissionRevisionMissing"
    NOT_READY = "NotReady"

    def __init__(
        self,
        reason: str,
        revision_id: str,
        deployment_id: str,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        if reason == self.REVISION_MISSING:
            text = (
                f"{reason}: traffic for deployment {deployment_id} names revision {revision_id}, "
                "which does not exist; stage it first"
            )
        else:
            state = lifecycle.value if lifecycle is not None else "?"
            way_out = (
                "warm it first"
                if lifecycle in (Lifecycle.staged, Lifecycle.warming)
                else "it cannot become ready again; stage and warm a new revision"
            )
            text = (
                f"{reason}: revision {revision_id} of deployment {deployment_id} is `{state}`, "
                f"only `ready` revisions can receive traffic; {way_out}"
            )
        super().__init__(text)
        self.reason = reason
        self.revision_id = revision_id
        self.deployment_id = deployment_id
        self.lifecycle = lifecycle


class IdempotencyConflictError(ConflictError):
    """The idempotency key was already used for different entries."""

    def __init__(self, key: str, deployment_id: str) -> None:
        super().__init__(
            f"idempotency key `{key}` already used for deployment {deployment_id} with different "
            "entries; use a new key for a new split"
        )
        self.key = key
        self.deployment_id = deployment_id


class BundleStillLiveError(ConflictError):
    """The deployment still has a traffic split or non-archived revisions."""

    def __init__(self, deployment_id: str, split_count: int, revision_count: int) -> None:
        super().__init__(
            f"deployment {deployment_id} is still live: {split_count} traffic split(s), "
            f"{revision_count} non-archived revision(s); clear its traffic (`op traffic clear`) "
            "and archive its revisions (`op revisions archive`) first"
        )
        self.deployment_id = deployment_id
        self.split_count = split_count
        self.revision_count = revision_count


class DuplicateDeploymentError(ConflictError):
    """A deployment for this (bundle, customer) pair, or with this id, already exists."""

    def __init__(
        self,
        env_id: str,
        bundle_id: str,
        customer_id: str,
        existing_deployment_id: str,
        *,
        same_id: bool = False,
    ) -> None:
        if same_id:
            text = (
                f"deployment id {existing_deployment_id} already exists in environment "
                f"`{env_id}` (bundle `{bundle_id}`, customer `{customer_id}`); mint a new id"
            )
        else:
            text = (
                f"bundle `{bundle_id}` is already deployed for customer `{customer_id}` in "
                f"environment `{env_id}` as deployment {existing_deployment_id}"
            )
        super().__init__(text)
        self.env_id = env_id
        self.bundle_id = bundle_id
        self.customer_id = customer_id
        self.existing_deployment_id = existing_deployment_id
        self.same_id = same_id


class BindingConflictError(ConflictError):
    """The capability slot is already bound."""

    def __init__(self, env_id: str, slot: str, kind: str) -> None:
        super().__init__(f"slot `{slot}` of environment `{env_id}` is already bound to `{kind}`")
        self.env_id = env_id
        self.slot = slot
        self.bound_kind = kind


# -- committed on error ----------------------------------------------------------------


class CommitOnError(GreenticError):
    """An error whose `environment` must be persisted before the error is reported."""

    def __init__(self, message: str, environment: Environment) -> None:
        super().__init__(message)
        self.environment = environment


class HealthGateFailedError(CommitOnError):
    """The warm health gate failed; `environment` holds the revision flipped to `failed`."""

    kind = "conflict"

    def __init__(
        self,
        revision_id: str,
        failed_checks: Sequence[str],
        gate_message: str,
        environment: Environment,
    ) -> None:
        checks = ", ".join(failed_checks)
        super().__init__(
            f"HealthGateFailed: revision {revision_id} failed its health gate ({checks}): "
            f"{gate_message}; it is now `failed`, fix the cause and stage a new revision",
            environment,
        )
        self.revision_id = revision_id
        self.failed_checks = list(failed_checks)
        self.gate_message = gate_message
