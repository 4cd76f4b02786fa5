"""`materialize_runtime_config`: pure, total, deterministic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.runtime_config import (
    RUNTIME_CONFIG_SCHEMA,
    RevisionRuntimeBlock,
    materialize_runtime_config,
)

from .conftest import (
    D1,
    D2,
    ENV,
    R1,
    R2,
    R3,
    R4,
    R9,
    deployment,
    environment,
    revision,
    split,
    valid_env,
)


def blocks(env: Environment) -> list[tuple[str, str, str, list[str], list[str], int]]:
    return [
        (
            b.deployment_id,
            b.revision_id,
            b.bundle_id,
            b.pack_list_refs,
            b.pack_config_refs,
            b.weight_bps,
        )
        for b in materialize_runtime_config(env).revisions
    ]


def test_empty_env_yields_no_revisions() -> None:
    config = materialize_runtime_config(environment())
    assert config.schema_ == RUNTIME_CONFIG_SCHEMA
    assert config.env_id == ENV
    assert config.revisions == []
    assert config.to_json_dict() == {
        "schema": "greentic.runtime-config.v1",
        "env_id": ENV,
        "revisions": [],
    }


def test_env_with_revisions_but_no_splits_yields_nothing() -> None:
    env = environment(bundles=[deployment()], revisions=[revision(R1, lock_ref="l")])
    assert materialize_runtime_config(env).revisions == []


def test_splits_in_store_order_entries_in_order() -> None:
    env = environment(
        bundles=[deployment(), deployment(D2, bundle_id="b2")],
        revisions=[
            revision(R1),
            revision(R2, sequence=2),
            revision(R3, D2, bundle_id="b2"),
            revision(R4, D2, bundle_id="b2", sequence=2),
        ],
        # D2's split is stored first; entries are deliberately not in id order.
        traffic_splits=[
            split(D2, [(R4, 2_500), (R3, 7_500)], bundle_id="b2"),
            split(D1, [(R2, 10_000), (R1, 0)]),
        ],
    )
    env.validate()
    assert [(d, r, b, w) for d, r, b, _, _, w in blocks(env)] == [
        (D2, R4, "b2", 2_500),
        (D2, R3, "b2", 7_500),
        (D1, R2, "b1", 10_000),
        (D1, R1, "b1", 0),
    ]


def test_refs_come_from_the_matching_revision() -> None:
    env = environment(
        bundles=[deployment()],
        revisions=[
            revision(R1, lock_ref=f"revisions/{R1}/pack-list.lock", config_refs=["c/1", "c/2"]),
            revision(R2, lock_ref="", config_refs=["c/3"], sequence=2),
        ],
        traffic_splits=[split(D1, [(R1, 5_000), (R2, 5_000)])],
    )
    assert blocks(env) == [
        (D1, R1, "b1", [f"revisions/{R1}/pack-list.lock"], ["c/1", "c/2"], 5_000),
        (D1, R2, "b1", [], ["c/3"], 5_000),
    ]


def test_match_requires_revision_and_deployment_id() -> None:
    # R3 exists, but as a revision of D2: a D1 split naming it must not pick up its refs.
    env = environment(
        revisions=[revision(R3, D2, bundle_id="b2", lock_ref="lock", config_refs=["cfg"])],
        traffic_splits=[split(D1, [(R3, 10_000)]), split(D2, [(R3, 10_000)], bundle_id="b2")],
    )
    assert blocks(env) == [
        (D1, R3, "b1", [], [], 10_000),
        (D2, R3, "b2", ["lock"], ["cfg"], 10_000),
    ]


def test_unknown_revision_is_total() -> None:
    env = environment(traffic_splits=[split(D1, [(R9, 10_000)])])
    assert blocks(env) == [(D1, R9, "b1", [], [], 10_000)]


def test_lifecycle_is_not_filtered() -> None:
    states = list(Lifecycle)
    ids = [ulid_from_int(0x500 + i) for i in range(len(states))]
    weights = [10_000 - 1_000 * (len(states) - 1)] + [1_000] * (len(states) - 1)
    env = environment(
        bundles=[deployment()],
        revisions=[
            revision(rid, lifecycle=state, lock_ref=f"lock/{state}", sequence=i)
            for i, (rid, state) in enumerate(zip(ids, states, strict=True))
        ],
        traffic_splits=[split(D1, list(zip(ids, weights, strict=True)))],
    )
    env.validate()
    out = blocks(env)
    assert [r for _, r, _, _, _, _ in out] == ids
    assert [refs for _, _, _, refs, _, _ in out] == [[f"lock/{s}"] for s in states]
    assert sum(w for *_, w in out) == 10_000


def test_bundle_id_comes_from_the_split() -> None:
    env = environment(
        revisions=[revision(R1, bundle_id="from-revision")],
        traffic_splits=[split(D1, [(R1, 10_000)], bundle_id="from-split")],
    )
    assert blocks(env)[0][2] == "from-split"


def test_materialization_does_not_mutate() -> None:
    env = valid_env()
    before = env.to_json_dict()
    first = materialize_runtime_config(env)
    assert env.to_json_dict() == before
    assert materialize_runtime_config(env) == first
    assert first.env_id == env.environment_id


# -- property: deterministic and one block per entry ---------------------------------

DEPLOYMENTS = [ulid_from_int(0xD00 + i) for i in range(3)]
REVISIONS = [ulid_from_int(0x1000 + i) for i in range(6)]


@st.composite
def random_envs(draw: st.DrawFn) -> Environment:
    revisions = []
    for rid in draw(st.lists(st.sampled_from(REVISIONS), unique=True, max_size=6)):
        revisions.append(
            revision(
                rid,
                draw(st.sampled_from(DEPLOYMENTS)),
                lifecycle=draw(st.sampled_from(list(Lifecycle))),
                lock_ref=draw(st.sampled_from(["", f"revisions/{rid}/pack-list.lock"])),
                config_refs=draw(st.lists(st.sampled_from(["a.json", "b.json"]), max_size=2)),
            )
        )
    splits = []
    for did in draw(st.lists(st.sampled_from(DEPLOYMENTS), unique=True, max_size=3)):
        entries = draw(
            st.lists(
                st.tuples(st.sampled_from(REVISIONS), st.integers(0, 2**32 - 1)),
                max_size=5,
            )
        )
        splits.append(split(did, entries, bundle_id=draw(st.sampled_from(["b1", "b2"]))))
    return environment(revisions=revisions, traffic_splits=splits)


def expected_block(
    env: Environment, did: str, bundle: str, rid: str, w: int
) -> RevisionRuntimeBlock:
    match = [r for r in env.revisions if r.revision_id == rid and r.deployment_id == did]
    lock = [match[0].pack_list_lock_ref] if match and match[0].pack_list_lock_ref else []
    configs = list(match[0].pack_config_refs) if match else []
    return RevisionRuntimeBlock(
        deployment_id=did,
        revision_id=rid,
        bundle_id=bundle,
        pack_list_refs=lock,
        pack_config_refs=configs,
        weight_bps=w,
    )


@settings(max_examples=60, deadline=None)
@given(random_envs())
def test_materialization_is_deterministic_with_one_block_per_entry(env: Environment) -> None:
    first = materialize_runtime_config(env)
    second = materialize_runtime_config(env)
    assert first == second
    assert first.to_json_dict() == second.to_json_dict()
    assert len(first.revisions) == sum(len(s.entries) for s in env.traffic_splits)
    expected = [
        expected_block(env, s.deployment_id, s.bundle_id, e.revision_id, e.weight_bps)
        for s in env.traffic_splits
        for e in s.entries
    ]
    assert first.revisions == expected
