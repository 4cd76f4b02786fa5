"""`op status <env>`: deployments, their revisions, weights and splits, and bound env-packs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.summaries import binding_summary
from greentic_deployer.spec.clock import parse_timestamp
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.ids import parse_env_id
from greentic_deployer.spec.revision import Revision


def status(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """One read of the environment, as a deployment → revisions tree."""
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    now = ctx.now()
    deployments = []
    for deployment in env.bundles:
        split = env.split_for(deployment.deployment_id)
        weights = {e.revision_id: e.weight_bps for e in split.entries} if split else {}
        revisions = [
            _revision_row(r, weights.get(r.revision_id), revision_age_seconds(now, r))
            for r in env.revisions
            if r.deployment_id == deployment.deployment_id
        ]
        deployments.append(
            {
                "deployment_id": deployment.deployment_id,
                "bundle_id": deployment.bundle_id,
                "customer_id": deployment.customer_id,
                "status": deployment.status.value,
                "hosts": list(deployment.route_binding.hosts),
                "path_prefixes": list(deployment.route_binding.path_prefixes),
                "split": None
                if split is None
                else {
                    "generation": split.generation,
                    "rollback_available": split.previous_split_ref is not None,
                    "updated_at": split.updated_at,
                    "updated_by": split.updated_by,
                },
                "revisions": revisions,
            }
        )
    return {
        "environment_id": env_id,
        "name": env.name,
        "deployments": deployments,
        "env_packs": [binding_summary(env_id, b) for b in env.packs],
    }


def revision_age_seconds(now: datetime, revision: Revision) -> int:
    """Whole seconds since the revision was created (never negative)."""
    return max(0, int((now - parse_timestamp(revision.created_at)).total_seconds()))


def _revision_row(revision: Revision, weight_bps: int | None, age_seconds: int) -> dict[str, Any]:
    return {
        "revision_id": revision.revision_id,
        "sequence": revision.sequence,
        "lifecycle": revision.lifecycle.value,
        # null: the split does not name the revision (0 would mean "named, weight 0").
        "weight_bps": weight_bps,
        "weight_percent": None if weight_bps is None else weight_bps / 100,
        "created_at": revision.created_at,
        "age_seconds": age_seconds,
    }


def revision_weights(env: Environment) -> dict[str, int]:
    """The weight (bps) each revision carries in its deployment's split; absent = not routed."""
    return {e.revision_id: e.weight_bps for split in env.traffic_splits for e in split.entries}
