"""The Environment compose view and its ordered validation."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from greentic_deployer.spec.bindings import EnvPackBinding, ExtensionBinding
from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.bundle import BundleDeployment
from greentic_deployer.spec.clock import Timestamp
from greentic_deployer.spec.documents import MessagingEndpoint
from greentic_deployer.spec.errors import SpecError, SpecErrorCode, check_schema
from greentic_deployer.spec.host import (
    EnvironmentHostConfig,
    canonical_public_base_url,
    check_stored_listen_addr,
)
from greentic_deployer.spec.ids import EnvId, SecretRef, secret_ref_env
from greentic_deployer.spec.revision import REVISION_SCHEMA, Revision
from greentic_deployer.spec.serde import SpecModel
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TrafficSplit

ENVIRONMENT_SCHEMA = "greentic.environment.v1"


class Revocation(SpecModel):
    """Revocation-list requirements."""

    required: bool = False
    list_ref: str | None = None


class Retention(SpecModel):
    """Retention hints (not enforced by this subsystem)."""

    keep_revisions: int | None = Field(default=None, ge=0, le=U32_MAX)
    audit_retention_days: int | None = Field(default=None, ge=0, le=U32_MAX)


class HealthState(StrEnum):
    """Coarse environment health."""

    unknown = "unknown"
    green = "green"
    yellow = "yellow"
    red = "red"


class Health(SpecModel):
    """Last known environment health."""

    state: HealthState = HealthState.unknown
    message: str | None = None
    last_checked_at: Timestamp | None = None


def _mismatch(context: str, expected: str, actual: str) -> SpecError:
    return SpecError(
        SpecErrorCode.EnvIdMismatch,
        f"{context}: env id {actual!r} does not match environment {expected!r}",
        context=context,
        expected=expected,
        actual=actual,
    )


class Environment(SpecModel):
    """`greentic.environment.v1`: everything the store knows about one environment."""

    schema_: str = Field(default=ENVIRONMENT_SCHEMA, alias="schema")
    environment_id: EnvId
    name: str
    host_config: EnvironmentHostConfig
    packs: list[EnvPackBinding] = Field(default_factory=list)
    credentials_ref: SecretRef | None = None
    bundles: list[BundleDeployment] = Field(default_factory=list)
    revisions: list[Revision] = Field(default_factory=list)
    traffic_splits: list[TrafficSplit] = Field(default_factory=list)
    messaging_endpoints: list[MessagingEndpoint] = Field(default_factory=list)
    extensions: list[ExtensionBinding] = Field(default_factory=list)
    revocation: Revocation = Field(default_factory=Revocation)
    retention: Retention = Field(default_factory=Retention)
    health: Health = Field(default_factory=Health)

    # -- lookups -----------------------------------------------------------------

    def pack_for_slot(self, slot: CapabilitySlot) -> EnvPackBinding | None:
        """The binding of `slot`, if any."""
        return next((p for p in self.packs if p.slot == slot), None)

    def extension_for(self, path: str, instance_id: str | None) -> ExtensionBinding | None:
        """The extension bound at `(path, instance_id)`, if any."""
        return next((e for e in self.extensions if e.identity == (path, instance_id)), None)

    def revision(self, revision_id: str) -> Revision | None:
        """The revision with this id, if any."""
        return next((r for r in self.revisions if r.revision_id == revision_id), None)

    def deployment(self, deployment_id: str) -> BundleDeployment | None:
        """The bundle deployment with this id, if any."""
        return next((b for b in self.bundles if b.deployment_id == deployment_id), None)

    def split_for(self, deployment_id: str) -> TrafficSplit | None:
        """The traffic split of this deployment, if any."""
        return next((s for s in self.traffic_splits if s.deployment_id == deployment_id), None)

    # -- validation --------------------------------------------------------------

    def validate(self) -> None:  # type: ignore[override]
        """Run every check in order; the first failure raises SpecError."""
        env_id = self.environment_id
        check_schema(self.schema_, ENVIRONMENT_SCHEMA)
        if self.host_config.env_id != env_id:
            raise _mismatch("host_config", env_id, self.host_config.env_id)
        if self.host_config.public_base_url is not None:
            canonical_public_base_url(self.host_config.public_base_url)
        if self.host_config.listen_addr is not None:
            check_stored_listen_addr(self.host_config.listen_addr)
        self._check_slots()
        if self.credentials_ref is not None and secret_ref_env(self.credentials_ref) != env_id:
            raise SpecError(
                SpecErrorCode.CrossEnvRef,
                f"credentials_ref {self.credentials_ref!r} is not scoped to environment {env_id!r}",
                reference=self.credentials_ref,
            )
        revisions = {r.revision_id: r for r in self.revisions}
        self._check_revisions()
        self._check_bundles(revisions)
        self._check_splits(revisions)
        self._check_messaging()
        self._check_extensions()

    def _check_slots(self) -> None:
        seen: set[CapabilitySlot] = set()
        for binding in self.packs:
            if binding.slot in seen:
                raise SpecError(
                    SpecErrorCode.DuplicateCapabilitySlot,
                    f"slot {binding.slot.value!r} is bound more than once",
                    slot=binding.slot.value,
                )
            seen.add(binding.slot)

    def _check_revisions(self) -> None:
        for revision in self.revisions:
            check_schema(revision.schema_, REVISION_SCHEMA, f"revision {revision.revision_id}")
            if revision.env_id != self.environment_id:
                raise _mismatch(
                    f"revision {revision.revision_id}", self.environment_id, revision.env_id
                )

    def _check_bundles(self, revisions: dict[str, Revision]) -> None:
        for bundle in self.bundles:
            if bundle.env_id != self.environment_id:
                raise _mismatch(
                    f"bundle deployment {bundle.deployment_id}", self.environment_id, bundle.env_id
                )
            bundle.validate()
            for rid in bundle.current_revisions:
                revision = revisions.get(rid)
                if revision is None:
                    raise SpecError(
                        SpecErrorCode.UnknownRevision,
                        f"deployment {bundle.deployment_id} lists unknown current revision {rid}",
                        revision_id=rid,
                    )
                if revision.deployment_id != bundle.deployment_id:
                    raise SpecError(
                        SpecErrorCode.BundleRevisionWrongDeployment,
                        f"revision {rid} belongs to deployment {revision.deployment_id}, "
                        f"not {bundle.deployment_id}",
                        revision_id=rid,
                    )
                if revision.bundle_id != bundle.bundle_id:
                    raise SpecError(
                        SpecErrorCode.BundleRevisionWrongBundle,
                        f"revision {rid} is of bundle {revision.bundle_id!r}, "
                        f"not {bundle.bundle_id!r}",
                        revision_id=rid,
                    )
            if bundle.config_overrides:
                packs = {
                    entry.pack_id
                    for r in self.revisions
                    if r.deployment_id == bundle.deployment_id and r.lifecycle.is_retained
                    for entry in r.pack_list
                }
                # An empty union is forward-accepted: overrides may precede the first stage.
                for pack_id in sorted(bundle.config_overrides):
                    if packs and pack_id not in packs:
                        raise SpecError(
                            SpecErrorCode.ConfigOverridePackNotInRevisions,
                            f"config override pack {pack_id!r} of deployment "
                            f"{bundle.deployment_id} is in no non-archived revision's pack list; "
                            "change or clear the overrides (`op bundles update`, "
                            "config_overrides: {}) first",
                            pack_id=pack_id,
                        )

    def _check_splits(self, revisions: dict[str, Revision]) -> None:
        deployments = {b.deployment_id: b for b in self.bundles}
        for split in self.traffic_splits:
            if split.env_id != self.environment_id:
                raise _mismatch(
                    f"traffic split of {split.deployment_id}", self.environment_id, split.env_id
                )
            split.validate()
            deployment = deployments.get(split.deployment_id)
            if deployment is None:
                raise SpecError(
                    SpecErrorCode.UnknownDeployment,
                    f"traffic split names unknown deployment {split.deployment_id}",
                    deployment_id=split.deployment_id,
                )
            if deployment.bundle_id != split.bundle_id:
                raise SpecError(
                    SpecErrorCode.SplitDeploymentBundleMismatch,
                    f"split bundle {split.bundle_id!r} differs from deployment bundle "
                    f"{deployment.bundle_id!r}",
                    deployment_id=split.deployment_id,
                )
            for entry in split.entries:
                revision = revisions.get(entry.revision_id)
                if revision is None:
                    raise SpecError(
                        SpecErrorCode.UnknownRevision,
                        f"split of {split.deployment_id} names unknown revision "
                        f"{entry.revision_id}",
                        revision_id=entry.revision_id,
                    )
                if revision.deployment_id != split.deployment_id:
                    raise SpecError(
                        SpecErrorCode.SplitRevisionWrongDeployment,
                        f"revision {entry.revision_id} belongs to deployment "
                        f"{revision.deployment_id}, not {split.deployment_id}",
                        revision_id=entry.revision_id,
                    )
                if revision.bundle_id != split.bundle_id:
                    raise SpecError(
                        SpecErrorCode.SplitRevisionWrongBundle,
                        f"revision {entry.revision_id} is of bundle {revision.bundle_id!r}, "
                        f"not {split.bundle_id!r}",
                        revision_id=entry.revision_id,
                    )

    def _check_messaging(self) -> None:
        bundle_ids = {b.bundle_id for b in self.bundles}
        seen_ids: set[str] = set()
        seen_providers: set[tuple[str, str]] = set()
        for endpoint in self.messaging_endpoints:
            endpoint.validate()
            if endpoint.env_id != self.environment_id:
                raise _mismatch(
                    f"messaging endpoint {endpoint.endpoint_id}",
                    self.environment_id,
                    endpoint.env_id,
                )
            if endpoint.endpoint_id in seen_ids:
                raise SpecError(
                    SpecErrorCode.DuplicateMessagingEndpoint,
                    f"messaging endpoint {endpoint.endpoint_id} appears twice",
                )
            seen_ids.add(endpoint.endpoint_id)
            provider = (endpoint.provider_type, endpoint.provider_id)
            if provider in seen_providers:
                raise SpecError(
                    SpecErrorCode.DuplicateProviderInstance,
                    f"provider {endpoint.provider_type}/{endpoint.provider_id} is bound twice",
                )
            seen_providers.add(provider)
            for linked in endpoint.linked_bundles:
                if linked not in bundle_ids:
                    raise SpecError(
                        SpecErrorCode.MessagingEndpointBundleNotLinked,
                        f"endpoint {endpoint.endpoint_id} links bundle {linked!r}, "
                        "which no deployment has",
                        bundle_id=linked,
                    )

    def _check_extensions(self) -> None:
        seen: set[tuple[str, str | None]] = set()
        for extension in self.extensions:
            if not extension.instance_id_is_valid():
                raise SpecError(
                    SpecErrorCode.InvalidExtensionInstanceId,
                    f"extension instance id {extension.instance_id!r} must be [a-z0-9-]+",
                )
            if extension.identity in seen:
                raise SpecError(
                    SpecErrorCode.DuplicateExtension,
                    f"extension {extension.display} is bound twice",
                )
            seen.add(extension.identity)
