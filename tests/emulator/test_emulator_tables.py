"""Table answers (`Accept: …;as=Table;…`), as `kubectl get` requests them."""

from __future__ import annotations

import json

import httpx

from greentic_deployer.testing.kube_emulator import KubeEmulator
from greentic_deployer.testing.kube_emulator.tables import age
from tests.emulator.conftest import NS, FakeClock, apply, configmap, deployment

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


async def test_deployment_table_has_kubectls_columns(
    kube: httpx.AsyncClient, clock: FakeClock
) -> None:
    await apply(kube, deployment("web", replicas=2))
    clock.advance(75)
    response = await kube.get(
        f"/apis/apps/v1/namespaces/{NS}/deployments", headers={"Accept": TABLE}
    )
    table = response.json()
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
    ]
    (row,) = table["rows"]
    assert row["cells"] == ["web", "2/2", 2, 2, "75s"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == NS


async def test_pod_table_shows_a_crash_loop(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    await apply(kube, deployment("web", replicas=1))
    emulator.crash_loop(NS, "web")
    table = (await kube.get(f"/api/v1/namespaces/{NS}/pods", headers={"Accept": TABLE})).json()
    (row,) = table["rows"]
    assert row["cells"][1:4] == ["0/1", "CrashLoopBackOff", 1]


async def test_other_kinds_get_name_and_age_and_one_object_is_a_one_row_table(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("cfg", {}))
    table = (
        await kube.get(
            f"/api/v1/namespaces/{NS}/configmaps/cfg",
            params={"includeObject": "Object"},
            headers={"Accept": TABLE},
        )
    ).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]
    (row,) = table["rows"]
    assert row["object"]["kind"] == "ConfigMap"


async def test_plain_json_is_still_the_default(kube: httpx.AsyncClient) -> None:
    listed = await kube.get(f"/api/v1/namespaces/{NS}/configmaps")
    assert listed.json()["kind"] == "ConfigMapList"


async def test_a_table_watch_sends_column_definitions_once(kube: httpx.AsyncClient) -> None:
    start = (await kube.get(f"/api/v1/namespaces/{NS}/configmaps")).json()["metadata"][
        "resourceVersion"
    ]
    await apply(kube, configmap("a", {}))
    await apply(kube, configmap("b", {}))
    response = await kube.get(
        f"/api/v1/namespaces/{NS}/configmaps",
        params={"watch": "1", "resourceVersion": start, "timeoutSeconds": "0"},
        headers={"Accept": TABLE},
    )
    events = [json.loads(line) for line in response.text.splitlines()]
    assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
    assert events[0]["object"]["columnDefinitions"]
    assert events[1]["object"]["columnDefinitions"] == []
    assert [e["object"]["rows"][0]["cells"][0] for e in events] == ["a", "b"]


def test_age_reads_like_kubectl() -> None:
    obj = {"metadata": {"creationTimestamp": "2026-01-01T00:00:00Z"}}
    start = 1_767_225_600.0
    assert [age(obj, start + s) for s in (5, 119, 120, 3 * 3600 - 1, 3 * 3600, 2 * 86400)] == [
        "5s",
        "119s",
        "2m",
        "179m",
        "3h",
        "2d",
    ]
    assert age({"metadata": {}}, start) == "<unknown>"
