"""Watches: event translation, resourceVersion resume, initial events, and expiry."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.emulator.conftest import NS, apply, configmap

CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"


def events(response: httpx.Response) -> list[tuple[str, str]]:
    """(type, name) of each newline-delimited event."""
    found: list[tuple[str, str]] = []
    for line in response.text.splitlines():
        event: dict[str, Any] = json.loads(line)
        found.append((event["type"], event["object"]["metadata"].get("name", "")))
    return found


async def test_watch_from_a_resource_version_replays_later_changes(
    kube: httpx.AsyncClient,
) -> None:
    start = (await kube.get(CONFIGMAPS)).json()["metadata"]["resourceVersion"]
    await apply(kube, configmap("a", {"x": "1"}))
    await apply(kube, configmap("a", {"x": "2"}))
    await apply(kube, configmap("b", {}))
    await kube.delete(f"{CONFIGMAPS}/a")
    response = await kube.get(
        CONFIGMAPS, params={"watch": "1", "resourceVersion": start, "timeoutSeconds": "0"}
    )
    assert response.status_code == 200
    assert events(response) == [("ADDED", "a"), ("MODIFIED", "a"), ("ADDED", "b"), ("DELETED", "a")]


async def test_watch_without_a_resource_version_starts_with_current_objects(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("a", {}))
    response = await kube.get(CONFIGMAPS, params={"watch": "true", "timeoutSeconds": "0"})
    assert events(response) == [("ADDED", "a")]


async def test_watch_with_send_initial_events_ends_them_with_a_bookmark(
    kube: httpx.AsyncClient,
) -> None:
    """Guards `kubectl rollout status` hanging: kubectl 1.37 waits for this bookmark."""
    await apply(kube, configmap("a", {}))
    response = await kube.get(
        CONFIGMAPS,
        params={
            "watch": "true",
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": "0",
        },
    )
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["type"] for line in lines] == ["ADDED", "BOOKMARK"]
    annotations = lines[1]["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}


async def test_selectors_turn_changes_in_and_out_of_scope_into_added_and_deleted(
    kube: httpx.AsyncClient,
) -> None:
    start = (await kube.get(CONFIGMAPS)).json()["metadata"]["resourceVersion"]
    await apply(kube, configmap("a", {}, tier="web"))
    await apply(kube, configmap("a", {}, tier="db"))
    await apply(kube, configmap("a", {}, tier="web"))
    await apply(kube, configmap("other", {}, tier="web"))
    response = await kube.get(
        CONFIGMAPS,
        params={
            "watch": "1",
            "resourceVersion": start,
            "timeoutSeconds": "0",
            "labelSelector": "tier=web",
            "fieldSelector": "metadata.name=a",
        },
    )
    assert events(response) == [("ADDED", "a"), ("DELETED", "a"), ("ADDED", "a")]


async def test_watch_from_an_expired_resource_version_reports_410(
    kube: httpx.AsyncClient,
) -> None:
    response = await kube.get(
        CONFIGMAPS, params={"watch": "1", "resourceVersion": "bogus", "timeoutSeconds": "5"}
    )
    (line,) = response.text.splitlines()
    event = json.loads(line)
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"
