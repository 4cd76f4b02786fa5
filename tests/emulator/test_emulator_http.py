"""Over real HTTP on 127.0.0.1: lightkube, streaming watches, dropped connections, the fixture."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.core.exceptions import ApiError
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.authentication_v1 import SelfSubjectReview
from lightkube.resources.core_v1 import ConfigMap, Namespace

from greentic_deployer.testing.kube_emulator import AccessRule, RunningEmulator, run_emulator

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One emulator for the module, with a bearer token that may do anything."""
    rules = {TOKEN: [AccessRule(verbs=("*",), groups=("*",), resources=("*",))]}
    with run_emulator(tmp_path_factory.mktemp("kube"), tokens=rules) as running:
        yield running


def lightkube_client(served: RunningEmulator) -> AsyncClient:
    """lightkube configured only from the written kubeconfig."""
    return AsyncClient(config=KubeConfig.from_file(served.kubeconfig), field_manager="tests")


def test_kubeconfig_points_at_the_emulator_with_the_token(served: RunningEmulator) -> None:
    doc = yaml.safe_load(served.kubeconfig.read_text())
    assert doc["current-context"] == "emulator"
    assert doc["clusters"] == [{"name": "emulator", "cluster": {"server": served.url}}]
    assert doc["users"] == [{"name": "emulator", "user": {"token": TOKEN}}]
    assert doc["contexts"][0]["context"] == {"cluster": "emulator", "user": "emulator"}
    assert served.url.startswith("http://127.0.0.1:") and served.token == TOKEN
    assert served.kubeconfig.stat().st_mode & 0o077 == 0


async def test_lightkube_applies_reads_lists_and_deletes(served: RunningEmulator) -> None:
    client = lightkube_client(served)
    try:
        await client.apply(Namespace(metadata=ObjectMeta(name="lk")), force=True)
        applied = await client.apply(
            ConfigMap(
                metadata=ObjectMeta(name="cfg", namespace="lk", labels={"tier": "web"}),
                data={"a": "1"},
            ),
            force=True,
        )
        assert applied.metadata is not None and applied.metadata.resourceVersion
        again = await client.apply(
            ConfigMap(
                metadata=ObjectMeta(name="cfg", namespace="lk", labels={"tier": "web"}),
                data={"a": "1"},
            ),
            force=True,
        )
        assert again.metadata is not None
        assert again.metadata.resourceVersion == applied.metadata.resourceVersion
        got = await client.get(ConfigMap, "cfg", namespace="lk")
        assert got.data == {"a": "1"}
        names = [
            c.metadata.name
            async for c in client.list(ConfigMap, namespace="lk", labels={"tier": "web"})
            if c.metadata is not None
        ]
        assert names == ["cfg"]
        await client.delete(ConfigMap, "cfg", namespace="lk")
        with pytest.raises(ApiError) as absent:
            await client.get(ConfigMap, "cfg", namespace="lk")
        assert absent.value.status.code == 404
    finally:
        await client.close()


async def test_lightkube_reads_a_rolled_out_deployment(served: RunningEmulator) -> None:
    client = lightkube_client(served)
    try:
        await client.apply(Namespace(metadata=ObjectMeta(name="lk-deploy")), force=True)
        labels = {"app": "web"}
        await client.apply(
            Deployment(
                metadata=ObjectMeta(name="web", namespace="lk-deploy"),
                spec=DeploymentSpec(
                    replicas=2,
                    selector=LabelSelector(matchLabels=labels),
                    template=PodTemplateSpec(
                        metadata=ObjectMeta(labels=labels),
                        spec=PodSpec(containers=[Container(name="main", image="app:1")]),
                    ),
                ),
            ),
            force=True,
        )
        live = await client.get(Deployment, "web", namespace="lk-deploy")
        assert live.status is not None and live.metadata is not None
        assert live.status.observedGeneration == live.metadata.generation == 1
        assert live.status.availableReplicas == 2
        review = await client.create(SelfSubjectReview())
        assert review.status is not None and review.status.userInfo is not None
        assert review.status.userInfo.username is not None
        assert review.status.userInfo.username.startswith("emulator:token:")
    finally:
        await client.close()


async def test_requests_without_the_token_are_refused_over_http(served: RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=served.url) as anonymous:
        response = await anonymous.get("/api/v1/namespaces")
    assert response.status_code == 401


async def test_watch_streams_events_as_they_happen(served: RunningEmulator) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=10) as http:
        await http.patch(
            "/api/v1/namespaces/watched?fieldManager=t",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watched"}},
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
        url = "/api/v1/namespaces/watched/configmaps?watch=1&timeoutSeconds=30"
        async with http.stream("GET", url) as stream:
            assert stream.status_code == 200
            lines = stream.aiter_lines()

            async def write(data: dict[str, str]) -> None:
                body = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "live", "namespace": "watched"},
                    "data": data,
                }
                await http.patch(
                    "/api/v1/namespaces/watched/configmaps/live?fieldManager=t",
                    json=body,
                    headers={"Content-Type": "application/apply-patch+yaml"},
                )

            await write({"n": "1"})
            first = json.loads(await asyncio.wait_for(anext(lines), 5))
            await write({"n": "2"})
            second = json.loads(await asyncio.wait_for(anext(lines), 5))
        assert (first["type"], first["object"]["data"]) == ("ADDED", {"n": "1"})
        assert (second["type"], second["object"]["data"]) == ("MODIFIED", {"n": "2"})


async def test_dropped_connection_closes_without_an_answer(served: RunningEmulator) -> None:
    served.emulator.inject_fault(drop_connection=True, verb="discovery", resource="/version")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/version")
        assert (await http.get("/version")).json()["major"] == "1"


async def test_retry_after_header_reaches_the_client(served: RunningEmulator) -> None:
    served.emulator.inject_fault(status=429, retry_after=7, resource="/version")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers) as http:
        response = await http.get("/version")
    assert response.status_code == 429 and response.headers["retry-after"] == "7"


async def test_the_plugin_fixture_serves_an_emulator(kube_emulator: RunningEmulator) -> None:
    assert kube_emulator.token is None
    assert (kube_emulator.kubeconfig.parent / "kubeconfig").is_file()
    async with httpx.AsyncClient(base_url=kube_emulator.url) as http:
        assert (await http.get("/api/v1/namespaces")).json()["kind"] == "NamespaceList"
    assert kube_emulator.emulator.counters[("list", "namespaces")] == 1


def test_run_emulator_stops_serving_on_exit(tmp_path: Path) -> None:
    with run_emulator(tmp_path) as running:
        url = running.url
        assert httpx.get(f"{url}/version").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/version", timeout=2)


async def test_a_delayed_rollout_reaches_an_open_watch_without_further_requests(
    tmp_path: Path,
) -> None:
    """Guards the timer path: status written by the server loop while only a watch is open."""
    with run_emulator(tmp_path, rollout_delay=0.2) as running:
        async with httpx.AsyncClient(base_url=running.url, timeout=10) as http:
            web = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "main", "image": "app:1"}]},
                    },
                },
            }
            created = await http.patch(
                "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=t",
                json=web,
                headers={"Content-Type": "application/apply-patch+yaml"},
            )
            assert "observedGeneration" not in created.json().get("status", {})
            rv = created.json()["metadata"]["resourceVersion"]
            url = (
                "/apis/apps/v1/namespaces/default/deployments"
                f"?watch=1&resourceVersion={rv}&fieldSelector=metadata.name%3Dweb"
            )
            async with http.stream("GET", url) as stream:
                event = json.loads(await asyncio.wait_for(anext(stream.aiter_lines()), 5))
    assert event["type"] == "MODIFIED"
    assert event["object"]["status"]["observedGeneration"] == 1
    assert event["object"]["status"]["availableReplicas"] == 1


async def test_concurrent_applies_over_http_all_land(served: RunningEmulator) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/apply-patch+yaml"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=10) as http:
        await http.patch(
            "/api/v1/namespaces/many?fieldManager=t",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "many"}},
        )

        async def put(i: int) -> int:
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i}", "namespace": "many"},
                "data": {"i": str(i)},
            }
            response = await http.patch(
                f"/api/v1/namespaces/many/configmaps/cm-{i}?fieldManager=t", json=body
            )
            return response.status_code

        codes = await asyncio.gather(*(put(i) for i in range(40)))
        listed = (await http.get("/api/v1/namespaces/many/configmaps")).json()
    assert codes == [201] * 40
    versions = [int(i["metadata"]["resourceVersion"]) for i in listed["items"]]
    assert len(set(versions)) == 40
