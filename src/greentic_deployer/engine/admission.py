"""Write-time admission of traffic entries."""

from __future__ import annotations

from collections.abc import Sequence

from greentic_deployer.engine.errors import AdmissionError
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.traffic import TrafficEntry


def check_ownership(env: Environment, deployment_id: str, entries: Sequence[TrafficEntry]) -> None:
    """Every entry naming an existing revision must name one of this deployment."""
    revisions = {r.revision_id: r for r in env.revisions}  # one pass, not one scan per entry
    for index, entry in enumerate(entries):
        revision = revisions.get(entry.revision_id)
        if revision is not None and revision.deployment_id != deployment_id:
            raise InvalidArgumentError(
                f"entries[{index}].revision_id",
                f"revision belongs to deployment {revision.deployment_id}, not {deployment_id}; "
                "a split may only route to its own deployment's revisions",
                entry.revision_id,
            )


def admit_entries(env: Environment, deployment_id: str, entries: Sequence[TrafficEntry]) -> None:
    """Every entry must name an existing revision in `ready` (checked on writes only)."""
    revisions = {r.revision_id: r for r in env.revisions}
    for entry in entries:
        revision = revisions.get(entry.revision_id)
        if revision is None:
            raise AdmissionError(AdmissionError.REVISION_MISSING, entry.revision_id, deployment_id)
        if revision.lifecycle != Lifecycle.ready:
            raise AdmissionError(
                AdmissionError.NOT_READY, entry.revision_id, deployment_id, revision.lifecycle
            )
