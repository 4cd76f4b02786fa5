"""Synthetic environments built directly with the spec models (no CLI, no engine)."""

from __future__ import annotations

from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.bundle import BundleDeployment, RouteBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, PackListEntry, Revision
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TOTAL_BPS, TrafficEntry, TrafficSplit

ENV_ID = "bench"
BUNDLE_ID = "support-bot"
TS = "2026-01-01T00:00:00Z"
DEPLOYER_KIND = "greentic.deployer.k8s@1.0.0"
DEV_STORE_KIND = "greentic.secrets.dev-store@0.1.0"
# Realistic-looking ULIDs (a 2024 timestamp prefix), deterministic.
_BASE = 0x0190_0000_0000_0000_0000_0000_0000_0000
DEPLOYMENT_ID = ulid_from_int(_BASE + 0xA0)


def revision_id(index: int) -> str:
    """The id of the `index`-th synthetic revision."""
    return ulid_from_int(_BASE + 0x10000 + index)


def _digest(n: int) -> str:
    return "sha256:" + f"{n % 256:02x}" * 32


def make_revision(index: int, env_id: str = ENV_ID) -> Revision:
    """A `ready` revision with one pinned pack, a lock ref and one pack-config ref."""
    rid = revision_id(index)
    return Revision(
        revision_id=rid,
        env_id=env_id,
        bundle_id=BUNDLE_ID,
        deployment_id=DEPLOYMENT_ID,
        sequence=index + 1,
        created_at=TS,
        bundle_digest=_digest(index),
        pack_list=[PackListEntry(pack_id="chat", version="0.0.0", digest=_digest(0xC0 + index))],
        pack_list_lock_ref=f"revisions/{rid}/pack-list.lock",
        pack_config_refs=[f"revisions/{rid}/pack-configs/chat.json"],
        lifecycle=Lifecycle.ready,
        staged_at=TS,
        drain_seconds=30,
    )


def even_weights(count: int) -> list[int]:
    """`count` basis-point weights summing to exactly 10000 (remainder on the first)."""
    share, rest = divmod(TOTAL_BPS, count)
    return [share + rest] + [share] * (count - 1)


def make_split(
    entries: list[tuple[str, int]], env_id: str = ENV_ID, key: str = "seed"
) -> TrafficSplit:
    """The deployment's split with the given `(revision_id, bps)` entries."""
    return TrafficSplit(
        env_id=env_id,
        deployment_id=DEPLOYMENT_ID,
        bundle_id=BUNDLE_ID,
        entries=[TrafficEntry(revision_id=r, weight_bps=w) for r, w in entries],
        updated_at=TS,
        idempotency_key=key,
    )


def make_env(
    revisions: int,
    *,
    split_entries: int = 1,
    secrets_binding: bool = False,
    env_id: str = ENV_ID,
) -> Environment:
    """One deployment with `revisions` ready revisions; its split routes the first few."""
    packs = [
        EnvPackBinding(
            slot=CapabilitySlot.deployer,
            kind=DEPLOYER_KIND,
            pack_ref="builtin",
            answers_ref="env-packs/deployer/answers.json",
        )
    ]
    if secrets_binding:
        packs.append(
            EnvPackBinding(slot=CapabilitySlot.secrets, kind=DEV_STORE_KIND, pack_ref="builtin")
        )
    revs = [make_revision(i, env_id) for i in range(revisions)]
    routed = [r.revision_id for r in revs[:split_entries]]
    env = Environment(
        environment_id=env_id,
        name="Bench",
        host_config=EnvironmentHostConfig(env_id=env_id, region="eu-west-1"),
        packs=packs,
        bundles=[
            BundleDeployment(
                deployment_id=DEPLOYMENT_ID,
                env_id=env_id,
                bundle_id=BUNDLE_ID,
                customer_id="acme",
                route_binding=RouteBinding(hosts=["support.example.com"]),
                created_at=TS,
            )
        ],
        revisions=revs,
        traffic_splits=[
            make_split(list(zip(routed, even_weights(len(routed)), strict=True)), env_id)
        ]
        if routed
        else [],
    )
    env.validate()
    return env
