"""Diff: would-create, would-change with field paths, would-prune; never a write.

Checks: an empty cluster diffs as all-created; a reconciled env diffs as unchanged; a changed
answer names the changed paths (ignoring what the server maintains); an archived revision's
worker shows as pruned; nothing is persisted or deleted.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from greentic_deployer.packs.k8s.diff import changed_paths, diff
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.packs.k8s.reconcile import reconcile
from greentic_deployer.testing.memory_cluster import InMemoryCluster
from tests.k8s_live.builders import R1, archived_env, ready_env


def snapshot(cluster: InMemoryCluster) -> dict[Any, Any]:
    return {k: repr(v) for k, v in cluster.objects.items()}


async def test_an_empty_cluster_diffs_as_everything_created() -> None:
    cluster = InMemoryCluster()
    report = await diff(cluster, ready_env(), None)
    assert report.changed is True
    assert len(report.created) == 14
    assert report.changed_objects == ()
    assert cluster.objects == {}


async def test_a_reconciled_env_diffs_as_unchanged() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    before = snapshot(cluster)
    report = await diff(cluster, ready_env(), None)
    assert report.changed is False
    assert report.unchanged_count == 14
    assert report.to_json()["changed"] is False
    assert snapshot(cluster) == before


async def test_a_changed_answer_lists_the_changed_field_paths() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    before = snapshot(cluster)
    report = await diff(cluster, ready_env(), {"runtime_image": "example.com/rt:2"})
    changed = {c.ref.name: c.paths for c in report.changed_objects}
    assert set(changed) == {"gtc-router", worker_name(R1)}
    assert changed["gtc-router"] == ("spec.template.spec.containers[0].image",)
    assert report.created == ()
    assert snapshot(cluster) == before
    assert cluster.calls["delete"] == 0


async def test_an_archived_revision_shows_as_pruned_and_stays() -> None:
    cluster = InMemoryCluster()
    await reconcile(cluster, ready_env(), None)
    before = snapshot(cluster)
    report = await diff(cluster, archived_env(), None)
    assert {r.name for r in report.pruned} == {worker_name(R1)}
    assert report.changed is True
    assert snapshot(cluster) == before
    data = report.to_json()
    assert {p["kind"] for p in data["pruned"]} == {"Deployment", "Service"}


def test_changed_paths_ignore_equal_values_and_quote_dotted_keys() -> None:
    before = {"metadata": {"labels": {"greentic.ai/env": "a", "x": "1"}}, "data": {"k": [1, 2]}}
    after = {"metadata": {"labels": {"greentic.ai/env": "b", "x": "1"}}, "data": {"k": [1, 3]}}
    assert changed_paths(before, after) == [
        ".data.k[1]",
        '.metadata.labels["greentic.ai/env"]',
    ]
    assert changed_paths({"a": [1]}, {"a": [1, 2]}) == [".a"]
    assert changed_paths({"a": 1}, {"a": 1}) == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=12,
)


@given(_json, _json)
def test_changed_paths_are_empty_exactly_when_the_values_are_equal(a: Any, b: Any) -> None:
    assert changed_paths(a, a) == []
    assert (changed_paths(a, b) == []) == (a == b)
