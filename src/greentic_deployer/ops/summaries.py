"""Result shapes of the CLI: summaries of envs, bundles, revisions, splits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greentic_deployer.spec.bindings import EnvPackBinding
    from greentic_deployer.spec.bundle import BundleDeployment
    from greentic_deployer.spec.environment import Environment
    from greentic_deployer.spec.revision import Revision
    from greentic_deployer.spec.traffic import TrafficSplit


def env_summary(env: Environment) -> dict[str, Any]:
    """EnvSummary: identity, host basics and counts."""
    host = env.host_config
    summary: dict[str, Any] = {
        "environment_id": env.environment_id,
        "name": env.name,
        "region": host.region,
        "tenant_org_id": host.tenant_org_id,
    }
    if host.listen_addr is not None:
        summary["listen_addr"] = host.listen_addr
    if host.public_base_url is not None:
        summary["public_base_url"] = host.public_base_url
    summary.update(
        pack_count=len(env.packs),
        bundle_count=len(env.bundles),
        revision_count=len(env.revisions),
    )
    return summary


def current_revision_count(env: Environment, deployment_id: str) -> int:
    """How many revisions the deployment's traffic split names (any weight, 0 included).

    `current_revisions` is never appended to (a reference gap), so the split is the record of
    which revisions are current; ids still in that legacy list count too.
    """
    split = env.split_for(deployment_id)
    routed = {e.revision_id for e in split.entries} if split is not None else set()
    deployment = env.deployment(deployment_id)
    legacy = set(deployment.current_revisions) if deployment is not None else set()
    return len(routed | legacy)


def bundle_summary(
    env_id: str, deployment: BundleDeployment, env: Environment | None = None
) -> dict[str, Any]:
    """BundleSummary; with `env`, `current_revision_count` counts the split's revisions."""
    count = (
        current_revision_count(env, deployment.deployment_id)
        if env is not None
        else len(deployment.current_revisions)
    )
    return {
        "environment_id": env_id,
        "bundle_id": deployment.bundle_id,
        "deployment_id": deployment.deployment_id,
        "customer_id": deployment.customer_id,
        "status": deployment.status.value,
        "current_revision_count": count,
        "hosts": list(deployment.route_binding.hosts),
    }


def revision_summary(revision: Revision) -> dict[str, Any]:
    """RevisionSummary."""
    return {
        "revision_id": revision.revision_id,
        "deployment_id": revision.deployment_id,
        "bundle_id": revision.bundle_id,
        "sequence": revision.sequence,
        "lifecycle": revision.lifecycle.value,
    }


TRAFFIC_SUMMARY_FIELDS = (
    "environment_id",
    "deployment_id",
    "bundle_id",
    "generation",
    "entries",
    "has_previous",
)
BINDING_SUMMARY_FIELDS = (
    "environment_id",
    "slot",
    "kind",
    "pack_ref",
    "generation",
    "has_previous",
)


def in_field_order(recorded: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A remembered summary (stored with sorted keys) back in the order the verb prints it."""
    ordered = {name: recorded[name] for name in fields if name in recorded}
    ordered.update((name, value) for name, value in recorded.items() if name not in ordered)
    return ordered


def traffic_summary(env_id: str, split: TrafficSplit) -> dict[str, Any]:
    """TrafficSummary."""
    return {
        "environment_id": env_id,
        "deployment_id": split.deployment_id,
        "bundle_id": split.bundle_id,
        "generation": split.generation,
        "entries": [
            {"revision_id": e.revision_id, "weight_bps": e.weight_bps} for e in split.entries
        ],
        "has_previous": split.previous_split_ref is not None,
    }


def binding_summary(env_id: str, binding: EnvPackBinding) -> dict[str, Any]:
    """BindingSummary."""
    return {
        "environment_id": env_id,
        "slot": binding.slot.value,
        "kind": binding.kind,
        "pack_ref": binding.pack_ref,
        "generation": binding.generation,
        "has_previous": binding.previous_binding_ref is not None,
    }
