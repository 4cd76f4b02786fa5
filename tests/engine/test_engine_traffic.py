"""Traffic set / rollback / clear, and basis-point and stash properties."""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greentic_deployer.engine.errors import (
    AdmissionError,
    DeploymentNotFoundError,
    IdempotencyConflictError,
    SplitNotFoundError,
)
from greentic_deployer.engine.traffic import (
    TrafficOutcome,
    clear_traffic,
    rollback_traffic,
    set_traffic,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError, SpecError, SpecErrorCode
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.stash import SnapshotMissingError, decode_stash, encode_stash
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

if TYPE_CHECKING:
    from tests.engine.conftest import EnvBuilder

L = Lifecycle
U32_MAX = 2**32 - 1


def entries(b: type[EnvBuilder] | EnvBuilder, *pairs: tuple[int, int]) -> list[TrafficEntry]:
    """Split entries from `(revision number, bps)` pairs."""
    return [TrafficEntry(revision_id=b.rev(n), weight_bps=w) for n, w in pairs]


def two_ready(builder: EnvBuilder) -> Environment:
    return builder.deployment(1, bundle_id="b1").revision(1).revision(2).build()


# -- set ---------------------------------------------------------------------------------


def test_first_set_is_generation_zero(builder: EnvBuilder, now: datetime) -> None:
    env = two_ready(builder)
    out = set_traffic(
        env,
        builder.dep(1),
        entries(builder, (1, 9_000), (2, 1_000)),
        "k1",
        now,
        updated_by="alice",
        authorization_ref="auth/alice.json",
    )
    assert isinstance(out, TrafficOutcome)
    assert out.changed
    assert out.previous_generation is None
    assert out.new_generation == 0
    split = out.split
    assert split.generation == 0
    assert split.deployment_id == builder.dep(1)
    assert split.bundle_id == "b1"
    assert split.env_id == "staging"
    assert split.entries == entries(builder, (1, 9_000), (2, 1_000))
    assert split.updated_at == "2025-03-04T05:06:07Z"
    assert split.updated_by == "alice"
    assert split.authorization_ref == "auth/alice.json"
    assert split.idempotency_key == "k1"
    assert split.previous_split_ref is None
    assert out.environment.traffic_splits == [split]
    assert env.traffic_splits == []


def test_set_defaults(builder: EnvBuilder, now: datetime) -> None:
    out = set_traffic(two_ready(builder), builder.dep(1), entries(builder, (1, 10_000)), "k", now)
    assert out.split.updated_by == "operator"
    assert out.split.authorization_ref == "auth.json"


def test_second_set_advances_and_stashes(builder: EnvBuilder) -> None:
    env = two_ready(builder)
    first = set_traffic(env, builder.dep(1), entries(builder, (1, 10_000)), "k1", builder.at(0))
    second = set_traffic(
        first.environment,
        builder.dep(1),
        entries(builder, (1, 5_000), (2, 5_000)),
        "k2",
        builder.at(5),
    )
    assert second.previous_generation == 0
    assert second.new_generation == 1
    assert second.split.generation == 1
    assert second.split.updated_at == builder.ts(5)
    stashed = decode_stash(second.split.previous_split_ref, TrafficSplit, "split")
    assert stashed == first.split
    assert len(second.environment.traffic_splits) == 1


def test_set_replaces_split_in_place(builder: EnvBuilder, now: datetime) -> None:
    env = (
        builder.deployment(1)
        .deployment(2)
        .deployment(3)
        .revision(1, deployment=1)
        .revision(2, deployment=2)
        .revision(3, deployment=3)
        .split(1, [(1, 10_000)])
        .split(2, [(2, 10_000)])
        .split(3, [(3, 10_000)])
        .build()
    )
    out = set_traffic(env, builder.dep(2), entries(builder, (2, 10_000)), "new", now)
    assert [s.deployment_id for s in out.environment.traffic_splits] == [
        builder.dep(n) for n in (1, 2, 3)
    ]
    assert out.environment.traffic_splits[1].idempotency_key == "new"


def test_set_new_split_is_appended(builder: EnvBuilder, now: datetime) -> None:
    env = (
        builder.deployment(1)
        .deployment(2)
        .revision(1, deployment=1)
        .revision(2, deployment=2)
        .split(2, [(2, 10_000)])
        .build()
    )
    out = set_traffic(env, builder.dep(1), entries(builder, (1, 10_000)), "k", now)
    assert [s.deployment_id for s in out.environment.traffic_splits] == [
        builder.dep(2),
        builder.dep(1),
    ]


def test_set_unknown_deployment(builder: EnvBuilder, now: datetime) -> None:
    env = two_ready(builder)
    with pytest.raises(DeploymentNotFoundError) as info:
        set_traffic(env, builder.dep(7), entries(builder, (1, 10_000)), "k", now)
    assert info.value.deployment_id == builder.dep(7)


def test_set_missing_revision_is_admission_error(builder: EnvBuilder, now: datetime) -> None:
    env = two_ready(builder)
    with pytest.raises(AdmissionError) as info:
        set_traffic(env, builder.dep(1), entries(builder, (1, 5_000), (9, 5_000)), "k", now)
    err = info.value
    assert err.reason == "AdmissionRevisionMissing"
    assert err.revision_id == builder.rev(9)
    assert err.kind == "conflict"
    assert "does not exist" in err.message


@pytest.mark.parametrize(
    "state", [L.staged, L.warming, L.draining, L.failed, L.inactive, L.archived]
)
def test_set_not_ready_is_admission_error(builder: EnvBuilder, now: datetime, state: L) -> None:
    env = builder.deployment().revision(1).revision(2, lifecycle=state).build()
    with pytest.raises(AdmissionError) as info:
        set_traffic(env, builder.dep(1), entries(builder, (1, 5_000), (2, 5_000)), "k", now)
    err = info.value
    assert err.reason == "NotReady"
    assert err.lifecycle == state
    assert f"is `{state.value}`" in err.message
    # Only staged/warming revisions can still become ready; the hint must not say otherwise.
    warmable = state in (L.staged, L.warming)
    assert ("warm it first" in err.message) is warmable
    assert ("stage and warm a new revision" in err.message) is not warmable


def test_set_revision_of_other_deployment(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment(1).deployment(2).revision(1).revision(2, deployment=2).build()
    with pytest.raises(InvalidArgumentError) as info:
        set_traffic(env, builder.dep(1), entries(builder, (1, 5_000), (2, 5_000)), "k", now)
    assert info.value.field == "entries[1].revision_id"
    assert builder.dep(2) in info.value.message


@pytest.mark.parametrize(
    ("pairs", "code"),
    [
        (((1, 5_000), (2, 4_999)), SpecErrorCode.BasisPointsSum),
        (((1, 10_001),), SpecErrorCode.BasisPointsEntryTooLarge),
        ((), SpecErrorCode.BasisPointsSum),
        (((1, 5_000), (1, 5_000)), SpecErrorCode.DuplicateSplitRevision),
    ],
)
def test_set_validates_split(
    builder: EnvBuilder, now: datetime, pairs: tuple[tuple[int, int], ...], code: SpecErrorCode
) -> None:
    env = two_ready(builder)
    with pytest.raises(SpecError) as info:
        set_traffic(env, builder.dep(1), entries(builder, *pairs), "k", now)
    assert info.value.code == code
    assert info.value.kind == "spec"


def test_set_zero_weight_entries_allowed(builder: EnvBuilder, now: datetime) -> None:
    out = set_traffic(
        two_ready(builder), builder.dep(1), entries(builder, (1, 10_000), (2, 0)), "k", now
    )
    assert out.split.entries[1].weight_bps == 0


@pytest.mark.parametrize("key", ["", "   "])
def test_set_requires_key(builder: EnvBuilder, now: datetime, key: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        set_traffic(two_ready(builder), builder.dep(1), entries(builder, (1, 10_000)), key, now)
    assert info.value.field == "idempotency_key"


# -- idempotency ---------------------------------------------------------------------------


def test_same_key_same_entries_any_order_is_noop(builder: EnvBuilder) -> None:
    env = two_ready(builder)
    first = set_traffic(
        env, builder.dep(1), entries(builder, (1, 7_000), (2, 3_000)), "k", builder.at(0)
    )
    replay = set_traffic(
        first.environment,
        builder.dep(1),
        entries(builder, (2, 3_000), (1, 7_000)),
        "k",
        builder.at(99),
        updated_by="someone-else",
    )
    assert replay.environment is first.environment
    assert replay.split is first.split
    assert replay.new_generation is None
    assert replay.previous_generation == 0
    assert not replay.changed


def test_replay_skips_admission(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1, lifecycle=L.draining).split(1, [(1, 10_000)]).build()
    replay = set_traffic(env, builder.dep(1), entries(builder, (1, 10_000)), "key-0", now)
    assert replay.environment is env
    assert not replay.changed


def test_same_key_different_entries_conflicts(builder: EnvBuilder, now: datetime) -> None:
    first = set_traffic(
        two_ready(builder), builder.dep(1), entries(builder, (1, 10_000)), "k-1", now
    )
    with pytest.raises(IdempotencyConflictError) as info:
        set_traffic(
            first.environment, builder.dep(1), entries(builder, (1, 9_999), (2, 1)), "k-1", now
        )
    assert info.value.kind == "conflict"
    assert info.value.message.startswith(
        f"idempotency key `k-1` already used for deployment {builder.dep(1)} with different entries"
    )


def test_key_of_older_split_is_not_remembered(builder: EnvBuilder) -> None:
    # Only the live split's key is domain state; an older key is simply a new mutation.
    env = two_ready(builder)
    a = set_traffic(env, builder.dep(1), entries(builder, (1, 10_000)), "a", builder.at(0))
    b = set_traffic(
        a.environment, builder.dep(1), entries(builder, (2, 10_000)), "b", builder.at(1)
    )
    again = set_traffic(
        b.environment, builder.dep(1), entries(builder, (1, 10_000)), "a", builder.at(2)
    )
    assert again.changed
    assert again.new_generation == 2


# -- rollback ------------------------------------------------------------------------------


def test_rollback_restores_previous(builder: EnvBuilder) -> None:
    env = two_ready(builder)
    first = set_traffic(
        env, builder.dep(1), entries(builder, (1, 10_000)), "k1", builder.at(0), updated_by="ann"
    )
    second = set_traffic(
        first.environment,
        builder.dep(1),
        entries(builder, (1, 2_000), (2, 8_000)),
        "k2",
        builder.at(1),
    )
    back = rollback_traffic(second.environment, builder.dep(1), builder.at(2))
    split = back.split
    assert split.entries == first.split.entries
    assert split.generation == 2
    assert split.idempotency_key == "rollback-k2"
    assert split.updated_at == builder.ts(2)
    assert split.updated_by == "ann"
    assert split.previous_split_ref is None
    assert back.previous_generation == 1
    assert back.new_generation == 2
    assert back.changed
    assert back.environment.traffic_splits == [split]
    with pytest.raises(SnapshotMissingError):
        rollback_traffic(back.environment, builder.dep(1), builder.at(3))


def test_rollback_without_split(builder: EnvBuilder, now: datetime) -> None:
    with pytest.raises(SplitNotFoundError) as info:
        rollback_traffic(two_ready(builder), builder.dep(1), now)
    assert info.value.kind == "not-found"
    assert info.value.deployment_id == builder.dep(1)


def test_rollback_unknown_deployment(builder: EnvBuilder, now: datetime) -> None:
    with pytest.raises(DeploymentNotFoundError):
        rollback_traffic(two_ready(builder), builder.dep(4), now)


def test_rollback_without_stash(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment().revision(1).split(1, [(1, 10_000)]).build()
    with pytest.raises(SnapshotMissingError) as info:
        rollback_traffic(env, builder.dep(1), now)
    assert info.value.kind == "conflict"
    assert "snapshot missing" in info.value.message


def test_rollback_unreadable_stash(builder: EnvBuilder, now: datetime) -> None:
    env = (
        builder.deployment()
        .revision(1)
        .split(1, [(1, 10_000)], previous_split_ref="inline://!!!not-base64")
        .build()
    )
    with pytest.raises(SnapshotMissingError, match="unreadable"):
        rollback_traffic(env, builder.dep(1), now)


def test_rollback_readmits(builder: EnvBuilder) -> None:
    env = two_ready(builder)
    first = set_traffic(env, builder.dep(1), entries(builder, (1, 10_000)), "k1", builder.at(0))
    second = set_traffic(
        first.environment, builder.dep(1), entries(builder, (2, 10_000)), "k2", builder.at(1)
    )
    # Revision 1 was drained after traffic moved away from it.
    drained = second.environment.model_copy(
        update={
            "revisions": [
                r.model_copy(update={"lifecycle": L.draining})
                if r.revision_id == builder.rev(1)
                else r
                for r in second.environment.revisions
            ]
        }
    )
    with pytest.raises(AdmissionError) as info:
        rollback_traffic(drained, builder.dep(1), builder.at(2))
    assert info.value.reason == "NotReady"
    assert info.value.revision_id == builder.rev(1)


def test_rollback_rejects_stash_of_other_deployment(builder: EnvBuilder, now: datetime) -> None:
    env = builder.deployment(1).deployment(2).revision(1).revision(2, deployment=2).build()
    other = set_traffic(env, builder.dep(2), entries(builder, (2, 10_000)), "o", now).split
    env = builder.split(
        1, [(1, 10_000)], previous_split_ref=encode_stash(other, "previous_split_ref")
    ).build()
    with pytest.raises(SnapshotMissingError, match="belongs to deployment"):
        rollback_traffic(env, builder.dep(1), now)


def test_rollback_revalidates(builder: EnvBuilder, now: datetime) -> None:
    bad = TrafficSplit(
        env_id="staging",
        deployment_id=builder.dep(1),
        bundle_id="bundle-1",
        entries=entries(builder, (1, 4_000)),
        updated_at=builder.ts(),
        idempotency_key="old",
    )
    env = (
        builder.deployment()
        .revision(1)
        .split(1, [(1, 10_000)], previous_split_ref=encode_stash(bad, "previous_split_ref"))
        .build()
    )
    with pytest.raises(SpecError) as info:
        rollback_traffic(env, builder.dep(1), now)
    assert info.value.code == SpecErrorCode.BasisPointsSum


# -- clear ---------------------------------------------------------------------------------


def test_clear_removes_split(builder: EnvBuilder) -> None:
    env = (
        builder.deployment(1)
        .deployment(2)
        .revision(1, deployment=1)
        .revision(2, deployment=2)
        .split(1, [(1, 10_000)])
        .split(2, [(2, 10_000)])
        .build()
    )
    new_env, removed = clear_traffic(env, builder.dep(1))
    assert removed == env.traffic_splits[0]
    assert [s.deployment_id for s in new_env.traffic_splits] == [builder.dep(2)]
    assert len(env.traffic_splits) == 2


def test_clear_without_split(builder: EnvBuilder) -> None:
    with pytest.raises(SplitNotFoundError):
        clear_traffic(two_ready(builder), builder.dep(1))


def test_clear_unknown_deployment(builder: EnvBuilder) -> None:
    with pytest.raises(DeploymentNotFoundError):
        clear_traffic(two_ready(builder), builder.dep(3))


# -- properties: basis-point arithmetic ----------------------------------------------------


def ready_env(b: type[EnvBuilder], count: int) -> Environment:
    builder = b().deployment()
    for n in range(1, count + 1):
        builder.revision(n)
    return builder.build()


@st.composite
def partitions(draw: st.DrawFn, min_size: int = 1, max_size: int = 8) -> list[int]:
    """Weights (≥ 0) summing to exactly 10000."""
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=size - 1, max_size=size - 1)))
    bounds = [0, *cuts, 10_000]
    return [hi - lo for lo, hi in itertools.pairwise(bounds)]


@settings(deadline=None)
@given(weights=partitions())
def test_exact_sums_are_admitted(builder_cls: type[EnvBuilder], weights: list[int]) -> None:
    env = ready_env(builder_cls, len(weights))
    pairs = list(enumerate(weights, start=1))
    out = set_traffic(env, builder_cls.dep(1), entries(builder_cls, *pairs), "k", builder_cls.NOW)
    assert sum(e.weight_bps for e in out.split.entries) == 10_000
    assert all(0 <= e.weight_bps <= 10_000 for e in out.split.entries)


@settings(deadline=None)
@given(weights=partitions(), delta=st.integers(min_value=1, max_value=U32_MAX))
def test_sums_off_by_anything_are_rejected(
    builder_cls: type[EnvBuilder], weights: list[int], delta: int
) -> None:
    env = ready_env(builder_cls, len(weights) + 1)
    pairs = [*enumerate(weights, start=1), (len(weights) + 1, delta)]
    with pytest.raises(SpecError) as info:
        set_traffic(env, builder_cls.dep(1), entries(builder_cls, *pairs), "k", builder_cls.NOW)
    if delta > 10_000:
        assert info.value.code == SpecErrorCode.BasisPointsEntryTooLarge
    else:
        assert info.value.code == SpecErrorCode.BasisPointsSum
        assert info.value.details["sum"] == 10_000 + delta


@settings(deadline=None)
@given(count=st.integers(min_value=1, max_value=6))
def test_huge_weights_never_wrap_around(builder_cls: type[EnvBuilder], count: int) -> None:
    # u32::MAX entries plus a remainder whose sum is ≡ 10000 (mod 2**32): a 32-bit sum
    # would wrap to exactly 10000, so this must still be rejected.
    weights = [U32_MAX] * count + [10_000 + count]
    assert sum(weights) % 2**32 == 10_000
    env = ready_env(builder_cls, len(weights))
    pairs = list(enumerate(weights, start=1))
    with pytest.raises(SpecError) as info:
        set_traffic(env, builder_cls.dep(1), entries(builder_cls, *pairs), "k", builder_cls.NOW)
    assert info.value.code == SpecErrorCode.BasisPointsEntryTooLarge
    assert info.value.details["value"] == U32_MAX


@settings(deadline=None)
@given(weights=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8))
def test_sum_rule_for_capped_entries(builder_cls: type[EnvBuilder], weights: list[int]) -> None:
    env = ready_env(builder_cls, len(weights))
    pairs = list(enumerate(weights, start=1))
    if sum(weights) == 10_000:
        out = set_traffic(
            env, builder_cls.dep(1), entries(builder_cls, *pairs), "k", builder_cls.NOW
        )
        assert [e.weight_bps for e in out.split.entries] == weights
        return
    with pytest.raises(SpecError) as info:
        set_traffic(env, builder_cls.dep(1), entries(builder_cls, *pairs), "k", builder_cls.NOW)
    assert info.value.code == SpecErrorCode.BasisPointsSum
    assert info.value.details["sum"] == sum(weights)


# -- properties: set then rollback, stash round-trip, replays ------------------------------


@settings(deadline=None, max_examples=150)
@given(first=partitions(max_size=4), second=partitions(max_size=4), shuffle=st.randoms())
def test_set_then_rollback_restores_previous_entries(
    builder_cls: type[EnvBuilder], first: list[int], second: list[int], shuffle: random.Random
) -> None:
    env = ready_env(builder_cls, 8)
    dep = builder_cls.dep(1)
    revs_a = list(range(1, 9))
    shuffle.shuffle(revs_a)
    a_entries = entries(builder_cls, *zip(revs_a, first, strict=False))
    b_entries = entries(builder_cls, *zip(reversed(revs_a), second, strict=False))
    a = set_traffic(env, dep, a_entries, "key-a", builder_cls.at(0))
    b = set_traffic(a.environment, dep, b_entries, "key-b", builder_cls.at(1))
    assert b.new_generation == 1
    # The stash is exactly the previous split with its own stash cleared.
    assert decode_stash(b.split.previous_split_ref, TrafficSplit, "split") == a.split
    back = rollback_traffic(b.environment, dep, builder_cls.at(2))
    assert back.split.entries == a_entries
    assert back.split.generation == 2
    assert back.split.idempotency_key == "rollback-key-b"
    assert back.split.previous_split_ref is None


@given(
    weights=partitions(max_size=4),
    key=st.text(min_size=1, max_size=20).filter(lambda k: k.strip() != ""),
    updated_by=st.text(max_size=20),
    stash=st.none() | st.text(max_size=30),
    generation=st.integers(min_value=0, max_value=2**63),
)
def test_stash_roundtrips_exactly(
    builder_cls: type[EnvBuilder],
    weights: list[int],
    key: str,
    updated_by: str,
    stash: str | None,
    generation: int,
) -> None:
    split = TrafficSplit(
        env_id="staging",
        deployment_id=builder_cls.dep(1),
        bundle_id="bundle-1",
        generation=generation,
        entries=entries(builder_cls, *enumerate(weights, start=1)),
        updated_at=builder_cls.ts(),
        updated_by=updated_by,
        idempotency_key=key,
        previous_split_ref=stash,
    )
    token = encode_stash(split, "previous_split_ref")
    assert token.startswith("inline://")
    assert not token.endswith("=")
    decoded = decode_stash(token, TrafficSplit, "split")
    assert decoded == split.model_copy(update={"previous_split_ref": None})
    assert encode_stash(decoded, "previous_split_ref") == token


@settings(deadline=None)
@given(weights=partitions(max_size=5), order=st.randoms(), replays=st.integers(1, 5))
def test_idempotent_replays_change_nothing(
    builder_cls: type[EnvBuilder], weights: list[int], order: random.Random, replays: int
) -> None:
    env = ready_env(builder_cls, len(weights))
    dep = builder_cls.dep(1)
    pairs = list(enumerate(weights, start=1))
    first = set_traffic(env, dep, entries(builder_cls, *pairs), "same", builder_cls.at(0))
    current = first.environment
    for n in range(replays):
        order.shuffle(pairs)
        out = set_traffic(current, dep, entries(builder_cls, *pairs), "same", builder_cls.at(n + 1))
        assert out.environment is current
        assert out.new_generation is None
        assert not out.changed
        assert out.split == first.split
