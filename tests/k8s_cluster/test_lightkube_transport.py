"""LightkubeCluster over an in-process transport: the wire requests it makes, retries with
backoff (429 with Retry-After, 5xx, dropped connections) up to a bound and never on other 4xx,
401/403 as typed errors, an unreachable endpoint, and that no discovery call is ever made."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from greentic_deployer.packs.k8s.cluster import (
    FIELD_MANAGER,
    ApiError,
    ApplyAction,
    InvalidManifestError,
    Unreachable,
)
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig, LightkubeCluster
from greentic_deployer.packs.k8s.object_ref import ObjectRef

from .conftest import NS, deployment, manifest
from .kubeconfigs import write_kubeconfig

Handler = Callable[[httpx2.Request], httpx2.Response]
CM = ObjectRef("v1", "ConfigMap", NS, "gtc-runtime-config")


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    """A Kubernetes `Status` error object."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def failure(code: int, reason: str, message: str, **headers: str) -> httpx2.Response:
    """An error answer as the API server sends it."""
    return httpx2.Response(code, json=status_body(code, reason, message), headers=headers)


class Recorder:
    """Answers requests from a queue of canned responses (then a fallback), recording each."""

    def __init__(self, fallback: Handler | None = None) -> None:
        self.requests: list[httpx2.Request] = []
        self.queue: list[httpx2.Response | Exception] = []
        self.fallback = fallback or echo_apply

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.queue:
            answer = self.queue.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return self.fallback(request)


def echo_apply(request: httpx2.Request) -> httpx2.Response:
    """A server that has nothing (GET → 404) and echoes applies back with a resourceVersion."""
    if request.method == "GET":
        return failure(404, "NotFound", "not found")
    if request.method == "PATCH":
        body = json.loads(request.content)
        body["metadata"]["resourceVersion"] = "7"
        return httpx2.Response(200, json=body)
    return httpx2.Response(200, json={"kind": "Status", "status": "Success"})


class Sleeps:
    """An injected sleep that records what it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_cluster(
    tmp_path: Path, recorder: Recorder, sleeps: Sleeps | None = None, **config: Any
) -> LightkubeCluster:
    """A client whose transport is the recorder, with a fixed jitter of one half."""
    kubeconfig = write_kubeconfig(tmp_path)
    return LightkubeCluster(
        ClusterConfig(kubeconfig=kubeconfig, transport=httpx2.MockTransport(recorder), **config),
        sleep=sleeps or Sleeps(),
        rng=lambda: 0.5,
    )


# -- what goes on the wire ---------------------------------------------------------------------


async def test_apply_is_server_side_apply_forced_with_our_field_manager(tmp_path: Path) -> None:
    recorder = Recorder()
    cluster = make_cluster(tmp_path, recorder)
    result = await cluster.apply(deployment("gtc-worker-a"))
    assert result.action is ApplyAction.created
    get, patch = recorder.requests
    assert get.method == "GET"
    assert get.url.path == f"/apis/apps/v1/namespaces/{NS}/deployments/gtc-worker-a"
    assert patch.method == "PATCH"
    assert patch.url.path == get.url.path
    assert patch.headers["content-type"] == "application/apply-patch+yaml"
    assert dict(patch.url.params) == {"fieldManager": FIELD_MANAGER, "force": "true"}
    assert json.loads(patch.content) == deployment("gtc-worker-a")
    await cluster.close()


@pytest.mark.parametrize(
    ("kind", "api_version", "namespace", "path"),
    [
        ("Namespace", "v1", None, "/api/v1/namespaces/x"),
        ("Service", "v1", NS, f"/api/v1/namespaces/{NS}/services/x"),
        ("Secret", "v1", NS, f"/api/v1/namespaces/{NS}/secrets/x"),
        ("ServiceAccount", "v1", NS, f"/api/v1/namespaces/{NS}/serviceaccounts/x"),
        (
            "PodDisruptionBudget",
            "policy/v1",
            NS,
            f"/apis/policy/v1/namespaces/{NS}/poddisruptionbudgets/x",
        ),
        (
            "NetworkPolicy",
            "networking.k8s.io/v1",
            NS,
            f"/apis/networking.k8s.io/v1/namespaces/{NS}/networkpolicies/x",
        ),
        (
            "RoleBinding",
            "rbac.authorization.k8s.io/v1",
            NS,
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NS}/rolebindings/x",
        ),
        (
            "ClusterRoleBinding",
            "rbac.authorization.k8s.io/v1",
            None,
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x",
        ),
    ],
)
async def test_each_kind_goes_to_its_url_without_discovery(
    tmp_path: Path, kind: str, api_version: str, namespace: str | None, path: str
) -> None:
    recorder = Recorder()
    cluster = make_cluster(tmp_path, recorder)
    await cluster.apply(
        manifest(kind, "x", api_version=api_version, namespace=namespace), dry_run=True
    )
    assert [r.url.path for r in recorder.requests] == [path, path]
    assert recorder.requests[1].url.params["dryRun"] == "All"
    await cluster.close()


async def test_existing_spares_the_guard_get(tmp_path: Path) -> None:
    recorder = Recorder()
    cluster = make_cluster(tmp_path, recorder)
    result = await cluster.apply(manifest("ConfigMap", "gtc-runtime-config"), existing={})
    assert result.action is ApplyAction.created
    assert [r.method for r in recorder.requests] == ["PATCH"]
    await cluster.close()


async def test_invalid_kind_makes_no_request(tmp_path: Path) -> None:
    recorder = Recorder()
    cluster = make_cluster(tmp_path, recorder)
    with pytest.raises(InvalidManifestError):
        await cluster.apply(manifest("Pod", "p"))
    with pytest.raises(InvalidManifestError):
        await cluster.list("CustomThing", NS)
    with pytest.raises(InvalidManifestError, match="selector"):
        await cluster.list("Service", NS, "a in (")
    assert recorder.requests == []
    await cluster.close()


async def test_list_passes_the_label_selector_to_the_server(tmp_path: Path) -> None:
    items = {"kind": "ServiceList", "apiVersion": "v1", "metadata": {}, "items": []}
    recorder = Recorder(lambda request: httpx2.Response(200, json=items))
    cluster = make_cluster(tmp_path, recorder)
    selector = "greentic.ai/env=staging,app.kubernetes.io/component in (router,worker),!legacy"
    assert await cluster.list("Service", NS, selector) == []
    (request,) = recorder.requests
    assert request.url.path == f"/api/v1/namespaces/{NS}/services"
    assert request.url.params["labelSelector"] == (
        "greentic.ai/env=staging,app.kubernetes.io/component in (router,worker),!legacy"
    )
    await cluster.close()


async def test_delete_of_absent_object_is_not_an_error(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: failure(404, "NotFound", 'configmaps "x" not found'))
    cluster = make_cluster(tmp_path, recorder)
    result = await cluster.delete(CM)
    assert not result.existed
    assert [r.method for r in recorder.requests] == ["DELETE"]
    await cluster.close()


async def test_rollout_status_reads_the_typed_deployment(tmp_path: Path) -> None:
    live = deployment("gtc-worker-a", replicas=2)
    live["metadata"]["generation"] = 3
    live["status"] = {
        "observedGeneration": 3,
        "replicas": 3,
        "updatedReplicas": 2,
        "availableReplicas": 1,
        "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}],
    }
    recorder = Recorder(lambda request: httpx2.Response(200, json=live))
    cluster = make_cluster(tmp_path, recorder)
    status = await cluster.rollout_status(ObjectRef("apps/v1", "Deployment", NS, "gtc-worker-a"))
    assert (status.generation, status.observed_generation) == (3, 3)
    assert (status.replicas, status.updated_replicas, status.available_replicas) == (3, 2, 1)
    assert status.conditions[0]["reason"] == "ReplicaSetUpdated"
    await cluster.close()


# -- retries -----------------------------------------------------------------------------------


async def test_throttled_request_waits_as_told_and_recovers(tmp_path: Path) -> None:
    recorder = Recorder()
    recorder.queue = [failure(429, "TooManyRequests", "slow down", **{"Retry-After": "3"})]
    sleeps = Sleeps()
    cluster = make_cluster(tmp_path, recorder, sleeps)
    assert await cluster.get(CM) is None
    assert sleeps.waits == [3.0]
    assert len(recorder.requests) == 2
    await cluster.close()


async def test_unavailable_server_is_retried_with_growing_jittered_backoff(tmp_path: Path) -> None:
    recorder = Recorder()
    recorder.queue = [
        failure(503, "ServiceUnavailable", "etcd leader changed"),
        httpx2.Response(500, text="oops"),
        failure(504, "Timeout", "timeout"),
    ]
    sleeps = Sleeps()
    cluster = make_cluster(tmp_path, recorder, sleeps)
    result = await cluster.apply(manifest("ConfigMap", "gtc-runtime-config"), existing={})
    assert result.action is ApplyAction.created
    # Equal jitter with rng fixed at 0.5: three quarters of 0.2, 0.4, 0.8.
    assert sleeps.waits == pytest.approx([0.15, 0.3, 0.6])
    assert len(recorder.requests) == 4
    await cluster.close()


async def test_backoff_is_capped(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, Recorder(), backoff_cap=1.0)
    assert cluster.backoff(10, None) == pytest.approx(0.75)
    assert cluster.backoff(10, 12.0) == 12.0
    await cluster.close()


async def test_retries_give_up_after_the_bound_with_a_clear_error(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: failure(503, "ServiceUnavailable", "apiserver is down"))
    sleeps = Sleeps()
    cluster = make_cluster(tmp_path, recorder, sleeps, max_retries=3)
    with pytest.raises(ApiError) as caught:
        await cluster.apply(manifest("ConfigMap", "gtc-runtime-config"), existing={})
    error = caught.value
    assert error.status == 503
    assert len(recorder.requests) == 4
    assert len(sleeps.waits) == 3
    assert str(error) == (
        "provider failure: apply `v1/ConfigMap gtc-staging/gtc-runtime-config` failed with "
        "HTTP 503 ServiceUnavailable: apiserver is down (gave up after 4 attempts)"
    )
    assert isinstance(error.__cause__, httpx2.HTTPStatusError)
    await cluster.close()


async def test_dropped_connections_are_retried(tmp_path: Path) -> None:
    recorder = Recorder()
    recorder.queue = [httpx2.RemoteProtocolError("Server disconnected without sending a response.")]
    sleeps = Sleeps()
    cluster = make_cluster(tmp_path, recorder, sleeps)
    assert await cluster.get(CM) is None
    assert len(sleeps.waits) == 1
    await cluster.close()


async def test_bare_error_response_without_content_type_is_typed(tmp_path: Path) -> None:
    """Guards against lightkube's unguarded Content-Type read turning a proxy's bare 502 into
    a KeyError traceback."""
    recorder = Recorder(lambda request: httpx2.Response(502))
    cluster = make_cluster(tmp_path, recorder, max_retries=1)
    with pytest.raises(ApiError) as caught:
        await cluster.get(CM)
    assert caught.value.status == 502
    assert len(recorder.requests) == 2
    await cluster.close()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (409, "Conflict"),
        (422, "Invalid"),
    ],
)
async def test_other_client_errors_are_never_retried(
    tmp_path: Path, code: int, reason: str
) -> None:
    message = f"{reason.lower()} for this test"
    recorder = Recorder(lambda request: failure(code, reason, message))
    sleeps = Sleeps()
    cluster = make_cluster(tmp_path, recorder, sleeps)
    with pytest.raises(ApiError) as caught:
        await cluster.apply(manifest("ConfigMap", "gtc-runtime-config"), existing={})
    assert (caught.value.status, caught.value.reason) == (code, reason)
    assert caught.value.server_message == message
    assert caught.value.ref == CM
    assert str(CM) in str(caught.value) and f"HTTP {code}" in str(caught.value)
    assert len(recorder.requests) == 1
    assert sleeps.waits == []
    await cluster.close()


async def test_forbidden_guard_read_is_a_typed_error_and_nothing_is_applied(tmp_path: Path) -> None:
    recorder = Recorder(
        lambda request: failure(
            403, "Forbidden", 'configmaps "gtc-runtime-config" is forbidden: User "x" cannot get'
        )
    )
    cluster = make_cluster(tmp_path, recorder)
    with pytest.raises(ApiError) as caught:
        await cluster.apply(manifest("ConfigMap", "gtc-runtime-config"))
    assert caught.value.status == 403
    assert "cannot get" in str(caught.value)
    assert [r.method for r in recorder.requests] == ["GET"]
    await cluster.close()


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_closed_port_is_unreachable_after_bounded_retries(tmp_path: Path) -> None:
    server = f"http://127.0.0.1:{_closed_port()}"
    kubeconfig = write_kubeconfig(tmp_path, server=server)
    sleeps = Sleeps()
    cluster = LightkubeCluster(
        ClusterConfig(kubeconfig=kubeconfig, max_retries=2), sleep=sleeps, rng=lambda: 0.0
    )
    with pytest.raises(Unreachable) as caught:
        await cluster.get(CM)
    error = caught.value
    assert error.endpoint == server
    assert error.ref == CM
    assert server in str(error) and str(CM) in str(error)
    assert "gave up after 3 attempts" in str(error)
    assert sleeps.waits == [0.1, 0.2]
    assert isinstance(error.__cause__, httpx2.ConnectError)
    await cluster.close()
