"""Bearer tokens and rules: 401, 403, SelfSubjectReview and SelfSubjectAccessReview."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from greentic_deployer.testing.kube_emulator import AccessRule, KubeEmulator
from tests.emulator.conftest import NS, apply, client_for, configmap, deployment, namespace_manifest

ADMIN = "admin-token"
DEPLOYER = "deployer-token"
RULES = {
    ADMIN: [AccessRule(verbs=("*",), groups=("*",), resources=("*",))],
    DEPLOYER: [
        AccessRule(
            verbs=("get", "list", "patch", "create"),
            groups=("",),
            resources=("configmaps",),
            namespaces=(NS,),
        ),
        AccessRule(verbs=("get",), groups=("apps",), resources=("deployments",), namespaces=(NS,)),
    ],
}
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def review(verb: str, group: str, resource: str, namespace: str = NS) -> dict[str, object]:
    """A SelfSubjectAccessReview body."""
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": namespace,
                "verb": verb,
                "group": group,
                "resource": resource,
            }
        },
    }


async def test_requests_without_a_valid_token_are_401(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    emulator = make_emulator(tokens=RULES)
    for token in (None, "wrong"):
        async with client_for(emulator, token) as kube:
            response = await kube.get("/api/v1/namespaces")
            assert response.status_code == 401
            assert response.json()["reason"] == "Unauthorized"
            assert (await kube.get("/api")).status_code == 401


async def test_operations_outside_the_rules_are_403(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    emulator = make_emulator(tokens=RULES)
    async with client_for(emulator, ADMIN) as admin:
        await apply(admin, namespace_manifest(NS))
        await apply(admin, deployment("web"))
    async with client_for(emulator, DEPLOYER) as kube:
        assert (await kube.get("/api")).status_code == 200
        assert (await apply(kube, configmap("cfg", {"a": "1"}))).status_code == 201
        assert (await kube.get(f"/apis/apps/v1/namespaces/{NS}/deployments/web")).status_code == 200
        denied = await apply(kube, deployment("web"))
        assert denied.status_code == 403
        body = denied.json()
        assert body["reason"] == "Forbidden"
        assert body["message"] == (
            'deployments.apps "web" is forbidden: User "'
            + body["message"].split('User "')[1].split('"')[0]
            + '" cannot patch resource "deployments" in API group "apps" in the namespace "team-a"'
        )
        assert (await kube.get("/api/v1/namespaces/other/configmaps")).status_code == 403
        assert (await kube.get("/api/v1/configmaps")).status_code == 403
        assert (await kube.delete(f"/api/v1/namespaces/{NS}/configmaps/cfg")).status_code == 403


async def test_apply_that_would_create_needs_create_too(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    patch_only = {"p": [AccessRule(verbs=("patch",), groups=("",), resources=("configmaps",))]}
    emulator = make_emulator(tokens={**RULES, **patch_only})
    async with client_for(emulator, ADMIN) as admin:
        await apply(admin, namespace_manifest(NS))
        await apply(admin, configmap("exists", {}))
    async with client_for(emulator, "p") as kube:
        assert (await apply(kube, configmap("exists", {"a": "1"}))).status_code == 200
        created = await apply(kube, configmap("new", {}))
        assert created.status_code == 403
        assert "cannot create" in created.json()["message"]


async def test_self_subject_review_names_the_caller(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    emulator = make_emulator(tokens=RULES)
    async with client_for(emulator, DEPLOYER) as kube:
        response = await kube.post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        )
    assert response.status_code == 201
    user = response.json()["status"]["userInfo"]
    assert user["username"].startswith("emulator:token:")
    assert DEPLOYER not in user["username"]
    assert user["groups"] == ["system:authenticated"]


async def test_access_reviews_answer_from_the_same_rules(
    make_emulator: Callable[..., KubeEmulator],
) -> None:
    emulator = make_emulator(tokens=RULES)
    async with client_for(emulator, DEPLOYER) as kube:
        allowed = await kube.post(SSAR, json=review("patch", "", "configmaps"))
        denied = await kube.post(SSAR, json=review("delete", "apps", "deployments"))
        elsewhere = await kube.post(SSAR, json=review("get", "", "configmaps", "other"))
        malformed = await kube.post(SSAR, json={"spec": {}})
    assert allowed.status_code == 201
    assert allowed.json()["status"]["allowed"] is True
    assert allowed.json()["status"]["reason"]
    assert denied.json()["status"]["allowed"] is False
    assert elsewhere.json()["status"]["allowed"] is False
    assert malformed.status_code == 422


async def test_without_tokens_everyone_is_an_admin(kube: httpx.AsyncClient) -> None:
    who = await kube.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json={})
    assert who.json()["status"]["userInfo"]["username"] == "kubernetes-admin"
    anything = await kube.post(SSAR, json=review("delete", "", "namespaces", ""))
    assert anything.json()["status"]["allowed"] is True


async def test_a_protobuf_review_is_unsupported_media_type(kube: httpx.AsyncClient) -> None:
    """Guards a misleading 400 "not valid JSON" for `kubectl auth can-i` (protobuf body)."""
    response = await kube.post(
        SSAR, content=b"k8s\x00", headers={"Content-Type": "application/vnd.kubernetes.protobuf"}
    )
    assert response.status_code == 415
    assert response.json()["reason"] == "UnsupportedMediaType"
