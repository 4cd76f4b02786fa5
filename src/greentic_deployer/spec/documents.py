"""Other top-level documents"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from greentic_deployer.spec.bundle import RevenueShareEntry
from greentic_deployer.spec.clock import Timestamp
from greentic_deployer.spec.errors import SpecError, SpecErrorCode, check_schema
from greentic_deployer.spec.ids import (
    DescriptorStr,
    EnvId,
    RuntimeRef,
    SecretRef,
    Ulid,
    secret_ref_env,
)
from greentic_deployer.spec.serde import FreeJson, SortedMap, SpecModel

PACK_LIST_LOCK_SCHEMA = "greentic.pack-list-lock.v1"
PACK_CONFIG_SCHEMA = "greentic.pack-config.v1"
ENVIRONMENT_RUNTIME_SCHEMA = "greentic.environment-runtime.v1"
CREDENTIALS_SCHEMA = "greentic.credentials.v1"
AUDIT_EVENT_SCHEMA = "greentic.audit.event.v1"
MESSAGING_ENDPOINT_SCHEMA = "greentic.messaging-endpoint.v1"
REVENUE_POLICY_SCHEMA = "greentic.revenue-policy.v1"
SNAPSHOT_MANIFEST_SCHEMA = "greentic.snapshot-manifest.v1"


class PackLockEntry(SpecModel):
    """One pinned `.gtpack` file."""

    pack_id: str
    path: str
    digest: str


class PackListLock(SpecModel):
    """`revisions/<rid>/pack-list.lock`: packs sorted by path."""

    schema_: str = Field(default=PACK_LIST_LOCK_SCHEMA, alias="schema")
    revision_id: Ulid
    packs: list[PackLockEntry] = Field(default_factory=list)


class PackConfig(SpecModel):
    """`revisions/<rid>/pack-configs/<pack_id>.json`."""

    schema_: str = Field(default=PACK_CONFIG_SCHEMA, alias="schema")
    pack_id: str
    revision_id: Ulid
    non_secret: SortedMap[FreeJson] = Field(default_factory=dict)
    secret_refs: SortedMap[SecretRef] = Field(default_factory=dict)
    runtime_refs: SortedMap[RuntimeRef] = Field(default_factory=dict)


class EnvironmentRuntime(SpecModel):
    """`runtime.json`: what the runtime discovered."""

    schema_: str = Field(default=ENVIRONMENT_RUNTIME_SCHEMA, alias="schema")
    environment_id: EnvId
    discovered: SortedMap[FreeJson] = Field(default_factory=dict)
    generated_at: Timestamp
    generated_by: DescriptorStr
    generation: int = Field(default=0, ge=0)


class CredentialsMode(StrEnum):
    """How deployer credentials were provided."""

    requirements = "requirements"
    bootstrap = "bootstrap"


class ValidationResult(StrEnum):
    """Outcome of a credentials validation run."""

    passed = "pass"
    failed = "fail"


class CredentialsValidation(SpecModel):
    """Last credentials validation run."""

    last_run_at: Timestamp
    result: ValidationResult
    missing_capabilities: list[str] = Field(default_factory=list)


class CredentialsBootstrap(SpecModel):
    """Bootstrap provenance (admin credentials are never persisted)."""

    admin_credential_consumed_at: Timestamp
    rules_pack_ref: str
    generated_credentials_ref: SecretRef


class CredentialsExpiry(SpecModel):
    """When credentials expire / should rotate."""

    expires_at: Timestamp
    rotate_at: Timestamp | None = None


class Credentials(SpecModel):
    """`greentic.credentials.v1`."""

    schema_: str = Field(default=CREDENTIALS_SCHEMA, alias="schema")
    env_id: EnvId
    deployer_kind: DescriptorStr
    mode: CredentialsMode
    provided_credentials_ref: SecretRef
    validation: CredentialsValidation
    bootstrap: CredentialsBootstrap | None = None
    expiry: CredentialsExpiry | None = None

    def validate(self) -> None:  # type: ignore[override]
        """Discriminator and every SecretRef scoped to `env_id`."""
        check_schema(self.schema_, CREDENTIALS_SCHEMA)
        refs = [self.provided_credentials_ref]
        if self.bootstrap is not None:
            refs.append(self.bootstrap.generated_credentials_ref)
        for ref in refs:
            if secret_ref_env(ref) != self.env_id:
                raise SpecError(
                    SpecErrorCode.CrossEnvRef,
                    f"secret ref {ref!r} is not scoped to environment {self.env_id!r}",
                    reference=ref,
                )


class AuditActor(SpecModel):
    """Who ran a verb."""

    kind: Literal["local-user"] = "local-user"
    user: str | None = None
    uid: int | None = None


class AuthorizationAllow(SpecModel):
    """Authorization decision: allowed."""

    decision: Literal["allow"] = "allow"
    policy: str
    reason: str


class AuthorizationDeny(SpecModel):
    """Authorization decision: denied."""

    decision: Literal["deny"] = "deny"
    policy: str
    reason: str


class ResultOk(SpecModel):
    """Audit result: success."""

    outcome: Literal["ok"] = "ok"


class ResultError(SpecModel):
    """Audit result: failure with the CLI error kind."""

    outcome: Literal["error"] = "error"
    kind: str
    message: str


class ResultNotYetImplemented(SpecModel):
    """Audit result: the verb is not implemented."""

    outcome: Literal["not-yet-implemented"] = "not-yet-implemented"
    detail: str


Authorization = Annotated[AuthorizationAllow | AuthorizationDeny, Field(discriminator="decision")]
AuditResult = Annotated[
    ResultOk | ResultError | ResultNotYetImplemented, Field(discriminator="outcome")
]


class AuditEvent(SpecModel):
    """One line of `audit/events.jsonl`."""

    schema_: str = Field(default=AUDIT_EVENT_SCHEMA, alias="schema")
    event_id: Ulid
    ts: Timestamp
    actor: AuditActor
    env_id: EnvId
    noun: str
    verb: str
    target: FreeJson = None
    previous_generation: int | None = None
    new_generation: int | None = None
    idempotency_key: str | None = None
    authorization: Authorization
    result: AuditResult


class WelcomeFlow(SpecModel):
    """The flow a messaging endpoint greets new users with."""

    bundle_id: str
    pack_id: str
    flow_id: str


class MessagingEndpoint(SpecModel):
    """`greentic.messaging-endpoint.v1` (part of the env document; not a CLI noun here)."""

    schema_: str = Field(default=MESSAGING_ENDPOINT_SCHEMA, alias="schema")
    env_id: EnvId
    endpoint_id: Ulid
    provider_id: str
    provider_type: str
    display_name: str = ""
    secret_refs: list[SecretRef] = Field(default_factory=list)
    webhook_secret_ref: SecretRef | None = None
    linked_bundles: list[str] = Field(default_factory=list)
    welcome_flow: WelcomeFlow | None = None
    generation: int = Field(default=0, ge=0)
    created_at: Timestamp
    updated_at: Timestamp
    updated_by: str = "operator"

    def validate(self) -> None:  # type: ignore[override]
        """Discriminator, non-empty provider fields, welcome flow linked."""
        check_schema(self.schema_, MESSAGING_ENDPOINT_SCHEMA)
        if not self.provider_id.strip():
            raise SpecError(
                SpecErrorCode.EmptyMessagingProviderId,
                f"messaging endpoint {self.endpoint_id} has an empty provider_id",
            )
        if not self.provider_type.strip():
            raise SpecError(
                SpecErrorCode.EmptyMessagingProviderType,
                f"messaging endpoint {self.endpoint_id} has an empty provider_type",
            )
        if self.welcome_flow is not None:
            if not self.welcome_flow.flow_id.strip():
                raise SpecError(
                    SpecErrorCode.EmptyWelcomeFlowId,
                    f"messaging endpoint {self.endpoint_id} has an empty welcome flow id",
                )
            if self.welcome_flow.bundle_id not in self.linked_bundles:
                raise SpecError(
                    SpecErrorCode.WelcomeFlowBundleNotLinked,
                    f"welcome flow bundle {self.welcome_flow.bundle_id!r} is not among the "
                    f"linked bundles of endpoint {self.endpoint_id}",
                    bundle_id=self.welcome_flow.bundle_id,
                )


class RevenuePolicyDocument(SpecModel):
    """`greentic.revenue-policy.v1`: a versioned revenue share."""

    schema_: str = Field(default=REVENUE_POLICY_SCHEMA, alias="schema")
    version: int
    deployment_id: Ulid
    env_id: EnvId
    bundle_id: str
    customer_id: str
    revenue_share: list[RevenueShareEntry]
    created_at: Timestamp
    previous_version_ref: str | None = None

    def validate(self) -> None:  # type: ignore[override]
        """Discriminator, version ≥ 1, shares sum to 10000."""
        from greentic_deployer.spec.traffic import check_basis_points

        check_schema(self.schema_, REVENUE_POLICY_SCHEMA)
        if self.version < 1:
            raise SpecError(
                SpecErrorCode.RevenuePolicyVersionZero, "revenue policy version must be ≥ 1"
            )
        check_basis_points([e.basis_points for e in self.revenue_share], "revenue_share")


class SnapshotManifest(SpecModel):
    """`snapshots/<id>/manifest.json`: which tracked files were present."""

    schema_: str = Field(default=SNAPSHOT_MANIFEST_SCHEMA, alias="schema")
    env_id: EnvId
    files: SortedMap[bool] = Field(default_factory=dict)
