"""Shared builders for spec tests: small, valid-by-default documents with keyword overrides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import pytest

from greentic_deployer.spec.bindings import EnvPackBinding, ExtensionBinding
from greentic_deployer.spec.bundle import BundleDeployment, RevenueShareEntry
from greentic_deployer.spec.documents import MessagingEndpoint, WelcomeFlow
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import SpecError
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, PackListEntry, Revision
from greentic_deployer.spec.serde import SpecModel
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

M = TypeVar("M", bound=SpecModel)

ENV = "prod"
OTHER_ENV = "staging"
TS = "2024-05-06T07:08:09Z"

# Deterministic ULIDs (canonical upper-case renderings).
D1 = ulid_from_int(0xD1)
D2 = ulid_from_int(0xD2)
D3 = ulid_from_int(0xD3)
D9 = ulid_from_int(0xD9)  # never deployed
R1 = ulid_from_int(0x101)
R2 = ulid_from_int(0x102)
R3 = ulid_from_int(0x103)
R4 = ulid_from_int(0x104)
R9 = ulid_from_int(0x109)  # never staged
EP1 = ulid_from_int(0xE1)
EP2 = ulid_from_int(0xE2)
EP3 = ulid_from_int(0xE3)

DEPLOYER_KIND = "greentic.deployer.k8s@1.0.0"
SECRETS_KIND = "greentic.secrets.dev-store@0.1.0"
EXT_KIND = "greentic.ext.observer@0.2.0"


def evolve(model: M, **changes: Any) -> M:
    """A re-validated copy of `model` with fields replaced (models are frozen)."""
    data = model.model_dump(by_alias=False)
    data.update(changes)
    return type(model).model_validate(data)


def host_config(env_id: str = ENV, **kw: Any) -> EnvironmentHostConfig:
    """A host config for `env_id`."""
    return EnvironmentHostConfig(env_id=env_id, **kw)


def pack_binding(
    slot: CapabilitySlot = CapabilitySlot.deployer, kind: str = DEPLOYER_KIND, **kw: Any
) -> EnvPackBinding:
    """A pack binding (pack_ref `builtin`)."""
    return EnvPackBinding(slot=slot, kind=kind, pack_ref=kw.pop("pack_ref", "builtin"), **kw)


def extension(kind: str = EXT_KIND, instance_id: str | None = None, **kw: Any) -> ExtensionBinding:
    """An extension binding."""
    return ExtensionBinding(
        kind=kind, pack_ref=kw.pop("pack_ref", "builtin"), instance_id=instance_id, **kw
    )


def pack_entry(pack_id: str, version: str = "1.0.0") -> PackListEntry:
    """One pinned pack of a revision."""
    return PackListEntry(pack_id=pack_id, version=version, digest="sha256:" + "ab" * 32)


def revision(
    revision_id: str,
    deployment_id: str = D1,
    *,
    bundle_id: str = "b1",
    env_id: str = ENV,
    lifecycle: Lifecycle = Lifecycle.ready,
    packs: Iterable[str] = (),
    lock_ref: str = "",
    config_refs: Sequence[str] = (),
    sequence: int = 1,
    **kw: Any,
) -> Revision:
    """A revision of `deployment_id`."""
    return Revision(
        revision_id=revision_id,
        env_id=env_id,
        bundle_id=bundle_id,
        deployment_id=deployment_id,
        sequence=sequence,
        created_at=kw.pop("created_at", TS),
        bundle_digest=kw.pop("bundle_digest", "sha256:" + "cd" * 32),
        pack_list=[pack_entry(p) for p in packs],
        pack_list_lock_ref=lock_ref,
        pack_config_refs=list(config_refs),
        lifecycle=lifecycle,
        **kw,
    )


def deployment(
    deployment_id: str = D1,
    *,
    bundle_id: str = "b1",
    env_id: str = ENV,
    customer_id: str = "acme",
    revenue: Sequence[tuple[str, int]] = (("greentic", 10_000),),
    current_revisions: Sequence[str] = (),
    config_overrides: dict[str, dict[str, Any]] | None = None,
    **kw: Any,
) -> BundleDeployment:
    """A bundle deployment (active, all revenue to greentic by default)."""
    return BundleDeployment(
        deployment_id=deployment_id,
        env_id=env_id,
        bundle_id=bundle_id,
        customer_id=customer_id,
        current_revisions=list(current_revisions),
        revenue_share=[RevenueShareEntry(party_id=p, basis_points=b) for p, b in revenue],
        created_at=kw.pop("created_at", TS),
        config_overrides=config_overrides,
        **kw,
    )


def split(
    deployment_id: str = D1,
    entries: Sequence[tuple[str, int]] = ((R1, 10_000),),
    *,
    bundle_id: str = "b1",
    env_id: str = ENV,
    **kw: Any,
) -> TrafficSplit:
    """A traffic split of `deployment_id`."""
    return TrafficSplit(
        env_id=env_id,
        deployment_id=deployment_id,
        bundle_id=bundle_id,
        entries=[TrafficEntry(revision_id=r, weight_bps=w) for r, w in entries],
        updated_at=kw.pop("updated_at", TS),
        idempotency_key=kw.pop("idempotency_key", "key-1"),
        **kw,
    )


def endpoint(
    endpoint_id: str = EP1,
    *,
    provider_type: str = "telegram",
    provider_id: str = "bot-1",
    linked: Sequence[str] = ("b1",),
    welcome: tuple[str, str, str] | None = None,
    env_id: str = ENV,
    **kw: Any,
) -> MessagingEndpoint:
    """A messaging endpoint; `welcome` is `(bundle_id, pack_id, flow_id)`."""
    flow = (
        None
        if welcome is None
        else WelcomeFlow(bundle_id=welcome[0], pack_id=welcome[1], flow_id=welcome[2])
    )
    return MessagingEndpoint(
        env_id=env_id,
        endpoint_id=endpoint_id,
        provider_id=provider_id,
        provider_type=provider_type,
        linked_bundles=list(linked),
        welcome_flow=flow,
        created_at=kw.pop("created_at", TS),
        updated_at=kw.pop("updated_at", TS),
        **kw,
    )


def environment(env_id: str = ENV, **kw: Any) -> Environment:
    """An environment with empty collections unless overridden."""
    return Environment(
        environment_id=env_id,
        name=kw.pop("name", f"{env_id} environment"),
        host_config=kw.pop("host_config", host_config(env_id)),
        **kw,
    )


def valid_env() -> Environment:
    """A fully populated environment that passes every check"""
    return environment(
        host_config=host_config(public_base_url="https://deploy.example.com"),
        packs=[pack_binding(), pack_binding(CapabilitySlot.secrets, SECRETS_KIND)],
        credentials_ref=f"secret://{ENV}/deployer/credentials",
        bundles=[
            deployment(config_overrides={"greentic.flows.main": {"greeting": "hi"}}),
            deployment(D2, bundle_id="b2", customer_id="globex"),
        ],
        revisions=[
            revision(R1, packs=["greentic.flows.main"], lock_ref=f"revisions/{R1}/pack-list.lock"),
            revision(R2, packs=["greentic.flows.main"], sequence=2),
            revision(R3, D2, bundle_id="b2"),
        ],
        traffic_splits=[
            split(D1, [(R1, 7_000), (R2, 3_000)]),
            split(D2, [(R3, 10_000)], bundle_id="b2"),
        ],
        messaging_endpoints=[endpoint(welcome=("b1", "greentic.flows.main", "welcome"))],
        extensions=[extension(), extension(instance_id="eu-1")],
    )


def validation_error(env: Environment) -> SpecError:
    """Run `env.validate()`, expecting a SpecError; assert the input was not mutated."""
    before = env.to_json_dict()
    with pytest.raises(SpecError) as info:
        env.validate()
    assert env.to_json_dict() == before
    return info.value


@pytest.fixture
def env() -> Environment:
    """A valid, fully populated environment."""
    return valid_env()
