"""Small environments for the live k8s tests: one deployment, revisions in chosen lifecycles."""

from __future__ import annotations

from typing import Any

from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.bundle import BundleDeployment, RouteBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, PackListEntry, Revision
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

ENV_ID = "live"
NAMESPACE = "gtc-live"
TS = "2026-01-01T00:00:00Z"
BASE = 0x0191_0000_0000_0000_0000_0000_0000_0000
DEPLOYMENT = ulid_from_int(BASE + 0xD0)
R1 = ulid_from_int(BASE + 0x11)
R2 = ulid_from_int(BASE + 0x12)
BUNDLE = "support-bot"
DEPLOYER_KIND = "greentic.deployer.k8s@1.0.0"
DEV_STORE_KIND = "greentic.secrets.dev-store@0.1.0"
VAULT_KIND = "greentic.secrets.vault@0.1.0"
ENV_LEVEL = 12


def revision(rid: str, lifecycle: Lifecycle, env_id: str = ENV_ID, sequence: int = 1) -> Revision:
    """A revision of the one deployment."""
    return Revision(
        revision_id=rid,
        env_id=env_id,
        bundle_id=BUNDLE,
        deployment_id=DEPLOYMENT,
        sequence=sequence,
        created_at=TS,
        bundle_digest="sha256:" + "ab" * 32,
        pack_list=[PackListEntry(pack_id="chat", version="0.0.0", digest="sha256:" + "cd" * 32)],
        pack_list_lock_ref=f"revisions/{rid}/pack-list.lock",
        lifecycle=lifecycle,
        staged_at=TS,
        drain_seconds=30,
    )


def live_env(
    *revisions: tuple[str, Lifecycle],
    routed: str | None = None,
    env_id: str = ENV_ID,
    secrets_kind: str | None = None,
) -> Environment:
    """One deployment; `routed` (a ready revision) gets the whole split; no secrets by default."""
    packs = [EnvPackBinding(slot=CapabilitySlot.deployer, kind=DEPLOYER_KIND, pack_ref="builtin")]
    if secrets_kind is not None:
        packs.append(
            EnvPackBinding(
                slot=CapabilitySlot.secrets,
                kind=secrets_kind,
                pack_ref="builtin",
                answers_ref="env-packs/secrets/answers.json"
                if secrets_kind == VAULT_KIND
                else None,
            )
        )
    splits = []
    if routed is not None:
        splits.append(
            TrafficSplit(
                env_id=env_id,
                deployment_id=DEPLOYMENT,
                bundle_id=BUNDLE,
                generation=1,
                entries=[TrafficEntry(revision_id=routed, weight_bps=10_000)],
                updated_at=TS,
                idempotency_key="k1",
            )
        )
    env = Environment(
        environment_id=env_id,
        name=env_id,
        host_config=EnvironmentHostConfig(env_id=env_id),
        packs=packs,
        bundles=[
            BundleDeployment(
                deployment_id=DEPLOYMENT,
                env_id=env_id,
                bundle_id=BUNDLE,
                customer_id="acme",
                route_binding=RouteBinding(hosts=["support.example.com"]),
                created_at=TS,
            )
        ],
        revisions=[
            revision(rid, lc, env_id, sequence=i + 1) for i, (rid, lc) in enumerate(revisions)
        ],
        traffic_splits=splits,
    )
    env.validate()
    return env


def ready_env(**kwargs: Any) -> Environment:
    """The live scenario's start: one ready, routed revision (12 env-level + 2 worker objects)."""
    return live_env((R1, Lifecycle.ready), routed=R1, **kwargs)


def archived_env(**kwargs: Any) -> Environment:
    """The live scenario after archiving: the revision kept, without presence or traffic."""
    return live_env((R1, Lifecycle.archived), **kwargs)


def worker_keys(rid: str, namespace: str = NAMESPACE) -> set[tuple[str | None, str, str]]:
    """The in-memory keys of a revision's worker Deployment and Service."""
    return {(namespace, "Deployment", worker_name(rid)), (namespace, "Service", worker_name(rid))}


def foreign_worker(rid: str, env_label: str, namespace: str = NAMESPACE) -> dict[str, Any]:
    """A worker Deployment as another env's reconcile would have left it."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": worker_name(rid),
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/managed-by": "greentic",
                "app.kubernetes.io/component": "worker",
                "greentic.ai/env": env_label,
                "greentic.ai/revision": rid.upper(),
            },
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"greentic.ai/revision": rid.upper()}},
            "template": {
                "metadata": {"labels": {"greentic.ai/revision": rid.upper()}},
                "spec": {"containers": [{"name": "worker", "image": "example/worker:1"}]},
            },
        },
    }
