"""Remembered idempotency keys: late retries replay, changed requests conflict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.engine.errors import IdempotencyConflictError
from greentic_deployer.ops import env_packs, traffic
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.deploy import DeployRequest, deploy
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import BindingPayload, TrafficEntryPayload, TrafficSetPayload
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store import atomic, idempotency
from greentic_deployer.store.errors import (
    AtomicWriteError,
    CommittedAfterSaveError,
    CorruptDocumentError,
)
from greentic_deployer.store.idempotency import HISTORY_SCHEMA, KeyReuseError
from tests.conftest import EXAMPLE_BUNDLE


@pytest.fixture
def two_ready(ctx: OpContext) -> dict[str, str]:
    """`local` with one deployment and two ready revisions A (first) and B (routed)."""
    init(ctx)
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    second = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    return {"dep": first["deployment_id"], "A": first["revision_id"], "B": second["revision_id"]}


def _set(ctx: OpContext, dep: str, key: str, **weights: int) -> dict[str, Any]:
    entries = [TrafficEntryPayload(revision_id=r, weight_bps=w) for r, w in weights.items()]
    payload = TrafficSetPayload(
        environment_id="local", deployment_id=dep, entries=entries, idempotency_key=key
    )
    return traffic.set_split(ctx, payload)


def _env_bytes(ctx: OpContext) -> bytes:
    return (ctx.store.root / "local" / "environment.json").read_bytes()


def _history_path(ctx: OpContext) -> Path:
    return ctx.store.root / "local" / "idempotency.json"


def _audit(ctx: OpContext) -> list[dict[str, Any]]:
    lines = (ctx.store.root / "local" / "audit" / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


# -- traffic set -----------------------------------------------------------------------


def test_a_late_retry_does_not_route_traffic_back(
    ctx: OpContext, two_ready: dict[str, str]
) -> None:
    """A delayed retry of an older key used to succeed and put traffic back on A."""
    dep, a, b = two_ready["dep"], two_ready["A"], two_ready["B"]
    first = _set(ctx, dep, "k1", **{a: 10_000})
    second = _set(ctx, dep, "k2", **{b: 10_000})
    before = _env_bytes(ctx)
    late = _set(ctx, dep, "k1", **{a: 10_000})
    assert late == first  # the recorded outcome
    assert _env_bytes(ctx) == before  # nothing changed
    split = ctx.store.load("local").split_for(dep)
    assert split is not None and split.idempotency_key == "k2"
    assert [e.revision_id for e in split.entries] == [b]
    assert traffic.show(ctx, "local", dep) == second
    event = _audit(ctx)[-1]
    assert (event["verb"], event["idempotency_key"], event["result"]) == (
        "set",
        "k1",
        {"outcome": "ok"},
    )
    assert event.get("new_generation") is None


def test_a_remembered_key_with_other_entries_is_a_conflict(
    ctx: OpContext, two_ready: dict[str, str]
) -> None:
    dep, a, b = two_ready["dep"], two_ready["A"], two_ready["B"]
    _set(ctx, dep, "k1", **{a: 10_000})
    _set(ctx, dep, "k2", **{b: 10_000})
    before = _env_bytes(ctx)
    with pytest.raises(IdempotencyConflictError, match=r"`k1` already used .* different entries"):
        _set(ctx, dep, "k1", **{a: 5_000, b: 5_000})
    assert _env_bytes(ctx) == before


def test_entry_order_does_not_make_a_request_different(
    ctx: OpContext, two_ready: dict[str, str]
) -> None:
    dep, a, b = two_ready["dep"], two_ready["A"], two_ready["B"]
    first = _set(ctx, dep, "k1", **{a: 4_000, b: 6_000})
    _set(ctx, dep, "k2", **{b: 10_000})
    assert _set(ctx, dep, "k1", **{b: 6_000, a: 4_000}) == first


def test_the_history_is_a_side_file_with_its_own_schema(
    ctx: OpContext, two_ready: dict[str, str]
) -> None:
    dep, a = two_ready["dep"], two_ready["A"]
    _set(ctx, dep, "k1", **{a: 10_000})
    doc = json.loads(_history_path(ctx).read_text())
    assert doc["schema"] == HISTORY_SCHEMA and doc["environment_id"] == "local"
    record = doc["records"][-1]
    assert (record["scope"], record["key"]) == (f"traffic:{dep}", "k1")
    assert record["request"]["entries"].startswith("sha256:")
    env_doc = json.loads(_env_bytes(ctx))
    assert "idempotency" not in json.dumps(sorted(env_doc))  # the reference document is unchanged


def test_a_store_without_the_side_file_keeps_the_live_split_rule(
    ctx: OpContext, two_ready: dict[str, str]
) -> None:
    dep, a, b = two_ready["dep"], two_ready["A"], two_ready["B"]
    live = _set(ctx, dep, "k1", **{a: 10_000})
    _history_path(ctx).unlink()  # as a reference-written store has it
    assert _set(ctx, dep, "k1", **{a: 10_000}) == live
    assert not _history_path(ctx).exists()  # a no-op remembers nothing new
    with pytest.raises(IdempotencyConflictError):
        _set(ctx, dep, "k1", **{b: 10_000})
    moved = _set(ctx, dep, "k2", **{b: 10_000})
    assert moved["generation"] == live["generation"] + 1


def test_the_history_keeps_the_last_keys_per_deployment(
    ctx: OpContext, two_ready: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "HISTORY_LIMIT", 3)
    dep, a, b = two_ready["dep"], two_ready["A"], two_ready["B"]
    _rebind(ctx, "p1", "oci://packs/telemetry:1")  # another scope
    for n in range(5):
        _set(ctx, dep, f"k{n}", **({a: 10_000} if n % 2 else {b: 10_000}))
    records = json.loads(_history_path(ctx).read_text())["records"]
    mine = [r["key"] for r in records if r["scope"] == f"traffic:{dep}"]
    assert mine == ["k2", "k3", "k4"]
    # Another scope is not crowded out by this one.
    assert [r["key"] for r in records if r["scope"] == "env-packs:telemetry"] == ["p1"]
    # A forgotten key falls back to the live-split rule: it is new, so it routes again.
    assert _set(ctx, dep, "k0", **{b: 10_000})["generation"] == 6 + 1


def test_a_failed_document_write_remembers_no_key(
    ctx: OpContext, two_ready: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dep, a = two_ready["dep"], two_ready["A"]
    before = _history_path(ctx).read_bytes()

    def fail(step: str, target: Path) -> None:
        if step == "written" and target.name == "environment.json":
            raise OSError("disk full")

    monkeypatch.setattr(atomic, "fault_hook", fail)
    with pytest.raises(AtomicWriteError):
        _set(ctx, dep, "k1", **{a: 10_000})
    monkeypatch.setattr(atomic, "fault_hook", None)
    assert _history_path(ctx).read_bytes() == before
    assert _set(ctx, dep, "k1", **{a: 10_000})["entries"] == [
        {"revision_id": a, "weight_bps": 10_000}
    ]


def test_a_failed_history_write_reports_the_committed_change(
    ctx: OpContext, two_ready: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dep, a = two_ready["dep"], two_ready["A"]

    def fail(step: str, target: Path) -> None:
        if step == "written" and target.name == "idempotency.json":
            raise OSError("disk full")

    monkeypatch.setattr(atomic, "fault_hook", fail)
    with pytest.raises(CommittedAfterSaveError):
        _set(ctx, dep, "k1", **{a: 10_000})
    split = ctx.store.load("local").split_for(dep)
    assert split is not None and split.idempotency_key == "k1"


# -- env-packs -------------------------------------------------------------------------


def _rebind(ctx: OpContext, key: str, pack_ref: str) -> dict[str, Any]:
    kind = ctx.store.load("local").pack_for_slot(CapabilitySlot.telemetry)
    assert kind is not None
    payload = BindingPayload(
        environment_id="local",
        slot="telemetry",
        kind=kind.kind,
        pack_ref=pack_ref,
        idempotency_key=key,
    )
    return env_packs.update(ctx, payload)


def test_a_late_env_packs_retry_does_not_rebind(ctx: OpContext) -> None:
    init(ctx)
    first = _rebind(ctx, "p1", "oci://packs/telemetry:1")
    second = _rebind(ctx, "p2", "oci://packs/telemetry:2")
    before = _env_bytes(ctx)
    assert _rebind(ctx, "p1", "oci://packs/telemetry:1") == first
    assert _env_bytes(ctx) == before
    binding = ctx.store.load("local").pack_for_slot(CapabilitySlot.telemetry)
    assert binding is not None and binding.pack_ref == "oci://packs/telemetry:2"
    assert binding.generation == second["generation"]
    with pytest.raises(KeyReuseError, match="binding differ"):
        _rebind(ctx, "p1", "oci://packs/telemetry:3")
    assert _env_bytes(ctx) == before


def test_env_packs_without_a_key_remember_nothing(ctx: OpContext) -> None:
    init(ctx)
    kind = ctx.store.load("local").pack_for_slot(CapabilitySlot.telemetry)
    assert kind is not None
    payload = BindingPayload(
        environment_id="local", slot="telemetry", kind=kind.kind, pack_ref="oci://x"
    )
    env_packs.update(ctx, payload)
    env_packs.update(ctx, payload)
    binding = ctx.store.load("local").pack_for_slot(CapabilitySlot.telemetry)
    assert binding is not None and binding.generation == 2
    assert not _history_path(ctx).exists()


# -- deploy ----------------------------------------------------------------------------


def _other_bundle(tmp_path: Path, fixture_bundles: Path) -> Path:
    """Different bytes under the same bundle id as the example."""
    other = tmp_path / "other" / "hello.gtbundle"
    other.parent.mkdir()
    shutil.copyfile(fixture_bundles / "templates-bundle.gtbundle", other)
    return other


def test_deploy_reusing_a_key_for_another_bundle_is_a_conflict(
    ctx: OpContext, tmp_path: Path, fixture_bundles: Path
) -> None:
    """The same key with a different bundle used to report `routed` without staging it."""
    init(ctx)
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    before = _env_bytes(ctx)
    other = _other_bundle(tmp_path, fixture_bundles)
    with pytest.raises(ConflictError, match=r"`rel-1` already deployed .*: bundle digest differ"):
        deploy(ctx, DeployRequest(bundle_path=other, idempotency_key="rel-1"))
    assert _env_bytes(ctx) == before
    again = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    assert again["reused_deployment"] is True
    assert again["revision_id"] == first["revision_id"]


def test_deploy_reusing_a_key_with_other_overrides_is_a_conflict(ctx: OpContext) -> None:
    init(ctx)
    overrides = {"hello-pack": {"greeting": "hi"}}
    deploy(
        ctx,
        DeployRequest(
            bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1", config_overrides=overrides
        ),
    )
    before = _env_bytes(ctx)
    for changed in ({"hello-pack": {"greeting": "bye"}}, {}):
        with pytest.raises(ConflictError, match="config overrides differ"):
            deploy(
                ctx,
                DeployRequest(
                    bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1", config_overrides=changed
                ),
            )
    assert _env_bytes(ctx) == before
    replay = deploy(
        ctx,
        DeployRequest(
            bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1", config_overrides=overrides
        ),
    )
    assert replay["reused_deployment"] is True and replay["status"] == "routed"


def test_deploy_conflict_names_both_differences(
    ctx: OpContext, tmp_path: Path, fixture_bundles: Path
) -> None:
    init(ctx)
    deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    other = _other_bundle(tmp_path, fixture_bundles)
    request = DeployRequest(
        bundle_path=other, idempotency_key="rel-1", config_overrides={"hello-pack": {"k": 1}}
    )
    with pytest.raises(ConflictError, match="bundle digest and config overrides differ"):
        deploy(ctx, request)


def test_a_late_deploy_retry_does_not_route_back(
    ctx: OpContext, tmp_path: Path, fixture_bundles: Path
) -> None:
    init(ctx)
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    second = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-2"))
    before = _env_bytes(ctx)
    late = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    assert late["revision_id"] == first["revision_id"] and late["reused_deployment"] is True
    assert _env_bytes(ctx) == before
    split = ctx.store.load("local").split_for(first["deployment_id"])
    assert split is not None and split.entries[0].revision_id == second["revision_id"]


def test_deploy_on_a_store_without_history_compares_the_live_revision(
    ctx: OpContext, tmp_path: Path, fixture_bundles: Path
) -> None:
    init(ctx)
    first = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    _history_path(ctx).unlink()
    other = _other_bundle(tmp_path, fixture_bundles)
    with pytest.raises(ConflictError, match="bundle digest differ"):
        deploy(ctx, DeployRequest(bundle_path=other, idempotency_key="rel-1"))
    same = deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="rel-1"))
    assert same["revision_id"] == first["revision_id"] and same["reused_deployment"] is True


def test_a_traffic_set_key_is_not_a_deploy_key(ctx: OpContext, two_ready: dict[str, str]) -> None:
    dep, a = two_ready["dep"], two_ready["A"]
    _set(ctx, dep, "k1", **{a: 10_000})
    with pytest.raises(ConflictError, match="used by `traffic set`"):
        deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE, idempotency_key="k1"))


def test_an_unreadable_history_refuses_keyed_verbs_and_changes_nothing(
    ctx: OpContext, two_ready: dict[str, str]
) -> None:
    dep, a = two_ready["dep"], two_ready["A"]
    _history_path(ctx).write_text(
        '{"schema": "greentic.something-else.v1", "environment_id": "local"}'
    )
    before = _env_bytes(ctx)
    with pytest.raises(CorruptDocumentError, match=r"idempotency\.json"):
        _set(ctx, dep, "k1", **{a: 10_000})
    assert _env_bytes(ctx) == before
