"""Bundle deployments: the billing and routing anchor."""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import Field, field_validator

from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.clock import Timestamp
from greentic_deployer.spec.errors import SpecError, SpecErrorCode, check_schema
from greentic_deployer.spec.ids import EnvId, Ulid
from greentic_deployer.spec.serde import FreeJson, SortedMap, SpecModel
from greentic_deployer.spec.traffic import check_basis_points

BUNDLE_DEPLOYMENT_SCHEMA = "greentic.bundle-deployment.v1"
MAX_OVERRIDE_PACKS = 32
MAX_OVERRIDE_KEYS_PER_PACK = 64
MAX_OVERRIDES_BYTES = 16 * 1024


class DeploymentStatus(StrEnum):
    """Administrative status of a deployment (not consumed by renderers)."""

    active = "active"
    paused = "paused"
    archived = "archived"


class TenantSelector(SpecModel):
    """Which tenant/team a deployment serves."""

    tenant: str = "default"
    team: str = "default"


class RouteBinding(SpecModel):
    """How requests reach a deployment."""

    hosts: list[str] = Field(default_factory=list)
    path_prefixes: list[str] = Field(default_factory=list)
    tenant_selector: TenantSelector = Field(default_factory=TenantSelector)


class RevenueShareEntry(SpecModel):
    """One party's share of revenue, in basis points."""

    party_id: str
    basis_points: int = Field(ge=0, le=U32_MAX)


class UsageMeter(SpecModel):
    """Where usage is metered."""

    meter_endpoint: str
    last_seen_at: Timestamp | None = None


ConfigOverrides = SortedMap[SortedMap[FreeJson]]


def default_revenue_share() -> list[RevenueShareEntry]:
    """The CLI default: all to greentic."""
    return [RevenueShareEntry(party_id="greentic", basis_points=10_000)]


def check_config_overrides(overrides: dict[str, dict[str, object]]) -> None:
    """Caps: ≤ 32 packs, ≤ 64 keys per pack, ≤ 16 KiB compact JSON, no empty ids or keys."""
    if len(overrides) > MAX_OVERRIDE_PACKS:
        raise SpecError(
            SpecErrorCode.ConfigOverridesTooManyPacks,
            f"config_overrides names {len(overrides)} packs, at most {MAX_OVERRIDE_PACKS}",
            count=len(overrides),
        )
    for pack_id, keys in overrides.items():
        if not pack_id.strip():
            raise SpecError(
                SpecErrorCode.ConfigOverrideEmptyPackId, "config_overrides has an empty pack id"
            )
        if len(keys) > MAX_OVERRIDE_KEYS_PER_PACK:
            raise SpecError(
                SpecErrorCode.ConfigOverridesTooManyKeysForPack,
                f"config_overrides[{pack_id!r}] has {len(keys)} keys, "
                f"at most {MAX_OVERRIDE_KEYS_PER_PACK}",
                pack_id=pack_id,
                count=len(keys),
            )
        for key in keys:
            if not key.strip():
                raise SpecError(
                    SpecErrorCode.ConfigOverrideEmptyKey,
                    f"config_overrides[{pack_id!r}] has an empty key",
                    pack_id=pack_id,
                )
    size = len(json.dumps(overrides, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_OVERRIDES_BYTES:
        raise SpecError(
            SpecErrorCode.ConfigOverridesTooLarge,
            f"config_overrides is {size} bytes of compact JSON, at most {MAX_OVERRIDES_BYTES}",
            size=size,
        )


class BundleDeployment(SpecModel):
    """A bundle deployed for one customer in one environment."""

    schema_: str = Field(default=BUNDLE_DEPLOYMENT_SCHEMA, alias="schema")
    deployment_id: Ulid
    env_id: EnvId
    bundle_id: str
    customer_id: str
    status: DeploymentStatus = DeploymentStatus.active
    current_revisions: list[Ulid] = Field(default_factory=list)
    route_binding: RouteBinding = Field(default_factory=RouteBinding)
    revenue_share: list[RevenueShareEntry] = Field(default_factory=default_revenue_share)
    revenue_policy_ref: str = ""
    usage: UsageMeter | None = None
    created_at: Timestamp
    authorization_ref: str = "auth.json"
    config_overrides: ConfigOverrides | None = None

    @field_validator("config_overrides")
    @classmethod
    def _empty_is_absent(cls, value: dict[str, dict[str, object]] | None) -> object:
        # An empty map is omitted on the wire, so it reads back as absent.
        return value or None

    def validate(self) -> None:  # type: ignore[override]
        """Discriminator, revenue-share basis points, config-override caps."""
        check_schema(self.schema_, BUNDLE_DEPLOYMENT_SCHEMA)
        check_basis_points(
            [e.basis_points for e in self.revenue_share],
            f"revenue_share of deployment {self.deployment_id}",
        )
        if self.config_overrides:
            check_config_overrides(self.config_overrides)  # type: ignore[arg-type]
