"""Server-side apply: create, field ownership per manager, conflicts, pruning, dry runs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from greentic_deployer.testing.kube_emulator import KubeEmulator
from tests.emulator.conftest import APPLY, NS, apply, configmap, url_of


async def test_apply_creates_an_absent_object_with_server_metadata(
    kube: httpx.AsyncClient,
) -> None:
    response = await apply(kube, configmap("cfg", {"a": "1"}))
    assert response.status_code == 201
    meta = response.json()["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["resourceVersion"].isdigit()
    assert meta["generation"] == 1
    assert response.json()["kind"] == "ConfigMap" and response.json()["apiVersion"] == "v1"


async def test_apply_accepts_a_yaml_body(kube: httpx.AsyncClient) -> None:
    body = yaml.safe_dump(configmap("cfg", {"a": "1"}))
    response = await kube.patch(
        url_of(configmap("cfg", {})) + "?fieldManager=m",
        content=body.encode(),
        headers={"Content-Type": APPLY},
    )
    assert response.status_code == 201
    assert response.json()["data"] == {"a": "1"}


async def test_a_json_apply_body_is_read_without_the_yaml_parser(
    kube: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the bug where every apply paid PyYAML's constructor: half the emulator's CPU."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a JSON apply body went through the YAML parser")

    monkeypatch.setattr(yaml, "load", refuse)
    response = await apply(kube, configmap("cfg", {"a": "1"}))
    assert response.status_code == 201
    assert response.json()["data"] == {"a": "1"}


async def test_a_flow_yaml_apply_body_that_is_not_json_still_applies(
    kube: httpx.AsyncClient,
) -> None:
    body = (
        b"{apiVersion: v1, kind: ConfigMap, "
        b"metadata: {name: cfg, namespace: team-a}, data: {a: '1'}}"
    )
    response = await kube.patch(
        url_of(configmap("cfg", {})) + "?fieldManager=m",
        content=body,
        headers={"Content-Type": APPLY},
    )
    assert response.status_code == 201
    assert response.json()["data"] == {"a": "1"}


async def test_apply_into_a_missing_namespace_is_not_found(kube: httpx.AsyncClient) -> None:
    manifest = configmap("cfg", {"a": "1"})
    manifest["metadata"]["namespace"] = "nowhere"
    response = await kube.patch(
        "/api/v1/namespaces/nowhere/configmaps/cfg?fieldManager=m",
        json=manifest,
        headers={"Content-Type": APPLY},
    )
    assert response.status_code == 404
    body = response.json()
    assert body["kind"] == "Status" and body["reason"] == "NotFound"
    assert body["details"] == {"name": "nowhere", "kind": "namespaces"}


async def test_apply_without_field_manager_is_invalid(kube: httpx.AsyncClient) -> None:
    response = await apply(kube, configmap("cfg", {"a": "1"}), manager=None)
    assert response.status_code == 422
    assert response.json()["reason"] == "Invalid"
    assert "fieldManager" in response.json()["message"]


async def test_reapplying_the_same_body_keeps_the_resource_version(
    kube: httpx.AsyncClient,
) -> None:
    first = await apply(kube, configmap("cfg", {"a": "1"}, tier="web"))
    second = await apply(kube, configmap("cfg", {"a": "1"}, tier="web"))
    assert second.status_code == 200
    assert (
        second.json()["metadata"]["resourceVersion"] == first.json()["metadata"]["resourceVersion"]
    )


async def test_fields_a_manager_stops_sending_are_removed(kube: httpx.AsyncClient) -> None:
    await apply(kube, configmap("cfg", {"a": "1", "b": "2"}, tier="web"))
    response = await apply(kube, configmap("cfg", {"a": "1"}))
    assert response.json()["data"] == {"a": "1"}
    assert "labels" not in response.json()["metadata"]


async def test_fields_another_manager_owns_survive_a_prune(kube: httpx.AsyncClient) -> None:
    await apply(kube, configmap("cfg", {"a": "1", "b": "2"}), manager="first")
    await apply(kube, configmap("cfg", {"b": "2"}), manager="second")
    response = await apply(kube, configmap("cfg", {"a": "1"}), manager="first")
    # `b` is still owned by `second`, so `first` dropping it does not remove it.
    assert response.json()["data"] == {"a": "1", "b": "2"}


async def test_conflicting_value_of_another_managers_field_is_409_without_force(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("cfg", {"a": "1", "b": "2"}), manager="first")
    before = (await kube.get(url_of(configmap("cfg", {})))).json()
    response = await apply(kube, configmap("cfg", {"a": "9"}), manager="second", force=False)
    assert response.status_code == 409
    body = response.json()
    assert body["reason"] == "Conflict"
    assert (
        body["message"] == 'Apply failed with 1 conflict: conflict with "first" using v1: .data.a'
    )
    assert body["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "first" using v1',
            "field": ".data.a",
        }
    ]
    after = (await kube.get(url_of(configmap("cfg", {})))).json()
    assert after == before


async def test_force_transfers_ownership_so_the_old_owner_no_longer_prunes_it(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("cfg", {"a": "1", "b": "2"}), manager="first")
    forced = await apply(kube, configmap("cfg", {"a": "9"}), manager="second", force=True)
    assert forced.status_code == 200
    assert forced.json()["data"] == {"a": "9", "b": "2"}
    # `first` no longer owns `a`: re-applying without it removes only what it still owns.
    again = await apply(kube, configmap("cfg", {}), manager="first", force=False)
    assert again.json()["data"] == {"a": "9"}


async def test_same_value_for_another_managers_field_is_shared_not_a_conflict(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("cfg", {"a": "1"}), manager="first")
    response = await apply(kube, configmap("cfg", {"a": "1"}), manager="second", force=False)
    assert response.status_code == 200


async def test_lists_are_atomic_fields(kube: httpx.AsyncClient) -> None:
    manifest: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": NS},
        "spec": {"ports": [{"port": 80}, {"port": 81}]},
    }
    await apply(kube, manifest, manager="first")
    manifest["spec"]["ports"] = [{"port": 80}]
    conflict = await apply(kube, manifest, manager="second", force=False)
    assert conflict.status_code == 409
    assert conflict.json()["details"]["causes"][0]["field"] == ".spec.ports"


async def test_dry_run_answers_without_persisting(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    created = await apply(kube, configmap("cfg", {"a": "1"}))
    response = await apply(kube, configmap("cfg", {"a": "2"}), extra="&dryRun=All")
    assert response.status_code == 200
    assert response.json()["data"] == {"a": "2"}
    stored = emulator.object("configmaps", NS, "cfg")
    assert stored is not None and stored["data"] == {"a": "1"}
    assert stored["metadata"]["resourceVersion"] == created.json()["metadata"]["resourceVersion"]


async def test_dry_run_of_a_create_stores_nothing(
    kube: httpx.AsyncClient, emulator: KubeEmulator
) -> None:
    response = await apply(kube, configmap("new", {"a": "1"}), extra="&dryRun=All")
    assert response.status_code == 201
    assert response.json()["data"] == {"a": "1"}
    assert emulator.object("configmaps", NS, "new") is None


async def test_apply_with_a_stale_resource_version_is_a_conflict(
    kube: httpx.AsyncClient,
) -> None:
    await apply(kube, configmap("cfg", {"a": "1"}))
    stale = configmap("cfg", {"a": "2"})
    stale["metadata"]["resourceVersion"] = "1"
    response = await apply(kube, stale)
    assert response.status_code == 409
    assert "the object has been modified" in response.json()["message"]


async def test_apply_body_for_another_name_is_a_bad_request(kube: httpx.AsyncClient) -> None:
    response = await kube.patch(
        "/api/v1/namespaces/team-a/configmaps/other?fieldManager=m",
        json=configmap("cfg", {"a": "1"}),
        headers={"Content-Type": APPLY},
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"
