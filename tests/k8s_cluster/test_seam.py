"""The K8sCluster seam, run over every implementation:

- apply reports created / configured / unchanged, keeps resourceVersion on a no-op, bumps
  generation on a spec change, and honours dry runs;
- the ownership guard: another env's object is a conflict, an unlabelled one is refused unless
  adopting, and with `existing` given the guard makes no GET;
- kinds outside the closed table are refused before any request;
- delete of an absent object is not an error; get of an absent object is None;
- list filters by namespace and label selector;
- rollout status reads the Deployment's counters; an absent Deployment is a 404.
"""

from __future__ import annotations

import asyncio

import pytest

from greentic_deployer.packs.k8s.cluster import (
    ENV_LABEL,
    AdoptionRefused,
    ApiError,
    ApplyAction,
    InvalidManifestError,
    OwnershipConflict,
    RolloutStatus,
    existing_key,
    index_existing,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.packs.k8s.rollout import judge_rollout

from .conftest import ENV, NS, Harness, deployment, manifest, namespace_manifest


def _rv(obj: dict[str, object]) -> object:
    metadata = obj["metadata"]
    assert isinstance(metadata, dict)
    return metadata["resourceVersion"]


def _generation(obj: dict[str, object]) -> object:
    metadata = obj["metadata"]
    assert isinstance(metadata, dict)
    return metadata["generation"]


# -- apply actions -----------------------------------------------------------------------------


async def test_apply_creates_then_reports_unchanged_then_configured(harness: Harness) -> None:
    cm = manifest("ConfigMap", "gtc-runtime-config", data={"a": "1"})
    first = await harness.cluster.apply(cm)
    assert first.action is ApplyAction.created
    assert first.ref == ObjectRef("v1", "ConfigMap", NS, "gtc-runtime-config")
    assert first.live["data"] == {"a": "1"}

    again = await harness.cluster.apply(cm)
    assert again.action is ApplyAction.unchanged
    assert _rv(again.live) == _rv(first.live)

    changed = await harness.cluster.apply({**cm, "data": {"a": "2"}})
    assert changed.action is ApplyAction.configured
    assert _rv(changed.live) != _rv(first.live)
    live = await harness.cluster.get(first.ref)
    assert live is not None
    assert live["data"] == {"a": "2"}


async def test_generation_moves_only_with_the_spec(harness: Harness) -> None:
    created = await harness.cluster.apply(deployment("gtc-worker-a"))
    assert _generation(created.live) == 1
    relabelled = deployment("gtc-worker-a", labels={"extra": "yes"})
    meta_only = await harness.cluster.apply(relabelled)
    assert meta_only.action is ApplyAction.configured
    assert _generation(meta_only.live) == 1
    respecced = await harness.cluster.apply(
        deployment("gtc-worker-a", image="busybox:2", labels={"extra": "yes"})
    )
    assert _generation(respecced.live) == 2


async def test_fields_no_longer_applied_are_removed(harness: Harness) -> None:
    await harness.cluster.apply(manifest("ConfigMap", "cm", data={"a": "1", "b": "2"}))
    await harness.cluster.apply(manifest("ConfigMap", "cm", data={"a": "1"}))
    live = await harness.cluster.get(ObjectRef("v1", "ConfigMap", NS, "cm"))
    assert live is not None
    assert live["data"] == {"a": "1"}


async def test_dry_run_reports_the_action_and_persists_nothing(harness: Harness) -> None:
    cm = manifest("ConfigMap", "cm", data={"a": "1"})
    ref = ObjectRef("v1", "ConfigMap", NS, "cm")
    would_create = await harness.cluster.apply(cm, dry_run=True)
    assert would_create.action is ApplyAction.created
    assert await harness.cluster.get(ref) is None

    real = await harness.cluster.apply(cm)
    same = await harness.cluster.apply(cm, dry_run=True)
    assert same.action is ApplyAction.unchanged
    would_change = await harness.cluster.apply({**cm, "data": {"a": "9"}}, dry_run=True)
    assert would_change.action is ApplyAction.configured
    assert would_change.live["data"] == {"a": "9"}
    live = await harness.cluster.get(ref)
    assert live is not None
    assert live["data"] == {"a": "1"}
    assert _rv(live) == _rv(real.live)


async def test_namespaced_object_in_a_missing_namespace_is_a_404(harness: Harness) -> None:
    with pytest.raises(ApiError) as caught:
        await harness.cluster.apply(manifest("ConfigMap", "cm", namespace="gtc-nowhere"))
    assert caught.value.status == 404
    assert "v1/ConfigMap gtc-nowhere/cm" in str(caught.value)
    assert "404" in str(caught.value)


# -- ownership guard ---------------------------------------------------------------------------


async def test_object_of_another_env_is_a_conflict_and_left_alone(harness: Harness) -> None:
    theirs = manifest("ConfigMap", "gtc-runtime-config", env="prod", data={"owner": "prod"})
    harness.seed(theirs)
    applies = harness.calls("apply")
    with pytest.raises(OwnershipConflict) as caught:
        await harness.cluster.apply(manifest("ConfigMap", "gtc-runtime-config", data={"x": "y"}))
    error = caught.value
    assert (error.existing_env, error.incoming_env, error.namespace) == ("prod", ENV, NS)
    assert error.ref == ObjectRef("v1", "ConfigMap", NS, "gtc-runtime-config")
    assert str(error.ref) in str(error)
    assert harness.calls("apply") == applies
    live = await harness.cluster.get(error.ref)
    assert live is not None
    assert live["data"] == {"owner": "prod"}


async def test_another_env_conflicts_even_when_adopting(harness: Harness) -> None:
    harness.seed(manifest("Service", "gtc-router", env="prod", spec={"ports": []}))
    with pytest.raises(OwnershipConflict):
        await harness.cluster.apply(manifest("Service", "gtc-router", spec={}), adopt=True)


async def test_unlabelled_object_is_not_adopted_by_default(harness: Harness) -> None:
    harness.seed(manifest("ConfigMap", "handmade", env=None, data={"k": "v"}))
    applies = harness.calls("apply")
    with pytest.raises(AdoptionRefused) as caught:
        await harness.cluster.apply(manifest("ConfigMap", "handmade", data={"k": "ours"}))
    assert "--adopt" in str(caught.value)
    assert str(caught.value.ref) in str(caught.value)
    assert harness.calls("apply") == applies
    live = await harness.cluster.get(caught.value.ref)
    assert live is not None
    assert live["data"] == {"k": "v"}
    assert ENV_LABEL not in live["metadata"]["labels"]


async def test_unlabelled_object_is_adopted_when_asked(harness: Harness) -> None:
    harness.seed(manifest("ConfigMap", "handmade", env=None, data={"k": "v"}))
    result = await harness.cluster.apply(
        manifest("ConfigMap", "handmade", data={"k": "ours"}), adopt=True
    )
    assert result.action is ApplyAction.configured
    assert result.live["data"] == {"k": "ours"}
    assert result.live["metadata"]["labels"][ENV_LABEL] == ENV
    # Once labelled it is ours: the next apply needs no adopt.
    again = await harness.cluster.apply(manifest("ConfigMap", "handmade", data={"k": "ours"}))
    assert again.action is ApplyAction.unchanged


async def test_guard_reads_existing_instead_of_getting_each_object(harness: Harness) -> None:
    objects = [manifest("ConfigMap", f"cm-{i}", data={"i": str(i)}) for i in range(3)]
    await harness.cluster.apply(objects[0])
    existing = index_existing("ConfigMap", await harness.cluster.list("ConfigMap", NS))
    assert set(existing) == {existing_key(ObjectRef("v1", "ConfigMap", NS, "cm-0"))}
    gets, applies = harness.calls("get"), harness.calls("apply")
    actions = [(await harness.cluster.apply(o, existing=existing)).action for o in objects]
    assert actions == [ApplyAction.unchanged, ApplyAction.created, ApplyAction.created]
    assert harness.calls("get") == gets
    assert harness.calls("apply") == applies + 3


async def test_guard_uses_existing_to_refuse_without_a_get(harness: Harness) -> None:
    harness.seed(manifest("ConfigMap", "theirs", env="prod"))
    listed = await harness.cluster.list("ConfigMap", NS)
    existing = index_existing("ConfigMap", listed)
    gets = harness.calls("get")
    with pytest.raises(OwnershipConflict):
        await harness.cluster.apply(manifest("ConfigMap", "theirs"), existing=existing)
    assert harness.calls("get") == gets


async def test_guard_without_existing_costs_one_get(harness: Harness) -> None:
    gets = harness.calls("get")
    await harness.cluster.apply(manifest("ConfigMap", "cm"))
    assert harness.calls("get") == gets + 1


# -- refused before any request ----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": NS}},
        {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": NS}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "namespace": NS}},
        {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": NS}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": NS}},
    ],
    ids=[
        "kind-outside-table",
        "wrong-api-version",
        "namespaced-without-namespace",
        "cluster-scoped-with-namespace",
        "no-api-version",
        "no-name",
    ],
)
async def test_invalid_manifest_is_refused_before_any_request(
    harness: Harness, bad: dict[str, object]
) -> None:
    before = {verb: harness.calls(verb) for verb in ("apply", "get", "list")}
    with pytest.raises(InvalidManifestError):
        await harness.cluster.apply(bad)
    assert {verb: harness.calls(verb) for verb in before} == before


async def test_list_of_a_kind_outside_the_table_is_refused(harness: Harness) -> None:
    with pytest.raises(InvalidManifestError, match="Pod"):
        await harness.cluster.list("Pod", NS)


# -- get, delete, list -------------------------------------------------------------------------


async def test_delete_absent_is_not_an_error(harness: Harness) -> None:
    ref = ObjectRef("apps/v1", "Deployment", NS, "gtc-worker-gone")
    result = await harness.cluster.delete(ref)
    assert (result.ref, result.existed) == (ref, False)


async def test_delete_removes_the_object(harness: Harness) -> None:
    applied = await harness.cluster.apply(deployment("gtc-worker-a"))
    result = await harness.cluster.delete(applied.ref)
    assert result.existed
    assert await harness.cluster.get(applied.ref) is None


async def test_get_absent_is_none(harness: Harness) -> None:
    assert await harness.cluster.get(ObjectRef("v1", "Secret", NS, "nothing")) is None


async def test_list_filters_by_label_selector_and_namespace(harness: Harness) -> None:
    await harness.cluster.apply(namespace_manifest("gtc-other", env="other"))
    worker = {"app.kubernetes.io/component": "worker"}
    await harness.cluster.apply(manifest("Service", "gtc-worker-a", spec={}, labels=worker))
    await harness.cluster.apply(manifest("Service", "gtc-worker-b", spec={}, labels=worker))
    await harness.cluster.apply(manifest("Service", "gtc-router", spec={}))
    await harness.cluster.apply(
        manifest("Service", "gtc-worker-c", spec={}, labels=worker, namespace="gtc-other")
    )
    selector = f"{ENV_LABEL}={ENV},app.kubernetes.io/component=worker"
    found = await harness.cluster.list("Service", NS, selector)
    assert sorted(o["metadata"]["name"] for o in found) == ["gtc-worker-a", "gtc-worker-b"]
    every = await harness.cluster.list("Service", NS)
    assert len(every) == 3
    other = await harness.cluster.list("Service", "gtc-other", api_version="v1")
    assert [o["metadata"]["name"] for o in other] == ["gtc-worker-c"]
    everywhere = await harness.cluster.list("Service", None, "app.kubernetes.io/component")
    assert sorted(o["metadata"]["name"] for o in everywhere) == [
        "gtc-worker-a",
        "gtc-worker-b",
        "gtc-worker-c",
    ]
    not_workers = await harness.cluster.list(
        "Service", NS, "app.kubernetes.io/component notin (worker)"
    )
    assert [o["metadata"]["name"] for o in not_workers] == ["gtc-router"]


async def test_list_of_cluster_scoped_kind(harness: Harness) -> None:
    namespaces = await harness.cluster.list("Namespace", None, f"{ENV_LABEL}={ENV}")
    assert [o["metadata"]["name"] for o in namespaces] == [NS]


# -- rollout status ----------------------------------------------------------------------------


async def test_rollout_status_reads_the_deployment_counters(harness: Harness) -> None:
    applied = await harness.cluster.apply(deployment("gtc-worker-a", replicas=2))
    harness.script_rollout(NS, "gtc-worker-a", "ready")
    status = await _settled(harness, applied.ref, 2)
    assert status.generation == 1
    assert judge_rollout(status, 2).done


async def test_rollout_status_reports_a_stall(harness: Harness) -> None:
    harness.script_rollout(NS, "gtc-worker-s", "stall")
    applied = await harness.cluster.apply(deployment("gtc-worker-s"))
    status = await _settled(harness, applied.ref, 1)
    verdict = judge_rollout(status, 1)
    assert not verdict.done
    assert not verdict.failed


async def test_rollout_status_reports_progress_deadline(harness: Harness) -> None:
    harness.script_rollout(NS, "gtc-worker-d", "deadline")
    applied = await harness.cluster.apply(deployment("gtc-worker-d"))
    status = await _settled(harness, applied.ref, 1)
    assert judge_rollout(status, 1).failed


async def test_rollout_status_of_absent_deployment_is_404(harness: Harness) -> None:
    ref = ObjectRef("apps/v1", "Deployment", NS, "gtc-worker-none")
    with pytest.raises(ApiError) as caught:
        await harness.cluster.rollout_status(ref)
    assert caught.value.status == 404
    assert str(ref) in str(caught.value)


async def _settled(harness: Harness, ref: ObjectRef, desired: int) -> RolloutStatus:
    """The status once the controller stand-in has observed the latest generation."""
    for _ in range(200):
        status = await harness.cluster.rollout_status(ref)
        verdict = judge_rollout(status, desired)
        if verdict.done or verdict.failed or status.available_replicas == 0 < status.replicas:
            return status
        await asyncio.sleep(0)  # lets a controller stand-in run; never a timed sleep
    raise AssertionError(f"{ref} never settled")
