"""Payload shapes of the payload verbs (what `--answers` files contain)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.bundle import (
    DeploymentStatus,
    RevenueShareEntry,
    RouteBinding,
    TenantSelector,
)
from greentic_deployer.spec.local import LOCAL_ENV_ID
from greentic_deployer.spec.revision import PackListEntry


class Payload(BaseModel):
    """Strict payload base: an unknown key is a typo, so it is rejected (at every depth)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class TenantSelectorInput(Payload):
    """`route_binding.tenant_selector` as given by a user."""

    tenant: str = "default"
    team: str = "default"


class RouteBindingInput(Payload):
    """`route_binding` as given by a user."""

    hosts: list[str] = Field(default_factory=list)
    path_prefixes: list[str] = Field(default_factory=list)
    tenant_selector: TenantSelectorInput = Field(default_factory=TenantSelectorInput)

    def to_spec(self) -> RouteBinding:
        """The stored shape."""
        return RouteBinding(
            hosts=self.hosts,
            path_prefixes=self.path_prefixes,
            tenant_selector=TenantSelector(**self.tenant_selector.model_dump()),
        )


class RevenueShareInput(Payload):
    """One `revenue_share` entry as given by a user."""

    party_id: str
    basis_points: int = Field(ge=0, le=U32_MAX)

    def to_spec(self) -> RevenueShareEntry:
        """The stored shape."""
        return RevenueShareEntry(party_id=self.party_id, basis_points=self.basis_points)


class PackListEntryInput(Payload):
    """One `pack_list` entry of the pointer form of `revisions stage`."""

    pack_id: str
    version: str
    digest: str
    source_uri: str | None = None

    def to_spec(self) -> PackListEntry:
        """The stored shape."""
        return PackListEntry(**self.model_dump())


def revenue_share(entries: list[RevenueShareInput] | None) -> list[RevenueShareEntry] | None:
    """The stored revenue share, or None when not given."""
    return None if entries is None else [e.to_spec() for e in entries]


class CreateEnvPayload(Payload):
    """`op env create`."""

    environment_id: str
    name: str
    region: str | None = None
    tenant_org_id: str | None = None
    listen_addr: str | None = None
    public_base_url: str | None = None
    idempotency_key: str | None = None


class UpdateEnvPayload(Payload):
    """`op env update`: only the given fields change."""

    environment_id: str
    name: str | None = None
    region: str | None = None
    tenant_org_id: str | None = None
    listen_addr: str | None = None
    public_base_url: str | None = None
    idempotency_key: str | None = None


class BindingPayload(Payload):
    """`op env-packs add|update`."""

    environment_id: str
    slot: str
    kind: str
    pack_ref: str
    answers_ref: str | None = None
    idempotency_key: str | None = None


class BindingSlotPayload(Payload):
    """`op env-packs remove|rollback`."""

    environment_id: str
    slot: str
    idempotency_key: str | None = None


class BundleAddPayload(Payload):
    """`op bundles add`."""

    environment_id: str
    bundle_id: str
    customer_id: str | None = None
    route_binding: RouteBindingInput = Field(default_factory=RouteBindingInput)
    revenue_share: list[RevenueShareInput] | None = None
    authorization_ref: str = "auth.json"
    config_overrides: dict[str, dict[str, Any]] | None = None
    idempotency_key: str | None = None


class BundleUpdatePayload(Payload):
    """`op bundles update` (absent = keep; config_overrides replaces wholesale, {} clears)."""

    environment_id: str
    deployment_id: str
    status: DeploymentStatus | None = None
    route_binding: RouteBindingInput | None = None
    revenue_share: list[RevenueShareInput] | None = None
    config_overrides: dict[str, dict[str, Any]] | None = None
    idempotency_key: str | None = None


class BundleRemovePayload(Payload):
    """`op bundles remove`."""

    environment_id: str
    deployment_id: str
    idempotency_key: str | None = None


class StagePayload(Payload):
    """`op revisions stage`: a bundle file, or the pointer form recorded verbatim."""

    environment_id: str
    deployment_id: str
    bundle_path: str | None = None
    bundle_source_uri: str | None = None
    bundle_digest: str = "sha256:00"
    pack_list: list[PackListEntryInput] = Field(default_factory=list)
    pack_list_lock_ref: str = ""
    config_digest: str = "sha256:00"
    signature_sidecar_ref: str = "rev.sig"
    drain_seconds: int = Field(default=30, ge=0, le=U32_MAX)
    revision_id: str | None = None
    idempotency_key: str | None = None


class RevisionVerbPayload(Payload):
    """`op revisions warm|drain|archive`."""

    environment_id: str
    revision_id: str
    idempotency_key: str | None = None


class DrainPayload(RevisionVerbPayload):
    """`op revisions drain`: `force` drains a revision that still carries traffic."""

    force: bool = False


class TrafficEntryPayload(Payload):
    """One entry of `op traffic set --answers`: `weight_bps` wins over `weight_percent`."""

    revision_id: str
    weight_bps: int | None = Field(default=None, ge=0, le=U32_MAX)
    weight_percent: float | None = None

    @model_validator(mode="after")
    def _one_weight(self) -> TrafficEntryPayload:
        if self.weight_bps is None and self.weight_percent is None:
            raise ValueError(f"entry {self.revision_id}: give weight_bps or weight_percent")
        return self


class TrafficSetPayload(Payload):
    """`op traffic set`."""

    environment_id: str
    deployment_id: str
    entries: list[TrafficEntryPayload]
    idempotency_key: str
    updated_by: str = "operator"
    authorization_ref: str = "auth.json"


class DeployPayload(Payload):
    """`op deploy --answers`."""

    bundle_path: str
    environment_id: str = LOCAL_ENV_ID
    bundle_id: str | None = None
    customer_id: str | None = None
    idempotency_key: str | None = None
    route_binding: RouteBindingInput | None = None
    revenue_share: list[RevenueShareInput] | None = None
    bundle_source_uri: str | None = None
    config_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
