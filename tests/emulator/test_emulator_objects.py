"""Object verbs: generation, /status, create/replace/patch/delete, lists and selectors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from greentic_deployer.testing.kube_emulator import KubeEmulator
from tests.emulator.conftest import NS, FakeClock, apply, configmap, deployment, url_of

DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"


async def test_generation_moves_on_spec_changes_only(kube: httpx.AsyncClient) -> None:
    web = deployment("web")
    assert (await apply(kube, web)).json()["metadata"]["generation"] == 1
    web["metadata"]["labels"]["tier"] = "front"
    relabelled = await apply(kube, web)
    assert relabelled.json()["metadata"]["generation"] == 1
    web["spec"]["replicas"] = 3
    scaled = await apply(kube, web)
    assert scaled.json()["metadata"]["generation"] == 2
    status = await kube.patch(
        url_of(web) + "/status",
        json={"status": {"replicas": 99}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status.json()["metadata"]["generation"] == 2


async def test_writes_to_the_main_resource_ignore_status(kube: httpx.AsyncClient) -> None:
    web = deployment("web")
    web["status"] = {"replicas": 42}
    response = await apply(kube, web)
    assert response.json().get("status", {}).get("replicas") != 42
    merged = await kube.patch(
        url_of(web),
        json={"status": {"replicas": 42}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert merged.json()["status"].get("replicas") != 42


async def test_status_subresource_changes_only_status(kube: httpx.AsyncClient) -> None:
    web = deployment("web")
    await apply(kube, web)
    live = (await kube.get(url_of(web))).json()
    live["spec"]["replicas"] = 7
    live["status"] = {"observedGeneration": 1, "replicas": 5}
    response = await kube.put(url_of(web) + "/status", json=live)
    assert response.status_code == 200
    assert response.json()["status"] == {"observedGeneration": 1, "replicas": 5}
    assert response.json()["spec"]["replicas"] == 2
    got = await kube.get(url_of(web) + "/status")
    assert got.json()["status"]["replicas"] == 5


async def test_post_creates_and_a_second_post_is_already_exists(kube: httpx.AsyncClient) -> None:
    created = await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1"}))
    assert created.status_code == 201
    again = await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1"}))
    assert again.status_code == 409
    assert again.json()["reason"] == "AlreadyExists"
    assert again.json()["message"] == 'configmaps "cfg" already exists'


async def test_put_with_a_stale_resource_version_is_a_conflict(kube: httpx.AsyncClient) -> None:
    created = (await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1"}))).json()
    created["data"] = {"a": "2"}
    replaced = await kube.put(f"{CONFIGMAPS}/cfg", json=created)
    assert replaced.status_code == 200
    assert replaced.json()["data"] == {"a": "2"}
    created["data"] = {"a": "3"}  # still carries the first resourceVersion
    stale = await kube.put(f"{CONFIGMAPS}/cfg", json=created)
    assert stale.status_code == 409
    assert stale.json()["reason"] == "Conflict"


async def test_put_of_an_absent_object_is_not_found(kube: httpx.AsyncClient) -> None:
    response = await kube.put(f"{CONFIGMAPS}/cfg", json=configmap("cfg", {"a": "1"}))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("content_type", "patch", "expected"),
    [
        ("application/merge-patch+json", {"data": {"a": None, "c": "3"}}, {"b": "2", "c": "3"}),
        ("application/strategic-merge-patch+json", {"data": {"b": "9"}}, {"a": "1", "b": "9"}),
        (
            "application/json-patch+json",
            [{"op": "remove", "path": "/data/a"}, {"op": "add", "path": "/data/z", "value": "26"}],
            {"b": "2", "z": "26"},
        ),
    ],
)
async def test_patch_media_types(
    kube: httpx.AsyncClient, content_type: str, patch: Any, expected: dict[str, str]
) -> None:
    await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1", "b": "2"}))
    response = await kube.patch(
        f"{CONFIGMAPS}/cfg", json=patch, headers={"Content-Type": content_type}
    )
    assert response.status_code == 200
    assert response.json()["data"] == expected


async def test_failed_json_patch_test_is_invalid_and_changes_nothing(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1"}))
    response = await kube.patch(
        f"{CONFIGMAPS}/cfg",
        json=[{"op": "test", "path": "/data/a", "value": "2"}, {"op": "remove", "path": "/data"}],
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert response.status_code == 422
    stored = emulator.object("configmaps", NS, "cfg")
    assert stored is not None and stored["data"] == {"a": "1"}


async def test_merge_patch_of_an_absent_object_is_not_found(kube: httpx.AsyncClient) -> None:
    response = await kube.patch(
        f"{CONFIGMAPS}/nope", json={}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert response.status_code == 404


async def test_unknown_patch_media_type_is_unsupported(kube: httpx.AsyncClient) -> None:
    await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1"}))
    response = await kube.patch(
        f"{CONFIGMAPS}/cfg", content=b"x", headers={"Content-Type": "application/x-protobuf"}
    )
    assert response.status_code == 415


async def test_delete_removes_and_a_second_delete_is_not_found(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    await kube.post(CONFIGMAPS, json=configmap("cfg", {"a": "1"}))
    first = await kube.request(
        "DELETE", f"{CONFIGMAPS}/cfg", json={"propagationPolicy": "Foreground"}
    )
    assert first.status_code == 200
    assert emulator.object("configmaps", NS, "cfg") is None
    second = await kube.delete(f"{CONFIGMAPS}/cfg?propagationPolicy=Background")
    assert second.status_code == 404
    assert second.json()["message"] == 'configmaps "cfg" not found'


async def test_list_carries_kinds_and_a_resource_version(kube: httpx.AsyncClient) -> None:
    await apply(kube, configmap("b", {}))
    await apply(kube, configmap("a", {}))
    listed = (await kube.get(CONFIGMAPS)).json()
    assert listed["kind"] == "ConfigMapList" and listed["apiVersion"] == "v1"
    assert listed["metadata"]["resourceVersion"].isdigit()
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a", "b"]
    assert all(i["kind"] == "ConfigMap" and i["apiVersion"] == "v1" for i in listed["items"])


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        ("tier=web", ["one"]),
        ("tier==web", ["one"]),
        ("tier!=web", ["three", "two"]),
        ("tier in (web,db)", ["one", "two"]),
        ("tier notin (web)", ["three", "two"]),
        ("tier", ["one", "two"]),
        ("!tier", ["three"]),
        ("tier=db,env=prod", ["two"]),
    ],
)
async def test_label_selectors(kube: httpx.AsyncClient, selector: str, names: list[str]) -> None:
    await apply(kube, configmap("one", {}, tier="web"))
    await apply(kube, configmap("two", {}, tier="db", env="prod"))
    await apply(kube, configmap("three", {}))
    listed = await kube.get(CONFIGMAPS, params={"labelSelector": selector})
    assert sorted(i["metadata"]["name"] for i in listed.json()["items"]) == names


@pytest.mark.parametrize("selector", ["tier in (web", "=web", "tier==web==db", "ti er=web"])
async def test_a_malformed_label_selector_is_a_bad_request(
    kube: httpx.AsyncClient, selector: str
) -> None:
    """A selector the API server would refuse is a 400 Status, never a silent match-all."""
    listed = await kube.get(CONFIGMAPS, params={"labelSelector": selector})
    assert listed.status_code == 400
    status = listed.json()
    assert (status["kind"], status["reason"]) == ("Status", "BadRequest")


async def test_field_selector_on_name(kube: httpx.AsyncClient) -> None:
    await apply(kube, configmap("one", {}))
    await apply(kube, configmap("two", {}))
    listed = await kube.get(CONFIGMAPS, params={"fieldSelector": "metadata.name=two"})
    assert [i["metadata"]["name"] for i in listed.json()["items"]] == ["two"]


async def test_all_namespace_list(kube: httpx.AsyncClient) -> None:
    other = configmap("x", {})
    other["metadata"]["namespace"] = "team-b"
    await apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}})
    await apply(kube, other)
    await apply(kube, configmap("y", {}))
    listed = (await kube.get("/api/v1/configmaps")).json()
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("team-a", "y"),
        ("team-b", "x"),
    ]


async def test_namespace_delete_cascades_after_terminating(
    make_emulator: Any, clock: FakeClock
) -> None:
    from tests.emulator.conftest import client_for, namespace_manifest

    emulator = make_emulator(terminating_seconds=5)
    async with client_for(emulator) as kube:
        await apply(kube, namespace_manifest(NS))
        await apply(kube, configmap("cfg", {"a": "1"}))
        await apply(kube, deployment("web"))
        deleted = await kube.delete(f"/api/v1/namespaces/{NS}")
        assert deleted.json()["status"]["phase"] == "Terminating"
        assert deleted.json()["metadata"]["deletionTimestamp"]
        refused = await apply(kube, configmap("late", {}))
        assert refused.status_code == 403
        assert refused.json()["reason"] == "Forbidden"
        assert "is being terminated" in refused.json()["message"]
        clock.advance(5)
        gone = await kube.get(f"/api/v1/namespaces/{NS}")
        assert gone.status_code == 404
        assert emulator.object("configmaps", NS, "cfg") is None
        assert emulator.object("deployments", NS, "web") is None
        pods = (await kube.get(f"/api/v1/namespaces/{NS}/pods")).json()["items"]
        assert pods == []


async def test_namespace_delete_completes_on_the_next_tick_by_default(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("cfg", {"a": "1"}))
    deleted = await kube.delete(f"/api/v1/namespaces/{NS}")
    assert deleted.status_code == 200
    assert (await kube.get(f"/api/v1/namespaces/{NS}")).status_code == 404
    assert (await kube.get(f"{CONFIGMAPS}/cfg")).status_code == 404


async def test_unknown_urls_are_not_found_statuses(kube: httpx.AsyncClient) -> None:
    for path in ("/api/v1/widgets", "/apis/example.com/v1/things", "/openapi/v2", "/nope"):
        response = await kube.get(path)
        assert response.status_code == 404, path
        assert response.json()["kind"] == "Status"


async def test_delete_collection_removes_only_matching_objects(kube: httpx.AsyncClient) -> None:
    await apply(kube, configmap("one", {}, tier="web"))
    await apply(kube, configmap("two", {}, tier="db"))
    response = await kube.delete(CONFIGMAPS, params={"labelSelector": "tier=web"})
    assert response.status_code == 200
    left = (await kube.get(CONFIGMAPS)).json()["items"]
    assert [i["metadata"]["name"] for i in left] == ["two"]


async def test_default_namespaces_exist_from_the_start(emulator: KubeEmulator) -> None:
    for name in ("default", "kube-system"):
        namespace = emulator.object("namespaces", None, name)
        assert namespace is not None
        assert namespace["status"]["phase"] == "Active"
        assert namespace["metadata"]["labels"] == {"kubernetes.io/metadata.name": name}


def test_negative_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        KubeEmulator(rollout_delay=-1)


async def test_the_in_process_plugin_fixture(kube_emulator_app: KubeEmulator) -> None:
    transport = httpx.ASGITransport(app=kube_emulator_app.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://k") as client:
        version = await client.get("/version")
    assert version.json()["gitVersion"].startswith("v1.37")
    assert kube_emulator_app.counters[("discovery", "/version")] == 1


async def test_namespaced_writes_need_a_namespace(kube: httpx.AsyncClient) -> None:
    response = await kube.post("/api/v1/configmaps", json=configmap("cfg", {}))
    assert response.status_code == 405
    assert response.json()["reason"] == "MethodNotAllowed"


async def test_a_malformed_watch_timeout_is_a_bad_request(kube: httpx.AsyncClient) -> None:
    response = await kube.get(CONFIGMAPS, params={"watch": "1", "timeoutSeconds": "soon"})
    assert response.status_code == 400
    assert "timeoutSeconds" in response.json()["message"]


async def test_an_internal_failure_still_answers_with_a_status(
    kube: httpx.AsyncClient, emulator: KubeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(emulator.api, "get", broken)
    response = await kube.get(f"{CONFIGMAPS}/cfg")
    assert response.status_code == 500
    assert response.json()["reason"] == "InternalError"
    assert "boom" in response.json()["message"]


async def test_only_status_and_scale_subresources_are_served(kube: httpx.AsyncClient) -> None:
    await apply(kube, deployment("web"))
    assert (await kube.get(f"{DEPLOYMENTS}/web/finalize")).status_code == 404
    await apply(kube, configmap("x", {}))
    assert (await kube.get(f"{CONFIGMAPS}/x/status")).status_code == 404
    assert (await kube.get(f"{CONFIGMAPS}/x/scale")).status_code == 404


async def test_scale_reads_and_writes_the_replica_count(kube: httpx.AsyncClient) -> None:
    await apply(kube, deployment("web", replicas=2))
    scale = (await kube.get(f"{DEPLOYMENTS}/web/scale")).json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 2, "selector": "app=web"}
    patched = await kube.patch(
        f"{DEPLOYMENTS}/web/scale",
        json={"spec": {"replicas": 4}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.json()["spec"] == {"replicas": 4}
    live = (await kube.get(f"{DEPLOYMENTS}/web")).json()
    assert live["spec"]["replicas"] == 4 and live["metadata"]["generation"] == 2
    assert live["status"]["availableReplicas"] == 4
    scale = patched.json()
    scale["spec"]["replicas"] = 1
    replaced = await kube.put(f"{DEPLOYMENTS}/web/scale", json=scale)
    assert replaced.status_code == 409  # the scale's resourceVersion is stale by now
    bad = await kube.patch(
        f"{DEPLOYMENTS}/web/scale",
        json={"spec": {"replicas": -1}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert bad.status_code == 422


async def test_a_subresource_cannot_be_deleted_or_posted(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    """Guards DELETE .../status deleting the whole object."""
    await apply(kube, deployment("web"))
    assert (await kube.delete(f"{DEPLOYMENTS}/web/status")).status_code == 405
    assert (await kube.post(f"{DEPLOYMENTS}/web/scale", json={})).status_code == 405
    assert emulator.object("deployments", NS, "web") is not None
