"""JSON Schema export for every top-level document."""

from __future__ import annotations

import json

import pytest

from greentic_deployer.spec.schema import DOCUMENTS, all_document_schemas, document_schema

KNOWN = {
    "greentic.environment.v1",
    "greentic.revision.v1",
    "greentic.traffic-split.v1",
    "greentic.bundle-deployment.v1",
    "greentic.runtime-config.v1",
    "greentic.pack-list-lock.v1",
    "greentic.pack-config.v1",
    "greentic.environment-runtime.v1",
    "greentic.credentials.v1",
    "greentic.audit.event.v1",
    "greentic.messaging-endpoint.v1",
    "greentic.revenue-policy.v1",
}


def test_documents_cover_every_discriminator() -> None:
    assert set(DOCUMENTS) >= KNOWN


@pytest.mark.parametrize("discriminator", sorted(DOCUMENTS))
def test_every_document_exports_a_schema(discriminator: str) -> None:
    schema = document_schema(discriminator)
    assert schema["$id"] == discriminator
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    props = schema["properties"]
    assert "schema" in props
    assert "schema_" not in props
    # The model's default discriminator is the key it is registered under.
    assert props["schema"]["default"] == discriminator
    json.dumps(schema)  # plain JSON


@pytest.mark.parametrize("discriminator", sorted(DOCUMENTS))
def test_registered_model_defaults_to_its_discriminator(discriminator: str) -> None:
    field = DOCUMENTS[discriminator].model_fields["schema_"]
    assert field.alias == "schema"
    assert field.default == discriminator


def test_all_document_schemas() -> None:
    schemas = all_document_schemas()
    assert list(schemas) == list(DOCUMENTS)
    assert all(s["$id"] == name for name, s in schemas.items())


def test_environment_schema_lists_persisted_fields() -> None:
    props = document_schema("greentic.environment.v1")["properties"]
    for field in (
        "environment_id",
        "name",
        "host_config",
        "packs",
        "credentials_ref",
        "bundles",
        "revisions",
        "traffic_splits",
        "messaging_endpoints",
        "extensions",
        "revocation",
        "retention",
        "health",
    ):
        assert field in props
    required = set(document_schema("greentic.environment.v1")["required"])
    assert {"environment_id", "name", "host_config"} <= required
    assert "packs" not in required


def test_unknown_discriminator() -> None:
    with pytest.raises(KeyError):
        document_schema("greentic.nope.v1")
