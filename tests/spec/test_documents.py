"""Other documents, bindings, slots and the typed document parser."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from greentic_deployer.spec.bindings import LOCAL_DEFAULT_KINDS, local_default_bindings
from greentic_deployer.spec.bundle import BundleDeployment, RevenueShareEntry
from greentic_deployer.spec.documents import (
    Credentials,
    CredentialsBootstrap,
    CredentialsValidation,
    RevenuePolicyDocument,
    ValidationResult,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import DocumentError, SpecError, SpecErrorCode
from greentic_deployer.spec.parse import parse_document
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.slots import CORE_SLOTS, CapabilitySlot
from greentic_deployer.spec.traffic import TrafficEntry

from .conftest import D1, ENV, R1, TS, evolve, extension

# -- slots and bindings --------------------------------------------------------------


def test_slots() -> None:
    assert [s.value for s in CapabilitySlot] == [
        "deployer",
        "secrets",
        "telemetry",
        "sessions",
        "state",
        "revocation",
        "messaging",
        "extension",
    ]
    assert [s.value for s in CORE_SLOTS] == [
        "deployer",
        "secrets",
        "telemetry",
        "sessions",
        "state",
        "revocation",
    ]
    assert not CapabilitySlot.messaging.binds_in_packs
    assert not CapabilitySlot.extension.binds_in_packs


def test_local_default_bindings() -> None:
    bindings = local_default_bindings()
    assert [(b.slot.value, b.kind) for b in bindings] == [
        ("deployer", "greentic.deployer.local-process@0.1.0"),
        ("secrets", "greentic.secrets.dev-store@0.1.0"),
        ("telemetry", "greentic.telemetry.stdout@0.1.0"),
        ("sessions", "greentic.sessions.in-memory@0.1.0"),
        ("state", "greentic.state.in-memory@0.1.0"),
    ]
    assert all(b.pack_ref == b.kind and b.generation == 0 for b in bindings)
    assert CapabilitySlot.revocation not in LOCAL_DEFAULT_KINDS
    assert bindings[0].to_json_dict() == {
        "slot": "deployer",
        "kind": "greentic.deployer.local-process@0.1.0",
        "pack_ref": "greentic.deployer.local-process@0.1.0",
        "generation": 0,
    }


def test_extension_identity() -> None:
    plain = extension()
    named = extension(instance_id="eu-1")
    assert plain.identity == ("greentic.ext.observer", None)
    assert named.identity == ("greentic.ext.observer", "eu-1")
    assert plain.instance_id_is_valid()
    assert named.instance_id_is_valid()
    assert not extension(instance_id="EU").instance_id_is_valid()
    assert not extension(instance_id="").instance_id_is_valid()


def test_lifecycle_cluster_presence() -> None:
    present = {s for s in Lifecycle if s.has_cluster_presence}
    assert present == {Lifecycle.warming, Lifecycle.ready, Lifecycle.draining}


def test_retained_live_and_present_are_nested_concepts() -> None:
    """Every present revision is live, every live one retained; each drops one more state."""
    retained = {s for s in Lifecycle if s.is_retained}
    live = {s for s in Lifecycle if s.is_live}
    present = {s for s in Lifecycle if s.has_cluster_presence}
    assert retained == set(Lifecycle) - {Lifecycle.archived}
    assert live == retained - {Lifecycle.inactive}
    assert present == live - {Lifecycle.staged, Lifecycle.failed}


# -- numeric bounds at parse time ----------------------------------------------------


@pytest.mark.parametrize("weight", [-1, 2**32])
def test_traffic_entry_weight_is_u32(weight: int) -> None:
    with pytest.raises(ValidationError):
        TrafficEntry(revision_id=R1, weight_bps=weight)
    TrafficEntry(revision_id=R1, weight_bps=2**32 - 1)


@pytest.mark.parametrize("points", [-1, 2**32])
def test_revenue_share_is_u32(points: int) -> None:
    with pytest.raises(ValidationError):
        RevenueShareEntry(party_id="p", basis_points=points)


def test_bundle_deployment_defaults() -> None:
    dep = BundleDeployment(
        deployment_id=D1, env_id=ENV, bundle_id="b", customer_id="c", created_at=TS
    )
    out = dep.to_json_dict()
    assert out["status"] == "active"
    assert out["current_revisions"] == []
    assert out["route_binding"] == {
        "hosts": [],
        "path_prefixes": [],
        "tenant_selector": {"tenant": "default", "team": "default"},
    }
    assert out["revenue_share"] == [{"party_id": "greentic", "basis_points": 10_000}]
    assert out["authorization_ref"] == "auth.json"
    assert "usage" not in out
    dep.validate()


# -- credentials ---------------------------------------------------------------------


def credentials(**changes: Any) -> Credentials:
    base = Credentials(
        env_id=ENV,
        deployer_kind="greentic.deployer.k8s@1.0.0",
        mode="bootstrap",
        provided_credentials_ref=f"secret://{ENV}/deployer/provided",
        validation=CredentialsValidation(last_run_at=TS, result=ValidationResult.passed),
        bootstrap=CredentialsBootstrap(
            admin_credential_consumed_at=TS,
            rules_pack_ref="rules.gtpack",
            generated_credentials_ref=f"secret://{ENV}/deployer/generated",
        ),
    )
    return evolve(base, **changes) if changes else base


def test_credentials_valid() -> None:
    creds = credentials()
    creds.validate()
    assert creds.to_json_dict()["validation"]["result"] == "pass"
    assert "expiry" not in creds.to_json_dict()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"schema_": "greentic.credentials.v0"}, SpecErrorCode.SchemaMismatch),
        ({"provided_credentials_ref": "secret://other/x"}, SpecErrorCode.CrossEnvRef),
        (
            {
                "bootstrap": {
                    "admin_credential_consumed_at": TS,
                    "rules_pack_ref": "r",
                    "generated_credentials_ref": "secret://other/g",
                }
            },
            SpecErrorCode.CrossEnvRef,
        ),
    ],
)
def test_credentials_invalid(changes: dict[str, Any], code: SpecErrorCode) -> None:
    with pytest.raises(SpecError) as info:
        credentials(**changes).validate()
    assert info.value.code is code


# -- revenue policy ------------------------------------------------------------------


def policy(version: int, shares: list[tuple[str, int]]) -> RevenuePolicyDocument:
    return RevenuePolicyDocument(
        version=version,
        deployment_id=D1,
        env_id=ENV,
        bundle_id="b",
        customer_id="c",
        revenue_share=[RevenueShareEntry(party_id=p, basis_points=b) for p, b in shares],
        created_at=TS,
    )


def test_revenue_policy() -> None:
    policy(1, [("greentic", 10_000)]).validate()
    with pytest.raises(SpecError) as info:
        policy(0, [("greentic", 10_000)]).validate()
    assert info.value.code is SpecErrorCode.RevenuePolicyVersionZero
    with pytest.raises(SpecError) as info:
        policy(2, [("greentic", 9_000)]).validate()
    assert info.value.code is SpecErrorCode.BasisPointsSum


# -- parse_document ------------------------------------------------------------------


def test_parse_document_success() -> None:
    env = parse_document(
        Environment,
        {"environment_id": ENV, "name": "n", "host_config": {"env_id": ENV}, "extra": 1},
        "environment.json",
    )
    assert env.environment_id == ENV


@pytest.mark.parametrize("data", [[], "x", None, 3])
def test_parse_document_requires_an_object(data: Any) -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(Environment, data, "environment.json")
    assert str(info.value).startswith("environment.json: expected a JSON object")
    assert info.value.kind == "invalid-argument"


def test_parse_document_names_field_paths_and_rules() -> None:
    data = {
        "environment_id": "bad/id",
        "name": "n",
        "host_config": {"env_id": ENV},
        "packs": [{"slot": "deployer", "kind": "nodot@1.0.0", "pack_ref": "b"}],
    }
    with pytest.raises(DocumentError) as info:
        parse_document(Environment, data, "environment.json")
    message = str(info.value)
    assert message.startswith("environment.json: environment_id: environment_id: ")
    assert "packs.0.kind: kind: PathMissingDot" in message
    assert "Value error" not in message


def test_parse_document_missing_field() -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(Environment, {"environment_id": ENV}, "env")
    assert "name: Field required" in str(info.value)
    assert "host_config: Field required" in str(info.value)


def test_parse_document_caps_the_list_of_problems() -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(
            BundleDeployment,
            {"deployment_id": "x", "env_id": "a b", "created_at": "nope"},
            "bundle",
        )
    assert str(info.value).count(": ") >= 3
    assert "and 2 more" in str(info.value)
