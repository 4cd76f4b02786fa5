"""Audit events: the builder, the exact line shape, and appending."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ulid import ULID

from greentic_deployer.spec.documents import AuditEvent, ResultOk
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, NotYetImplementedError
from greentic_deployer.store.audit import (
    audit_result,
    build_audit_event,
    redact_config_overrides,
)
from greentic_deployer.store.errors import AuditError
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.locking import hold_lock

from .builders import NOW, bump

KEY_ORDER = [
    "schema",
    "event_id",
    "ts",
    "actor",
    "env_id",
    "noun",
    "verb",
    "target",
    "previous_generation",
    "new_generation",
    "idempotency_key",
    "authorization",
    "result",
]


@pytest.fixture(autouse=True)
def _user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "alice")
    monkeypatch.delenv("USERNAME", raising=False)


def _event(env_id: str = "staging", **changes: object) -> AuditEvent:
    fields: dict[str, object] = {
        "env_id": env_id,
        "noun": "traffic",
        "verb": "set",
        "target": {"deployment_id": "d", "entries": [{"w": 1}]},
        "result": audit_result(ConflictError("idempotency key `k` already used")),
        "now": NOW,
        "previous_generation": 3,
        "new_generation": 4,
        "idempotency_key": "k",
    }
    fields.update(changes)
    return build_audit_event(**fields)  # type: ignore[arg-type]


def _lines(store: LocalFileStore, env_id: str = "staging") -> list[str]:
    return (store.env_dir(env_id) / "audit" / "events.jsonl").read_text().splitlines()


def test_a_full_event_line_matches_the_documented_shape(
    store: LocalFileStore, env: Environment
) -> None:
    event = _event()
    store.append_audit("staging", event)
    raw = (store.env_dir("staging") / "audit" / "events.jsonl").read_text()
    assert raw.endswith("\n")
    assert raw.count("\n") == 1
    line = json.loads(raw)
    assert raw == json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert list(line) == KEY_ORDER
    assert line["schema"] == "greentic.audit.event.v1"
    assert str(ULID.from_str(line["event_id"])) == line["event_id"]
    assert line["ts"] == "2025-01-02T03:04:05.123456Z"
    assert line["actor"] == {"kind": "local-user", "user": "alice", "uid": os.getuid()}
    assert line["target"] == {"deployment_id": "d", "entries": [{"w": 1}]}
    assert line["authorization"] == {
        "decision": "allow",
        "policy": "local-owner",
        "reason": line["authorization"]["reason"],
    }
    assert line["authorization"]["reason"]
    assert line["result"] == {
        "outcome": "error",
        "kind": "conflict",
        "message": "idempotency key `k` already used",
    }
    assert AuditEvent.model_validate(line) == event


def test_optional_fields_are_omitted_but_target_is_always_present(
    store: LocalFileStore, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("USER")
    monkeypatch.setenv("USERNAME", "bob")
    store.append_audit(
        "staging",
        build_audit_event(
            env_id="staging", noun="env", verb="create", target=None, result=ResultOk()
        ),
    )
    line = json.loads(_lines(store)[0])
    assert list(line) == [k for k in KEY_ORDER if not k.endswith(("generation", "key"))]
    assert line["target"] is None
    assert line["result"] == {"outcome": "ok"}
    assert line["actor"]["user"] == "bob"


def test_results_may_be_given_in_their_json_form() -> None:
    event = _event(result={"outcome": "error", "kind": "audit", "message": "disk full"})
    assert event.result == audit_result(AuditError("disk full"))
    assert _event(result={"outcome": "ok"}).result == ResultOk()
    with pytest.raises(AuditError):
        _event(result={"outcome": "maybe"})


def test_local_env_uses_the_local_only_policy() -> None:
    event = _event("local")
    assert event.authorization.policy == "local-only"
    assert event.authorization.decision == "allow"


def test_results() -> None:
    assert audit_result(None).to_json_dict() == {"outcome": "ok"}
    assert audit_result(NotYetImplementedError("later")).to_json_dict() == {
        "outcome": "not-yet-implemented",
        "detail": "later",
    }
    assert audit_result(RuntimeError("boom")).to_json_dict() == {
        "outcome": "error",
        "kind": "store",
        "message": "boom",
    }


def test_config_overrides_are_redacted_to_key_names() -> None:
    overrides = {"pack.b": {"token": "s3cr3t", "api_key": "hunter2"}, "pack.a": {}}
    redacted = redact_config_overrides(overrides)
    assert redacted == {"pack.a": [], "pack.b": ["api_key", "token"]}
    assert list(redacted) == ["pack.a", "pack.b"]
    event = _event(target={"config_overrides": redacted})
    rendered = event.model_dump_json()
    assert "s3cr3t" not in rendered
    assert "hunter2" not in rendered


def test_append_works_while_the_env_lock_is_held(store: LocalFileStore, env: Environment) -> None:
    with store.locked("staging"):
        store.append_audit("staging", _event())
        store.append_audit("staging", _event())
    assert len(_lines(store)) == 2
    store.transact("staging", bump)
    assert len(_lines(store)) == 2


def test_append_failures_are_audit_errors(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    with pytest.raises(AuditError) as caught:
        store.append_audit("staging", _event("prod"))
    assert caught.value.kind == "audit"
    (root / "staging" / "audit" / "events.jsonl").mkdir(parents=True)
    with pytest.raises(AuditError) as caught:
        store.append_audit("staging", _event())
    assert "events.jsonl" in str(caught.value)


def test_a_held_audit_lock_times_out_as_an_audit_error(root: Path, env: Environment) -> None:
    impatient = LocalFileStore(root, lock_timeout=0.05)
    with (
        hold_lock(root / "staging" / "audit" / "events.jsonl.lock", 1),
        pytest.raises(AuditError) as caught,
    ):
        impatient.append_audit("staging", _event())
    assert "events.jsonl" in str(caught.value)


def test_an_invalid_event_is_an_audit_error() -> None:
    with pytest.raises(AuditError):
        build_audit_event(env_id="../x", noun="env", verb="create", target=None, result=ResultOk())
