"""stage / warm / drain / archive verbs and the health gate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from greentic_deployer.engine.errors import (
    ActiveTrafficReferenceError,
    CommitOnError,
    DeploymentNotFoundError,
    DuplicateRevisionError,
    HealthGateFailedError,
    LifecycleConflictError,
    RevisionNotFoundError,
)
from greentic_deployer.engine.revisions import (
    HEALTH_CHECKS,
    HealthGate,
    StageRequest,
    archive_revision,
    drain_revision,
    stage_revision,
    warm_revision,
)
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from greentic_deployer.spec.revision import Lifecycle, PackListEntry

if TYPE_CHECKING:
    from tests.engine.conftest import EnvBuilder

L = Lifecycle


# -- stage ------------------------------------------------------------------------------


def test_stage_creates_staged_revision(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment(1, bundle_id="billing").build()
    pack = PackListEntry(pack_id="p1", version="0.0.0", digest="sha256:11")
    request = StageRequest(
        revision_id=builder.rev(1),
        deployment_id=builder.dep(1),
        bundle_digest="sha256:" + "cd" * 32,
        bundle_source_uri="oci://registry/billing@sha256:cd",
        pack_list=[pack],
        pack_list_lock_ref=f"revisions/{builder.rev(1)}/pack-list.lock",
        pack_config_refs=[f"revisions/{builder.rev(1)}/pack-configs/p1.json"],
    )
    new_env, rev = stage_revision(env, request, now)
    assert rev.lifecycle == L.staged
    assert rev.bundle_id == "billing"
    assert rev.deployment_id == builder.dep(1)
    assert rev.env_id == "staging"
    assert rev.sequence == 1
    assert rev.created_at == rev.staged_at == "2025-03-04T05:06:07Z"
    assert rev.warmed_at is None
    assert rev.abort_metrics == []
    assert rev.pack_list == [pack]
    assert rev.bundle_source_uri == "oci://registry/billing@sha256:cd"
    assert rev.drain_seconds == 30
    assert rev.config_digest == "sha256:00"
    assert rev.signature_sidecar_ref == "rev.sig"
    assert new_env.revisions == [rev]
    assert env.revisions == []


def test_stage_appends_and_sequences_per_deployment(builder: EnvBuilder, now: datetime) -> None:
    env = (
        builder.deployment(1)
        .deployment(2)
        .revision(1, deployment=1, sequence=4)
        .revision(2, deployment=2, sequence=9)
        .build()
    )
    new_env, rev = stage_revision(env, StageRequest(builder.rev(3), builder.dep(1), "d"), now)
    assert rev.sequence == 5
    assert [r.revision_id for r in new_env.revisions] == [builder.rev(n) for n in (1, 2, 3)]
    _, other = stage_revision(new_env, StageRequest(builder.rev(4), builder.dep(2), "d"), now)
    assert other.sequence == 10


def test_stage_sequence_counts_archived_revisions(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1, lifecycle=L.archived, sequence=7).build()
    _, rev = stage_revision(env, StageRequest(builder.rev(2), builder.dep(1), "d"), now)
    assert rev.sequence == 8


def test_stage_duplicate_revision_conflicts(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1).build()
    with pytest.raises(DuplicateRevisionError) as info:
        stage_revision(env, StageRequest(builder.rev(1), builder.dep(1), "d"), now)
    assert info.value.kind == "conflict"
    assert info.value.revision_id == builder.rev(1)
    assert "already exists" in info.value.message
    assert "new revision id" in info.value.message


def test_stage_duplicate_checked_before_deployment(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1).build()
    with pytest.raises(DuplicateRevisionError):
        stage_revision(env, StageRequest(builder.rev(1), builder.dep(5), "d"), now)


def test_stage_unknown_deployment_not_found(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().build()
    with pytest.raises(DeploymentNotFoundError) as info:
        stage_revision(env, StageRequest(builder.rev(1), builder.dep(2), "d"), now)
    assert info.value.deployment_id == builder.dep(2)
    assert info.value.kind == "not-found"
    assert info.value.message == (
        f"deployment {builder.dep(2)} not found in environment `{env.environment_id}`"
    )


def test_stage_rejects_non_ulid_ids(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().build()
    with pytest.raises(InvalidArgumentError) as info:
        stage_revision(env, StageRequest("nope", builder.dep(1), "d"), now)
    assert info.value.field == "revision_id"
    with pytest.raises(InvalidArgumentError) as info:
        stage_revision(env, StageRequest(builder.rev(1), "nope", "d"), now)
    assert info.value.field == "deployment_id"


def test_stage_canonicalizes_ids(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().build()
    request = StageRequest(builder.rev(1).lower(), builder.dep(1).lower(), "d")
    _, rev = stage_revision(env, request, now)
    assert rev.revision_id == builder.rev(1)
    assert rev.deployment_id == builder.dep(1)


@pytest.mark.parametrize(
    "ref",
    [
        "pack-list.lock",
        "revisions/01ARZ3NDEKTSV4RRFFQ69G5FAV/pack-list.lock",
        "revisions/{rid}/../../etc/passwd",
        "/revisions/{rid}/pack-list.lock",
        "revisions/{rid}/",
        "revisions/{rid}\\pack-list.lock",
    ],
)
def test_stage_rejects_lock_ref_outside_revision_dir(
    builder: EnvBuilder, now: datetime, ref: str
) -> None:
    env = builder.deployment().build()
    request = StageRequest(
        builder.rev(1), builder.dep(1), "d", pack_list_lock_ref=ref.format(rid=builder.rev(1))
    )
    with pytest.raises(InvalidArgumentError) as info:
        stage_revision(env, request, now)
    assert info.value.field == "pack_list_lock_ref"
    assert f"revisions/{builder.rev(1)}/" in info.value.message


def test_stage_rejects_out_of_range_drain_seconds(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().build()
    request = StageRequest(builder.rev(1), builder.dep(1), "d", drain_seconds=-1)
    with pytest.raises(InvalidArgumentError) as info:
        stage_revision(env, request, now)
    assert info.value.field == "revision.drain_seconds"


def test_stage_requires_aware_now(builder: EnvBuilder) -> None:
    env = builder.deployment().build()
    with pytest.raises(ValueError, match="timezone-aware"):
        stage_revision(env, StageRequest(builder.rev(1), builder.dep(1), "d"), datetime(2025, 1, 1))


def test_stage_formats_non_utc_now_as_utc(builder: EnvBuilder) -> None:
    env = builder.deployment().build()
    moment = datetime(2025, 1, 1, 12, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=2)))
    _, rev = stage_revision(env, StageRequest(builder.rev(1), builder.dep(1), "d"), moment)
    assert rev.created_at == "2025-01-01T10:00:00.500Z"


# -- health gate --------------------------------------------------------------------------


def test_health_gate_ok_and_failed() -> None:
    assert HealthGate.ok().passed
    gate = HealthGate.failed(["route-table", "signature-status"], "bad sig")
    assert not gate.passed
    assert gate.failed_checks == ("route-table", "signature-status")
    assert gate.message == "bad sig"
    assert sorted(HEALTH_CHECKS) == [
        "provider-health",
        "route-table",
        "runtime-config",
        "signature-status",
    ]


def test_health_gate_rejects_unknown_check() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        HealthGate.failed(["route-table", "disk-space"], "x")
    assert info.value.field == "failed_checks"
    assert "disk-space" in info.value.message
    assert "provider-health" in info.value.message


def test_health_gate_failed_needs_a_check() -> None:
    with pytest.raises(InvalidArgumentError, match="at least one check"):
        HealthGate.failed([], "x")


def test_health_gate_passing_names_no_checks() -> None:
    with pytest.raises(InvalidArgumentError, match="no failed checks"):
        HealthGate(passed=True, failed_checks=("route-table",))


# -- warm --------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [L.staged, L.warming])
def test_warm_reaches_ready_and_stamps(builder: EnvBuilder, now: datetime, start: L) -> None:
    env = builder.deployment().revision(1, lifecycle=start).build()
    new_env, rev = warm_revision(env, builder.rev(1), HealthGate.ok(), start, now)
    assert rev.lifecycle == L.ready
    assert rev.warmed_at == "2025-03-04T05:06:07Z"
    assert new_env.revision(builder.rev(1)) == rev


def test_warm_without_expected_lifecycle(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1, lifecycle=L.staged).build()
    _, rev = warm_revision(env, builder.rev(1), HealthGate.ok(), None, now)
    assert rev.lifecycle == L.ready


def test_warm_retry_on_ready_restamps_and_skips_gate(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.staged).build()
    env, first = warm_revision(env, builder.rev(1), HealthGate.ok(), L.staged, builder.at(0))
    failing = HealthGate.failed(["provider-health"], "down")
    # A stale expectation and a failing gate are both ignored on an idempotent retry.
    again_env, again = warm_revision(env, builder.rev(1), failing, L.staged, builder.at(60))
    assert again.lifecycle == L.ready
    assert first.warmed_at == "2025-03-04T05:06:07Z"
    assert again.warmed_at == "2025-03-04T05:07:07Z"
    assert again_env.revision(builder.rev(1)) == again


def test_warm_stale_gate_conflicts(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1, lifecycle=L.warming).build()
    with pytest.raises(LifecycleConflictError) as info:
        warm_revision(env, builder.rev(1), HealthGate.ok(), L.staged, now)
    assert info.value.actual == L.warming
    assert info.value.expected_starts == [L.staged]
    assert "is `warming`, expected one of `staged`" in info.value.message


@pytest.mark.parametrize("start", [L.failed, L.draining, L.inactive, L.archived])
def test_warm_from_other_states_conflicts(builder: EnvBuilder, now: datetime, start: L) -> None:
    env = builder.deployment().revision(1, lifecycle=start).build()
    with pytest.raises(LifecycleConflictError) as info:
        warm_revision(env, builder.rev(1), HealthGate.ok(), start, now)
    assert info.value.actual == start
    assert info.value.expected_starts == [L.staged, L.warming]


@pytest.mark.parametrize("start", [L.staged, L.warming])
def test_warm_failed_gate_flips_to_failed_and_commits(
    builder: EnvBuilder, now: datetime, start: L
) -> None:
    env = builder.deployment().revision(1, lifecycle=start).revision(2).build()
    gate = HealthGate.failed(["route-table", "provider-health"], "provider unreachable")
    with pytest.raises(HealthGateFailedError) as info:
        warm_revision(env, builder.rev(1), gate, start, now)
    err = info.value
    assert isinstance(err, CommitOnError)
    assert not isinstance(err, ConflictError)
    assert err.kind == "conflict"
    assert err.failed_checks == ["route-table", "provider-health"]
    assert err.gate_message == "provider unreachable"
    assert "route-table, provider-health" in err.message
    assert "provider unreachable" in err.message
    assert "now `failed`" in err.message
    flipped = err.environment.revision(builder.rev(1))
    assert flipped is not None
    assert flipped.lifecycle == L.failed
    assert flipped.warmed_at is None
    err.environment.validate()
    # Everything else is untouched, and the input env still shows the start state.
    assert err.environment.revision(builder.rev(2)) == env.revision(builder.rev(2))
    assert env.revision(builder.rev(1)).lifecycle == start  # type: ignore[union-attr]


def test_warm_unknown_revision(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().build()
    with pytest.raises(RevisionNotFoundError):
        warm_revision(env, builder.rev(1), HealthGate.ok(), None, now)


# -- drain -------------------------------------------------------------------------------


def test_drain_ready(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1).split(1, [(1, 10_000)]).build()
    new_env, rev = drain_revision(env, builder.rev(1))
    assert rev.lifecycle == L.draining
    # Draining revisions stay routed: admission runs on writes only.
    assert new_env.traffic_splits == env.traffic_splits


def test_drain_is_idempotent(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.draining).build()
    new_env, rev = drain_revision(env, builder.rev(1))
    assert new_env is env
    assert rev.lifecycle == L.draining


@pytest.mark.parametrize("start", [L.staged, L.warming, L.failed, L.inactive, L.archived])
def test_drain_from_other_states_conflicts(builder: EnvBuilder, start: L) -> None:
    env = builder.deployment().revision(1, lifecycle=start).build()
    with pytest.raises(LifecycleConflictError) as info:
        drain_revision(env, builder.rev(1))
    assert info.value.expected_starts == [L.ready]


def test_drain_unknown_revision(builder: EnvBuilder) -> None:
    env = builder.deployment().build()
    with pytest.raises(RevisionNotFoundError):
        drain_revision(env, builder.rev(3))


# -- archive -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start", [L.staged, L.warming, L.ready, L.failed, L.draining, L.inactive, L.archived]
)
def test_archive_from_every_state(builder: EnvBuilder, start: L) -> None:
    env = builder.deployment().revision(1, lifecycle=start).build()
    new_env, rev = archive_revision(env, builder.rev(1))
    assert rev.lifecycle == L.archived
    assert new_env.revision(builder.rev(1)) == rev


def test_archive_already_archived_is_idempotent(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.archived).build()
    new_env, _ = archive_revision(env, builder.rev(1))
    assert new_env is env


@pytest.mark.parametrize("weight", [10_000, 0])
def test_archive_refuses_routed_revision(builder: EnvBuilder, weight: int) -> None:
    env = (
        builder.deployment(1, bundle_id="b1")
        .revision(1)
        .revision(2)
        .split(1, [(1, weight), (2, 10_000 - weight)])
        .build()
    )
    with pytest.raises(ActiveTrafficReferenceError) as info:
        archive_revision(env, builder.rev(1))
    err = info.value
    assert err.kind == "conflict"
    assert err.splits == [
        {"deployment_id": builder.dep(1), "bundle_id": "b1", "weight_bps": weight}
    ]
    assert f"{weight} bps" in err.message
    assert "op traffic set" in err.message


def test_archive_refuses_draining_routed_revision(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.draining).split(1, [(1, 10_000)]).build()
    with pytest.raises(ActiveTrafficReferenceError):
        archive_revision(env, builder.rev(1))


def test_archive_drops_the_revision_from_current_revisions(builder: EnvBuilder) -> None:
    env = builder.deployment(1, current_revisions=[1, 2]).revision(1).revision(2).build()
    new_env, _ = archive_revision(env, builder.rev(1))
    deployment = new_env.deployment(builder.dep(1))
    assert deployment is not None
    assert deployment.current_revisions == [builder.rev(2)]
    assert env.deployment(builder.dep(1)).current_revisions == [  # type: ignore[union-attr]
        builder.rev(1),
        builder.rev(2),
    ]


def test_archive_unknown_revision(builder: EnvBuilder) -> None:
    env = builder.deployment().build()
    with pytest.raises(RevisionNotFoundError):
        archive_revision(env, builder.rev(1))


def test_full_lifecycle_walk(builder: EnvBuilder) -> None:
    env = builder.deployment().build()
    env, rev = stage_revision(env, StageRequest(builder.rev(1), builder.dep(1), "d"), builder.at())
    assert rev.lifecycle == L.staged
    env, rev = warm_revision(env, rev.revision_id, HealthGate.ok(), L.staged, builder.at(1))
    assert rev.lifecycle == L.ready
    env, rev = drain_revision(env, rev.revision_id)
    assert rev.lifecycle == L.draining
    env, rev = archive_revision(env, rev.revision_id)
    assert rev.lifecycle == L.archived
    assert rev.staged_at == builder.ts(0)
    assert rev.warmed_at == builder.ts(1)
