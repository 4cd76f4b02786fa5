"""JSON Schema export for every top-level document."""

from __future__ import annotations

from typing import Any

from greentic_deployer.spec.bundle import BundleDeployment
from greentic_deployer.spec.documents import (
    AuditEvent,
    Credentials,
    EnvironmentRuntime,
    MessagingEndpoint,
    PackConfig,
    PackListLock,
    RevenuePolicyDocument,
    SnapshotManifest,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.revision import Revision
from greentic_deployer.spec.runtime_config import RuntimeConfig
from greentic_deployer.spec.serde import SpecModel
from greentic_deployer.spec.traffic import TrafficSplit

DOCUMENTS: dict[str, type[SpecModel]] = {
    "greentic.environment.v1": Environment,
    "greentic.revision.v1": Revision,
    "greentic.traffic-split.v1": TrafficSplit,
    "greentic.bundle-deployment.v1": BundleDeployment,
    "greentic.runtime-config.v1": RuntimeConfig,
    "greentic.pack-list-lock.v1": PackListLock,
    "greentic.pack-config.v1": PackConfig,
    "greentic.environment-runtime.v1": EnvironmentRuntime,
    "greentic.credentials.v1": Credentials,
    "greentic.audit.event.v1": AuditEvent,
    "greentic.messaging-endpoint.v1": MessagingEndpoint,
    "greentic.revenue-policy.v1": RevenuePolicyDocument,
    "greentic.snapshot-manifest.v1": SnapshotManifest,
}


def document_schema(discriminator: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one top-level document, by its discriminator."""
    model = DOCUMENTS[discriminator]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = discriminator
    return schema


def all_document_schemas() -> dict[str, dict[str, Any]]:
    """Every top-level document's schema, keyed by discriminator."""
    return {name: document_schema(name) for name in DOCUMENTS}
