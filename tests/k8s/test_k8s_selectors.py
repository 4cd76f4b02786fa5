"""Selectors select exactly the intended pods; policy and service ports match container ports."""

from __future__ import annotations

from typing import Any

import pytest

from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.packs.k8s.secrets_backend import Vault

from .conftest import PRESENT, EnvFactory

Manifest = dict[str, Any]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """Equality-based label selection, as `matchLabels` and Service selectors do it."""
    return all(labels.get(key) == value for key, value in selector.items())


def _render(env_factory: EnvFactory, **kwargs: Any) -> list[Manifest]:
    return render_environment(env_factory(), {"tunnel": "cloudflared"}, **kwargs)


def _pods(objects: list[Manifest]) -> dict[str, dict[str, str]]:
    """Pod labels by owning Deployment name."""
    return {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
        for o in objects
        if o["kind"] == "Deployment"
    }


def _one(objects: list[Manifest], kind: str, name: str) -> Manifest:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


@pytest.fixture(params=["dev-store", "vault"])
def objects(request: pytest.FixtureRequest, env_factory: EnvFactory) -> list[Manifest]:
    """The demo render with each secrets backend."""
    backend = Vault(addr="https://v", role="r") if request.param == "vault" else None
    return _render(env_factory, secrets_backend=backend, dev_store_bytes=b"x")


def test_deployment_selector_is_subset_of_template_labels(objects: list[Manifest]) -> None:
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector and matches(selector, labels), deployment["metadata"]["name"]


def test_deployment_selectors_do_not_overlap(objects: list[Manifest]) -> None:
    pods = _pods(objects)
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        selected = [name for name, labels in pods.items() if matches(selector, labels)]
        assert selected == [deployment["metadata"]["name"]]


def test_router_service_selects_router_pods_only(objects: list[Manifest]) -> None:
    service = _one(objects, "Service", "gtc-router")
    selected = [
        n for n, labels in _pods(objects).items() if matches(service["spec"]["selector"], labels)
    ]
    assert selected == ["gtc-router"]


def test_each_worker_service_selects_only_its_revision(objects: list[Manifest]) -> None:
    pods = _pods(objects)
    for rid in PRESENT:
        service = _one(objects, "Service", worker_name(rid))
        selected = [n for n, labels in pods.items() if matches(service["spec"]["selector"], labels)]
        assert selected == [worker_name(rid)]


def test_pdb_selects_router_pods(objects: list[Manifest]) -> None:
    pdb = _one(objects, "PodDisruptionBudget", "gtc-router")
    selector = pdb["spec"]["selector"]["matchLabels"]
    selected = [n for n, labels in _pods(objects).items() if matches(selector, labels)]
    assert selected == ["gtc-router"]


def test_topology_spread_selects_router_pods(objects: list[Manifest]) -> None:
    router = _one(objects, "Deployment", "gtc-router")
    (constraint,) = router["spec"]["template"]["spec"]["topologySpreadConstraints"]
    selected = [
        n
        for n, labels in _pods(objects).items()
        if matches(constraint["labelSelector"]["matchLabels"], labels)
    ]
    assert selected == ["gtc-router"]


def _policy(objects: list[Manifest], name: str) -> dict[str, Any]:
    spec: dict[str, Any] = _one(objects, "NetworkPolicy", name)["spec"]
    return spec


def _selected(objects: list[Manifest], selector: dict[str, Any]) -> set[str]:
    labels = selector.get("matchLabels", {})
    return {n for n, pod in _pods(objects).items() if matches(labels, pod)}


def test_network_policy_pod_selectors(objects: list[Manifest]) -> None:
    pods = set(_pods(objects))
    workers = {worker_name(rid) for rid in PRESENT}
    assert _selected(objects, _policy(objects, "gtc-default-deny")["podSelector"]) == pods
    assert _selected(objects, _policy(objects, "gtc-allow-dns")["podSelector"]) == pods
    router = _policy(objects, "gtc-allow-router")
    assert _selected(objects, router["podSelector"]) == {"gtc-router"}
    assert _selected(objects, router["egress"][0]["to"][0]["podSelector"]) == workers
    allow_workers = _policy(objects, "gtc-allow-workers")
    assert _selected(objects, allow_workers["podSelector"]) == workers
    assert _selected(objects, allow_workers["ingress"][0]["from"][0]["podSelector"]) == {
        "gtc-router"
    }
    assert _selected(objects, _policy(objects, "gtc-allow-worker-egress")["podSelector"]) == workers
    assert _selected(objects, _policy(objects, "gtc-allow-router-egress")["podSelector"]) == {
        "gtc-router"
    }


def _container_ports(deployment: Manifest) -> set[tuple[str, int]]:
    return {
        (p.get("protocol", "TCP"), p["containerPort"])
        for c in deployment["spec"]["template"]["spec"]["containers"]
        for p in c["ports"]
    }


def test_policy_and_service_ports_match_container_ports(objects: list[Manifest]) -> None:
    router_ports = _container_ports(_one(objects, "Deployment", "gtc-router"))
    worker_ports = _container_ports(_one(objects, "Deployment", worker_name(PRESENT[0])))

    def rule_ports(rule: dict[str, Any]) -> set[tuple[str, int]]:
        return {(p["protocol"], p["port"]) for p in rule["ports"]}

    router = _policy(objects, "gtc-allow-router")
    assert rule_ports(router["ingress"][0]) <= router_ports
    assert rule_ports(router["egress"][0]) <= worker_ports
    assert rule_ports(_policy(objects, "gtc-allow-workers")["ingress"][0]) <= worker_ports
    for service in (o for o in objects if o["kind"] == "Service"):
        deployment = _one(objects, "Deployment", service["metadata"]["name"])
        ports = _container_ports(deployment)
        for port in service["spec"]["ports"]:
            assert (port["protocol"], port["targetPort"]) in ports
        probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
        assert ("TCP", probe["httpGet"]["port"]) in ports


def test_volume_mounts_reference_declared_volumes(objects: list[Manifest]) -> None:
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"] for v in pod["volumes"]}
        containers = pod.get("initContainers", []) + pod["containers"]
        used = {m["name"] for c in containers for m in c["volumeMounts"]}
        assert used == volumes, deployment["metadata"]["name"]


def test_configmap_and_secret_volumes_name_rendered_objects(objects: list[Manifest]) -> None:
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for volume in pod["volumes"]:
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in names
            if "secret" in volume:
                assert ("Secret", volume["secret"]["secretName"]) in names
        if "serviceAccountName" in pod:
            assert ("ServiceAccount", pod["serviceAccountName"]) in names
