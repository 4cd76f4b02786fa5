"""Transition matrix, chain walk, and a property over random lifecycle verb sequences."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greentic_deployer.engine.errors import (
    ActiveTrafficReferenceError,
    AdmissionError,
    DuplicateRevisionError,
    HealthGateFailedError,
    InvalidTransitionError,
    LifecycleConflictError,
    RevisionNotFoundError,
    SplitNotFoundError,
)
from greentic_deployer.engine.lifecycle import (
    ALLOWED_TRANSITIONS,
    ARCHIVE_CHAIN,
    DRAIN_CHAIN,
    WARM_CHAIN,
    is_allowed,
    walk_chain,
)
from greentic_deployer.engine.revisions import (
    HealthGate,
    StageRequest,
    archive_revision,
    drain_revision,
    stage_revision,
    warm_revision,
)
from greentic_deployer.engine.traffic import clear_traffic, set_traffic
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import GreenticError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.traffic import TrafficEntry

if TYPE_CHECKING:
    from tests.engine.conftest import EnvBuilder

L = Lifecycle

# The documented transition table written out literally, independent of the implementation's table.
MATRIX: set[tuple[Lifecycle, Lifecycle]] = {
    (L.inactive, L.staged),
    (L.inactive, L.failed),
    (L.inactive, L.archived),
    (L.staged, L.warming),
    (L.staged, L.failed),
    (L.staged, L.archived),
    (L.warming, L.ready),
    (L.warming, L.failed),
    (L.warming, L.archived),
    (L.ready, L.draining),
    (L.ready, L.failed),
    (L.ready, L.archived),
    (L.draining, L.inactive),
    (L.failed, L.staged),
    (L.failed, L.archived),
}


def test_matrix_is_exactly_the_documented_table() -> None:
    table = {(src, dst) for src, dsts in ALLOWED_TRANSITIONS.items() for dst in dsts}
    assert table == MATRIX
    assert set(ALLOWED_TRANSITIONS) == set(Lifecycle)
    assert ALLOWED_TRANSITIONS[L.archived] == frozenset()


@pytest.mark.parametrize("src", list(Lifecycle))
@pytest.mark.parametrize("dst", list(Lifecycle))
def test_is_allowed_matches_matrix(src: Lifecycle, dst: Lifecycle) -> None:
    assert is_allowed(src, dst) == ((src, dst) in MATRIX)


def test_self_transitions_are_never_allowed() -> None:
    assert not any(is_allowed(s, s) for s in Lifecycle)


def test_verb_chains_use_only_matrix_edges() -> None:
    for chain in (WARM_CHAIN, DRAIN_CHAIN, ARCHIVE_CHAIN):
        assert all(edge in MATRIX for edge in chain)


# -- walk_chain ----------------------------------------------------------------------


def test_walk_unknown_revision_is_not_found(builder: EnvBuilder) -> None:
    env = builder.deployment().build()
    with pytest.raises(RevisionNotFoundError) as info:
        walk_chain(env, builder.rev(9), WARM_CHAIN)
    assert info.value.revision_id == builder.rev(9)
    assert info.value.env_id == "staging"
    assert builder.rev(9) in str(info.value)
    assert info.value.kind == "not-found"


def test_walk_advances_through_whole_chain(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.staged).build()
    new_env, rev = walk_chain(env, builder.rev(1), WARM_CHAIN)
    assert rev.lifecycle == L.ready
    assert new_env.revision(builder.rev(1)) == rev
    assert env.revision(builder.rev(1)).lifecycle == L.staged  # type: ignore[union-attr]


def test_walk_from_middle_of_chain(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.warming).build()
    _, rev = walk_chain(env, builder.rev(1), WARM_CHAIN)
    assert rev.lifecycle == L.ready


def test_walk_started_in_final_state_is_idempotent(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.ready).build()
    new_env, rev = walk_chain(env, builder.rev(1), WARM_CHAIN)
    assert new_env is env
    assert rev.lifecycle == L.ready


def test_walk_accepts_lowercase_ids(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.ready).build()
    _, rev = walk_chain(env, builder.rev(1).lower(), DRAIN_CHAIN)
    assert rev.lifecycle == L.draining


def test_walk_conflict_names_all_chain_starts(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.failed).build()
    with pytest.raises(LifecycleConflictError) as info:
        walk_chain(env, builder.rev(1), WARM_CHAIN)
    err = info.value
    assert err.actual == L.failed
    assert err.expected_starts == [L.staged, L.warming]
    assert err.kind == "conflict"
    assert "is `failed`, expected one of `staged`, `warming`" in err.message
    assert builder.rev(1) in err.message
    assert "archived" in err.message  # the way out


def test_walk_conflict_on_drain_of_staged_says_warm_first(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.staged).build()
    with pytest.raises(LifecycleConflictError) as info:
        walk_chain(env, builder.rev(1), DRAIN_CHAIN)
    assert info.value.expected_starts == [L.ready]
    assert info.value.message.endswith("expected one of `ready`; warm it first")


def test_walk_expected_start_mismatch_is_conflict(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.staged).build()
    with pytest.raises(LifecycleConflictError) as info:
        walk_chain(env, builder.rev(1), WARM_CHAIN, expected_start=L.warming)
    assert info.value.actual == L.staged
    assert info.value.expected_starts == [L.warming]
    assert "re-read it and retry" in info.value.message


def test_walk_expected_start_ignored_when_already_final(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.ready).build()
    new_env, _ = walk_chain(env, builder.rev(1), WARM_CHAIN, expected_start=L.staged)
    assert new_env is env


def test_walk_expected_start_match_walks(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.warming).build()
    _, rev = walk_chain(env, builder.rev(1), WARM_CHAIN, expected_start=L.warming)
    assert rev.lifecycle == L.ready


def test_walk_rechecks_each_edge_against_matrix(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, lifecycle=L.staged).build()
    with pytest.raises(InvalidTransitionError) as info:
        walk_chain(env, builder.rev(1), [(L.staged, L.ready)])
    assert info.value.source == L.staged
    assert info.value.target == L.ready
    assert "`staged` -> `ready` is not allowed" in info.value.message


def test_walk_invalid_edge_not_taken_is_not_checked(builder: EnvBuilder) -> None:
    # Only applied edges are re-checked: an invalid edge whose from-state never matches is inert.
    env = builder.deployment().revision(1, lifecycle=L.ready).build()
    _, rev = walk_chain(env, builder.rev(1), [(L.staged, L.ready), (L.ready, L.draining)])
    assert rev.lifecycle == L.draining


def test_walk_empty_chain_is_programming_error(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1).build()
    with pytest.raises(ValueError, match="at least one edge"):
        walk_chain(env, builder.rev(1), [])


def test_walk_keeps_revision_position(builder: EnvBuilder) -> None:
    env = (
        builder.deployment()
        .revision(1, lifecycle=L.ready)
        .revision(2, lifecycle=L.ready)
        .revision(3, lifecycle=L.ready)
        .build()
    )
    new_env, _ = walk_chain(env, builder.rev(2), DRAIN_CHAIN)
    assert [r.revision_id for r in new_env.revisions] == [builder.rev(n) for n in (1, 2, 3)]
    assert [r.lifecycle for r in new_env.revisions] == [L.ready, L.draining, L.ready]


# -- property: random verb sequences only ever move along allowed edges ----------------


def _reachable(src: Lifecycle, hops: set[tuple[Lifecycle, Lifecycle]]) -> set[Lifecycle]:
    """States reachable from `src` through hops that are all in the literal matrix."""
    seen: set[Lifecycle] = set()
    frontier = [src]
    while frontier:
        state = frontier.pop()
        for a, b in hops:
            if a == state and b not in seen:
                assert (a, b) in MATRIX
                seen.add(b)
                frontier.append(b)
    return seen


# The documented chain of each verb, plus warm's gate flip (staged|warming → failed).
VERB_HOPS: dict[str, set[tuple[Lifecycle, Lifecycle]]] = {
    "warm": {*WARM_CHAIN, (L.staged, L.failed), (L.warming, L.failed)},
    "drain": set(DRAIN_CHAIN),
    "archive": set(ARCHIVE_CHAIN),
}

EXPECTED_ERRORS = (
    DuplicateRevisionError,
    RevisionNotFoundError,
    LifecycleConflictError,
    HealthGateFailedError,
    ActiveTrafficReferenceError,
    AdmissionError,
    SplitNotFoundError,
)

op_strategy = st.tuples(
    st.sampled_from(["stage", "warm", "drain", "archive", "route", "clear"]),
    st.integers(min_value=1, max_value=4),
    st.booleans(),
    # Mostly no observation, so stale-gate conflicts do not swamp the walk.
    st.one_of(st.none(), st.none(), st.sampled_from(list(Lifecycle))),
)


def _states(env: Environment) -> dict[str, Lifecycle]:
    return {r.revision_id: r.lifecycle for r in env.revisions}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=st.lists(st.sampled_from(list(Lifecycle)), max_size=4),
    ops=st.lists(op_strategy, max_size=40),
)
def test_random_verbs_follow_allowed_edges(
    builder_cls: type[EnvBuilder],
    initial: list[Lifecycle],
    ops: list[tuple[str, int, bool, Lifecycle | None]],
) -> None:
    # Seed revisions in arbitrary states (warming and inactive are otherwise unreachable).
    seeded = builder_cls().deployment()
    for n, state in enumerate(initial, start=1):
        seeded.revision(n, lifecycle=state)
    env = seeded.build()
    dep = builder_cls.dep(1)
    for step, (verb, n, gate_ok, expected) in enumerate(ops):
        rid = builder_cls.rev(n)
        now = builder_cls.NOW + timedelta(seconds=step)
        before = _states(env)
        snapshot = env.to_json_dict()
        try:
            if verb == "stage":
                new_env, _ = stage_revision(env, StageRequest(rid, dep, "sha256:00"), now)
            elif verb == "warm":
                gate = (
                    HealthGate.ok()
                    if gate_ok
                    else HealthGate.failed(["provider-health"], "provider down")
                )
                new_env, _ = warm_revision(env, rid, gate, expected, now)
            elif verb == "drain":
                new_env, _ = drain_revision(env, rid)
            elif verb == "archive":
                new_env, _ = archive_revision(env, rid)
            elif verb == "route":
                entry = TrafficEntry(revision_id=rid, weight_bps=10_000)
                new_env = set_traffic(env, dep, [entry], f"key-{step}", now).environment
            else:
                new_env, _ = clear_traffic(env, dep)
        except HealthGateFailedError as exc:
            assert verb == "warm" and not gate_ok
            new_env = exc.environment
        except EXPECTED_ERRORS:
            new_env = env
        except GreenticError as exc:  # pragma: no cover - a failure explains itself
            pytest.fail(f"{verb} raised unexpected {type(exc).__name__}: {exc}")
        assert env.to_json_dict() == snapshot  # the input was not mutated
        new_env.validate()
        after = _states(new_env)
        assert set(before) <= set(after)
        for revision_id, state in after.items():
            if revision_id not in before:
                assert verb == "stage" and state == L.staged
                continue
            if state == before[revision_id]:
                continue
            assert verb in VERB_HOPS, f"{verb} changed a lifecycle"
            assert state in _reachable(before[revision_id], VERB_HOPS[verb])
        env = new_env
    # A routed revision is ready, or was drained while routed; archive can never strand it.
    final = _states(env)
    for split in env.traffic_splits:
        for entry in split.entries:
            assert final[entry.revision_id] in (L.ready, L.draining)


@settings(deadline=None)
@given(
    start=st.sampled_from(list(Lifecycle)),
    verb=st.sampled_from(["warm", "drain", "archive"]),
)
def test_lifecycle_verbs_replay_idempotently(
    builder_cls: type[EnvBuilder], start: Lifecycle, verb: str
) -> None:
    env = builder_cls().deployment().revision(1, lifecycle=start).build()
    rid = builder_cls.rev(1)

    def run(current: Environment, seconds: int) -> Environment:
        if verb == "warm":
            gate = HealthGate.ok()
            return warm_revision(current, rid, gate, None, builder_cls.at(seconds))[0]
        if verb == "drain":
            return drain_revision(current, rid)[0]
        return archive_revision(current, rid)[0]

    try:
        once = run(env, 0)
    except LifecycleConflictError:
        return
    twice = run(once, 0)
    # Replaying with the same instant changes nothing at all.
    assert twice == once
    if verb != "warm":
        assert twice is once
    else:
        later = run(once, 30)
        revision = later.revision(rid)
        assert revision is not None
        assert revision.warmed_at == builder_cls.ts(30)
        assert later.model_copy(update={"revisions": once.revisions}) == once
