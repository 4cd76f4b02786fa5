"""Fixtures for the k8s renderer: a small env with two deployments and every lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pytest

from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.bundle import BundleDeployment, RouteBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, PackListEntry, Revision
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

ENV_ID = "staging"
TS = "2026-01-01T00:00:00Z"
BASE = 0x0190_0000_0000_0000_0000_0000_0000_0000


def ulid(n: int) -> str:
    """A deterministic, realistic-looking ULID."""
    return ulid_from_int(BASE + n)


DEP_A = ulid(0xA0)
DEP_B = ulid(0xB0)
# Deployment A: one routed ready revision with a pullable source, plus absent ones.
A_READY = ulid(0xA1)
A_WARMING = ulid(0xA2)
A_STAGED = ulid(0xA3)
A_ARCHIVED = ulid(0xA4)
# Deployment B: a routed draining and ready revision, plus failed and inactive ones.
B_DRAINING = ulid(0xB1)
B_READY = ulid(0xB2)
B_FAILED = ulid(0xB3)
B_INACTIVE = ulid(0xB4)

BUNDLE_A = "support-bot"
# Opaque bundle ids need not be valid label values; this one exercises the sanitizer.
BUNDLE_B = "acme/Sales Assistant (EU)"
SOURCE_URI = "oci://registry.example.com/acme/support-bot:1.4.0"

PRESENT = (A_READY, A_WARMING, B_DRAINING, B_READY)
ABSENT = (A_STAGED, A_ARCHIVED, B_FAILED, B_INACTIVE)

DEPLOYER_KIND = "greentic.deployer.k8s@1.0.0"
DEV_STORE_KIND = "greentic.secrets.dev-store@0.1.0"
VAULT_KIND = "greentic.secrets.vault@0.1.0"
SECRETS_ANSWERS_REF = "env-packs/secrets/answers.json"


def _digest(n: int) -> str:
    return "sha256:" + f"{n:02x}" * 32


def revision(
    rid: str,
    deployment_id: str,
    bundle_id: str,
    sequence: int,
    lifecycle: Lifecycle,
    *,
    source_uri: str | None = None,
) -> Revision:
    """A revision with a pinned pack list and lock ref."""
    return Revision(
        revision_id=rid,
        env_id=ENV_ID,
        bundle_id=bundle_id,
        deployment_id=deployment_id,
        sequence=sequence,
        created_at=TS,
        bundle_digest=_digest(sequence + (0x10 if deployment_id == DEP_B else 0)),
        bundle_source_uri=source_uri,
        pack_list=[PackListEntry(pack_id="chat", version="0.0.0", digest=_digest(0xC0 + sequence))],
        pack_list_lock_ref=f"revisions/{rid}/pack-list.lock",
        pack_config_refs=[f"revisions/{rid}/pack-configs/chat.json"],
        lifecycle=lifecycle,
        staged_at=TS,
        drain_seconds=30,
    )


def split(
    deployment_id: str, bundle_id: str, entries: list[tuple[str, int]], generation: int = 0
) -> TrafficSplit:
    """A traffic split with the given `(revision, bps)` entries."""
    return TrafficSplit(
        env_id=ENV_ID,
        deployment_id=deployment_id,
        bundle_id=bundle_id,
        generation=generation,
        entries=[TrafficEntry(revision_id=r, weight_bps=w) for r, w in entries],
        updated_at=TS,
        idempotency_key=f"key-{generation}",
    )


def make_env(
    *,
    secrets_kind: str | None = DEV_STORE_KIND,
    pullable: bool = True,
    env_id: str = ENV_ID,
) -> Environment:
    """The demo env; `secrets_kind=None` drops the secrets binding."""
    packs = [
        EnvPackBinding(
            slot=CapabilitySlot.deployer,
            kind=DEPLOYER_KIND,
            pack_ref="builtin",
            answers_ref="env-packs/deployer/answers.json",
        )
    ]
    if secrets_kind is not None:
        packs.append(
            EnvPackBinding(
                slot=CapabilitySlot.secrets,
                kind=secrets_kind,
                pack_ref="builtin",
                answers_ref=SECRETS_ANSWERS_REF if secrets_kind == VAULT_KIND else None,
            )
        )
    revisions = [
        revision(
            A_READY,
            DEP_A,
            BUNDLE_A,
            1,
            Lifecycle.ready,
            source_uri=SOURCE_URI if pullable else None,
        ),
        revision(A_WARMING, DEP_A, BUNDLE_A, 2, Lifecycle.warming),
        revision(A_STAGED, DEP_A, BUNDLE_A, 3, Lifecycle.staged),
        revision(A_ARCHIVED, DEP_A, BUNDLE_A, 4, Lifecycle.archived),
        revision(B_DRAINING, DEP_B, BUNDLE_B, 1, Lifecycle.draining),
        revision(B_READY, DEP_B, BUNDLE_B, 2, Lifecycle.ready),
        revision(B_FAILED, DEP_B, BUNDLE_B, 3, Lifecycle.failed),
        revision(B_INACTIVE, DEP_B, BUNDLE_B, 4, Lifecycle.inactive),
    ]
    env = Environment(
        environment_id=ENV_ID,
        name="Staging",
        host_config=EnvironmentHostConfig(env_id=ENV_ID, region="eu-west-1"),
        packs=packs,
        bundles=[
            BundleDeployment(
                deployment_id=DEP_A,
                env_id=ENV_ID,
                bundle_id=BUNDLE_A,
                customer_id="acme",
                route_binding=RouteBinding(hosts=["support.example.com"]),
                created_at=TS,
            ),
            BundleDeployment(
                deployment_id=DEP_B,
                env_id=ENV_ID,
                bundle_id=BUNDLE_B,
                customer_id="acme",
                route_binding=RouteBinding(path_prefixes=["/sales"]),
                created_at=TS,
            ),
        ],
        revisions=revisions,
        traffic_splits=[
            split(DEP_A, BUNDLE_A, [(A_READY, 10_000)]),
            split(DEP_B, BUNDLE_B, [(B_READY, 7_000), (B_DRAINING, 3_000)]),
        ],
    )
    env.validate()
    if env_id != ENV_ID:
        env = rename_env(env, env_id)
    return env


def rename_env(env: Environment, env_id: str) -> Environment:
    """The same env under another id (every nested env_id rewritten)."""
    data = env.to_json_dict()
    data["environment_id"] = env_id
    data["host_config"]["env_id"] = env_id
    for key in ("bundles", "revisions", "traffic_splits"):
        for item in data[key]:
            item["env_id"] = env_id
    return Environment.model_validate(data)


def scaled_env(present: int) -> Environment:
    """An env with `present` ready revisions of one deployment (the render budget's shape)."""
    base = make_env(secrets_kind=None)
    revisions = [
        revision(ulid(0x10000 + i), DEP_A, BUNDLE_A, i + 1, Lifecycle.ready) for i in range(present)
    ]
    return base.model_copy(
        update={
            "revisions": revisions,
            "traffic_splits": [split(DEP_A, BUNDLE_A, [(revisions[0].revision_id, 10_000)])],
        }
    )


VAULT_ANSWERS: dict[str, Any] = {
    "addr": "https://vault.example.com:8200",
    "role": "greentic-worker",
    "kv_mount": "kv",
    "transit_key": "greentic",  # the default: must not be rendered
    "namespace": "team-a",
}


class EnvFactory(Protocol):
    """Builds the demo env with overrides."""

    def __call__(
        self, *, secrets_kind: str | None = ..., pullable: bool = ..., env_id: str = ...
    ) -> Environment: ...


@pytest.fixture
def env() -> Environment:
    """The demo env with a dev-store secrets binding."""
    return make_env()


@pytest.fixture
def env_factory() -> EnvFactory:
    """`make_env` as a fixture."""
    return make_env


@pytest.fixture
def vault_loader() -> Callable[[str], object | None]:
    """An answers loader that knows the vault binding's answers."""
    return lambda ref: dict(VAULT_ANSWERS) if ref == SECRETS_ANSWERS_REF else None
