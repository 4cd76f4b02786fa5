"""JSON conventions: byte-exact round trips, omitted optionals, sorted maps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.spec.bundle import BundleDeployment
from greentic_deployer.spec.documents import (
    AuditActor,
    AuditEvent,
    AuthorizationAllow,
    EnvironmentRuntime,
    PackConfig,
    ResultError,
    SnapshotManifest,
)
from greentic_deployer.spec.environment import Environment, HealthState
from greentic_deployer.spec.revision import Lifecycle, Revision
from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.spec.serde import dumps_compact, dumps_pretty
from greentic_deployer.spec.stash import decode_stash
from greentic_deployer.spec.traffic import TrafficSplit

from .conftest import R1, TS, deployment, environment, revision

DOC_PATH = Path(__file__).parent / "data" / "prod-eu.environment.json"
DOC = DOC_PATH.read_text(encoding="utf-8")


def reverse_all_keys(value: Any) -> Any:
    """Every object's keys in reverse order (struct fields and map keys alike)."""
    if isinstance(value, dict):
        return {k: reverse_all_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reverse_all_keys(v) for v in value]
    return value


def test_golden_document_round_trips_byte_identical() -> None:
    env = Environment.model_validate_json(DOC)
    env.validate()
    assert dumps_pretty(env) == DOC
    assert DOC.endswith("}\n")


def test_golden_document_content_is_read() -> None:
    env = Environment.model_validate_json(DOC)
    assert env.environment_id == "prod-eu"
    assert env.name == "Production — EU"
    assert env.host_config.gui_enabled is False
    assert env.health.state is HealthState.green
    assert env.retention.keep_revisions == 10
    assert env.retention.audit_retention_days is None
    first, second = env.revisions
    assert first.lifecycle is Lifecycle.draining
    assert first.created_at == "2024-06-01T09:05:00.123456789Z"
    assert second.bundle_source_uri is None
    assert second.warmed_at is None
    assert second.pack_list[1].source_uri is None
    overrides = env.bundles[0].config_overrides
    assert overrides is not None
    assert overrides["greentic.messaging.telegram"]["rate_limit"] is None
    assert overrides["greentic.flows.support"]["threshold"] == 0.75
    # The split's stash decodes to the generation-0 split it replaced.
    current = env.traffic_splits[0]
    previous = decode_stash(current.previous_split_ref, TrafficSplit, "traffic split")
    assert previous.generation == 0
    assert previous.previous_split_ref is None
    assert [(e.revision_id, e.weight_bps) for e in previous.entries] == [
        (first.revision_id, 10_000)
    ]


def test_key_order_of_input_does_not_matter() -> None:
    """Struct fields come out in declared order and every map sorted, whatever the input order."""
    shuffled = json.dumps(reverse_all_keys(json.loads(DOC)), indent=4)
    assert shuffled != DOC
    assert dumps_pretty(Environment.model_validate_json(shuffled)) == DOC


def test_unknown_keys_ignored_on_read_and_dropped_on_write() -> None:
    data = json.loads(DOC)
    data["x-future-field"] = {"a": 1}
    data["host_config"]["zone"] = "a"
    data["packs"][0]["labels"] = ["x"]
    data["bundles"][0]["billing_plan"] = "gold"
    data["bundles"][0]["route_binding"]["tenant_selector"]["org"] = "x"
    data["revisions"][0]["pack_list"][0]["signature"] = "sig"
    data["traffic_splits"][0]["entries"][0]["note"] = None
    data["messaging_endpoints"][0]["welcome_flow"]["locale"] = "de"
    data["extensions"][1]["enabled"] = True
    data["health"]["details"] = {}
    env = Environment.model_validate(data)
    assert dumps_pretty(env) == DOC
    assert "x-future-field" not in env.to_json_dict()


def test_null_optionals_read_as_absent_and_are_omitted() -> None:
    data = json.loads(DOC)
    data["credentials_ref"] = None
    data["revisions"][0]["bundle_source_uri"] = None
    data["revisions"][0]["warmed_at"] = None
    data["bundles"][0]["usage"] = None
    env = Environment.model_validate(data)
    out = env.to_json_dict()
    assert "credentials_ref" not in out
    assert "bundle_source_uri" not in out["revisions"][0]
    assert "warmed_at" not in out["revisions"][0]
    assert "usage" not in out["bundles"][0]
    assert "null" not in dumps_pretty(env).replace('"rate_limit": null', "")


def test_optional_fields_are_omitted_not_null() -> None:
    rev = revision(R1)
    out = rev.to_json_dict()
    for absent in ("bundle_source_uri", "staged_at", "warmed_at"):
        assert absent not in out
    assert "source_uri" not in revision(R1, packs=["a.b"]).to_json_dict()["pack_list"][0]
    env_out = environment().to_json_dict()
    assert "credentials_ref" not in env_out
    assert env_out["revocation"] == {"required": False}
    assert env_out["retention"] == {}
    assert env_out["health"] == {"state": "unknown"}
    assert "null" not in dumps_pretty(environment())


def test_empty_config_overrides_omitted() -> None:
    data = deployment().to_json_dict()
    assert "config_overrides" not in data
    data["config_overrides"] = {}
    parsed = BundleDeployment.model_validate(data)
    assert parsed.config_overrides is None
    assert "config_overrides" not in parsed.to_json_dict()


def test_config_overrides_sorted_at_every_level() -> None:
    dep = deployment(
        config_overrides={
            "z.pack": {"b": 1, "a": {"y": [{"d": 1, "c": 2}], "x": None}},
            "a.pack": {"k": True},
        }
    )
    text = dumps_compact(dep)
    assert text.endswith(
        '"config_overrides":{"a.pack":{"k":true},'
        '"z.pack":{"a":{"x":null,"y":[{"c":2,"d":1}]},"b":1}}}'
    )


def test_pack_config_maps_sorted() -> None:
    config = PackConfig.model_validate(
        {
            "schema": "greentic.pack-config.v1",
            "pack_id": "greentic.flows.support",
            "revision_id": R1,
            "non_secret": {"zeta": {"b": 2, "a": 1}, "alpha": [3, {"q": 1, "p": 0}]},
            "secret_refs": {"token": "secret://prod/t", "api": "secret://prod/a"},
            "runtime_refs": {"z": "runtime://prod/z", "m": "runtime://prod/m"},
        }
    )
    out = config.to_json_dict()
    assert list(out["non_secret"]) == ["alpha", "zeta"]
    assert list(out["non_secret"]["zeta"]) == ["a", "b"]
    assert list(out["non_secret"]["alpha"][1]) == ["p", "q"]
    assert list(out["secret_refs"]) == ["api", "token"]
    assert list(out["runtime_refs"]) == ["m", "z"]
    assert PackConfig.model_validate_json(dumps_pretty(config)) == config


def test_environment_runtime_discovered_sorted_and_round_trips() -> None:
    text = (
        "{\n"
        '  "schema": "greentic.environment-runtime.v1",\n'
        '  "environment_id": "local",\n'
        '  "discovered": {\n'
        '    "gateway": {\n'
        '      "host": "127.0.0.1",\n'
        '      "ports": [\n'
        "        8080,\n"
        "        8443\n"
        "      ]\n"
        "    },\n"
        '    "listen_addr": "127.0.0.1:8080"\n'
        "  },\n"
        '  "generated_at": "2024-06-02T12:00:00.987654321Z",\n'
        '  "generated_by": "greentic.deployer.local-process@0.1.0",\n'
        '  "generation": 4\n'
        "}\n"
    )
    runtime = EnvironmentRuntime.model_validate_json(text)
    assert dumps_pretty(runtime) == text
    unsorted = EnvironmentRuntime.model_validate(
        reverse_all_keys(json.loads(text)) | {"schema": "greentic.environment-runtime.v1"}
    )
    assert dumps_pretty(unsorted) == text


def test_snapshot_manifest_files_sorted() -> None:
    manifest = SnapshotManifest(env_id="prod", files={"z.json": True, "a.json": False})
    assert dumps_compact(manifest) == (
        '{"schema":"greentic.snapshot-manifest.v1","env_id":"prod",'
        '"files":{"a.json":false,"z.json":true}}'
    )


@pytest.mark.parametrize(
    "stamp",
    [
        "2024-06-01T09:05:00.123456789Z",
        "2024-06-01T09:05:00.1Z",
        "2024-06-01T09:05:00Z",
        "2024-06-01T09:05:00.000000000Z",
        "2024-06-01T11:05:00.5+02:00",
    ],
)
def test_timestamps_round_trip_verbatim(stamp: str) -> None:
    rev = revision(R1, staged_at=stamp)
    assert rev.staged_at == stamp
    assert Revision.model_validate_json(dumps_compact(rev)).staged_at == stamp
    assert f'"staged_at":"{stamp}"' in dumps_compact(rev)


@pytest.mark.parametrize("stamp", ["yesterday", "2024-06-01", "2024-06-01T09:05:00", ""])
def test_bad_timestamps_rejected(stamp: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        revision(R1, staged_at=stamp)


def test_absent_lists_default_to_empty() -> None:
    minimal = {
        "schema": "greentic.environment.v1",
        "environment_id": "prod",
        "name": "prod",
        "host_config": {"env_id": "prod"},
    }
    env = Environment.model_validate(minimal)
    assert env.packs == []
    assert env.bundles == []
    assert env.revisions == []
    assert env.traffic_splits == []
    assert env.messaging_endpoints == []
    assert env.extensions == []
    assert env.revocation.required is False
    env.validate()
    out = env.to_json_dict()
    assert list(out) == [
        "schema",
        "environment_id",
        "name",
        "host_config",
        "packs",
        "bundles",
        "revisions",
        "traffic_splits",
        "messaging_endpoints",
        "extensions",
        "revocation",
        "retention",
        "health",
    ]
    for key in ("packs", "bundles", "revisions", "traffic_splits", "extensions"):
        assert out[key] == []
    rev = Revision.model_validate(
        {
            "revision_id": R1,
            "env_id": "prod",
            "bundle_id": "b",
            "deployment_id": R1,
            "sequence": 1,
            "created_at": TS,
            "bundle_digest": "sha256:00",
            "lifecycle": "staged",
        }
    )
    assert rev.schema_ == "greentic.revision.v1"
    assert rev.pack_list == []
    assert rev.pack_config_refs == []
    assert rev.abort_metrics == []
    assert rev.pack_list_lock_ref == ""
    assert rev.drain_seconds == 0


def test_runtime_config_of_golden_document() -> None:
    env = Environment.model_validate_json(DOC)
    config = materialize_runtime_config(env)
    rid_old, rid_new = (r.revision_id for r in env.revisions)
    assert dumps_compact(config) == (
        '{"schema":"greentic.runtime-config.v1","env_id":"prod-eu","revisions":['
        '{"deployment_id":"01J0A8ZK3T6QH2W9XGQ4M7N5PB","revision_id":"' + rid_new + '",'
        '"bundle_id":"support-bot","pack_list_refs":[],"pack_config_refs":[],"weight_bps":9000},'
        '{"deployment_id":"01J0A8ZK3T6QH2W9XGQ4M7N5PB","revision_id":"' + rid_old + '",'
        '"bundle_id":"support-bot","pack_list_refs":["revisions/' + rid_old + '/pack-list.lock"],'
        '"pack_config_refs":["revisions/' + rid_old + "/pack-configs/greentic.flows.support.json"
        '"],"weight_bps":1000}]}'
    )


def test_audit_event_tagged_unions_round_trip() -> None:
    event = AuditEvent(
        event_id=R1,
        ts=TS,
        actor=AuditActor(user="alice", uid=1000),
        env_id="prod",
        noun="traffic",
        verb="set",
        target={"deployment_id": R1, "b": [2, 1], "a": None},
        previous_generation=0,
        new_generation=1,
        authorization=AuthorizationAllow(policy="local-owner", reason="owner"),
        result=ResultError(kind="conflict", message="stale"),
    )
    line = dumps_compact(event)
    assert '"authorization":{"decision":"allow","policy":"local-owner","reason":"owner"}' in line
    assert '"result":{"outcome":"error","kind":"conflict","message":"stale"}' in line
    assert '"target":{"a":null,"b":[2,1],"deployment_id":"' + R1 + '"}' in line
    assert '"actor":{"kind":"local-user","user":"alice","uid":1000}' in line
    assert "idempotency_key" not in line
    assert AuditEvent.model_validate_json(line) == event
    assert dumps_compact(AuditEvent.model_validate_json(line)) == line


def test_pretty_and_compact_forms() -> None:
    env = environment()
    pretty = dumps_pretty(env)
    assert pretty.endswith("}\n")
    assert pretty.startswith('{\n  "schema": "greentic.environment.v1",\n')
    compact = dumps_compact(env)
    assert "\n" not in compact
    assert ": " not in compact
    assert ", " not in compact
    assert json.loads(compact) == json.loads(pretty) == env.to_json_dict()
    assert dumps_compact(environment(name="Zürich ✓")).count("Zürich ✓") == 1
