"""The rendered manifest set: order, counts, content."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.packs.contract import InvalidAnswersError, ManifestRenderer
from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.cluster import InvalidManifestError
from greentic_deployer.packs.k8s.manifests import STAGE_DEV_SECRETS_SCRIPT, STAGE_ENV_STORE_SCRIPT
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.packs.k8s.object_ref import ObjectRef, object_ref
from greentic_deployer.packs.k8s.output import manifest_yaml
from greentic_deployer.packs.k8s.render import K8sRenderer, render_environment
from greentic_deployer.packs.k8s.secrets_backend import DevStore, Vault
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.spec.serde import dumps_compact

from .conftest import (
    A_READY,
    A_WARMING,
    ABSENT,
    B_DRAINING,
    B_READY,
    BUNDLE_A,
    BUNDLE_B,
    DEP_A,
    DEP_B,
    PRESENT,
    VAULT_KIND,
    EnvFactory,
    scaled_env,
    split,
)

Manifest = dict[str, Any]
VAULT = Vault(addr="https://vault:8200", role="worker")


def _kinds_and_names(objects: list[Manifest]) -> list[tuple[str, str]]:
    return [(o["kind"], o["metadata"]["name"]) for o in objects]


def _by_name(objects: list[Manifest], kind: str, name: str) -> Manifest:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def _pod(deployment: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"]}


def _with_lifecycles(env: Environment, lifecycle: Lifecycle) -> Environment:
    return env.model_copy(
        update={"revisions": [r.model_copy(update={"lifecycle": lifecycle}) for r in env.revisions]}
    )


# -- order and counts ---------------------------------------------------------------------------


def test_apply_order(env: Environment) -> None:
    objects = render_environment(env, None)
    expected = [
        ("Namespace", "gtc-staging"),
        ("ConfigMap", "gtc-env-store"),
        ("ConfigMap", "gtc-runtime-config"),
        ("Deployment", "gtc-router"),
        ("Service", "gtc-router"),
        ("PodDisruptionBudget", "gtc-router"),
        ("NetworkPolicy", "gtc-default-deny"),
        ("NetworkPolicy", "gtc-allow-dns"),
        ("NetworkPolicy", "gtc-allow-router"),
        ("NetworkPolicy", "gtc-allow-workers"),
        ("NetworkPolicy", "gtc-allow-worker-egress"),
        ("NetworkPolicy", "gtc-allow-router-egress"),
        ("Secret", "gtc-dev-secrets"),
    ]
    for rid in (A_READY, A_WARMING, B_DRAINING, B_READY):  # env.revisions order
        expected += [("Deployment", worker_name(rid)), ("Service", worker_name(rid))]
    assert _kinds_and_names(objects) == expected
    for manifest in objects[1:]:
        assert manifest["metadata"]["namespace"] == "gtc-staging"
    assert "namespace" not in objects[0]["metadata"]


def test_counts_twelve_env_level_without_secrets_binding(env_factory: EnvFactory) -> None:
    objects = render_environment(env_factory(secrets_kind=None), None)
    assert len(objects) == 12 + 2 * len(PRESENT)
    assert not [o for o in objects if o["kind"] in ("Secret", "ServiceAccount")]


def test_counts_thirteen_with_a_secrets_binding(
    env_factory: EnvFactory, vault_loader: Callable[[str], object | None]
) -> None:
    assert len(render_environment(env_factory(), None)) == 13 + 2 * len(PRESENT)
    vault_env = env_factory(secrets_kind=VAULT_KIND)
    objects = K8sRenderer(load_answers=vault_loader).render_environment(vault_env, None)
    assert len(objects) == 13 + 2 * len(PRESENT)
    assert objects[12]["kind"] == "ServiceAccount"
    assert objects[12]["metadata"]["name"] == "gtc-worker"
    assert not [o for o in objects if o["kind"] == "Secret"]


@pytest.mark.parametrize("lifecycle", list(Lifecycle))
def test_cluster_presence_filter(env: Environment, lifecycle: Lifecycle) -> None:
    objects = render_environment(_with_lifecycles(env, lifecycle), None)
    workers = [o for o in objects if o["metadata"]["name"].startswith("gtc-worker-")]
    if lifecycle in (Lifecycle.warming, Lifecycle.ready, Lifecycle.draining):
        assert len(workers) == 2 * len(env.revisions)
    else:
        assert workers == []
        assert len(objects) == 13


def test_absent_revisions_have_no_workers(env: Environment) -> None:
    names = {o["metadata"]["name"] for o in render_environment(env, None)}
    for rid in ABSENT:
        assert worker_name(rid) not in names
    for rid in PRESENT:
        assert worker_name(rid) in names


def test_thousand_present_revisions() -> None:
    objects = render_environment(scaled_env(1000), None)
    assert len(objects) == 2012
    assert len({(o["kind"], o["metadata"]["name"]) for o in objects}) == 2012


# -- determinism and payloads -------------------------------------------------------------------


def test_render_twice_is_identical(env: Environment) -> None:
    first = render_environment(env, {"tunnel": "cloudflared"}, dev_store_bytes=b"K=V\n")
    second = render_environment(env, {"tunnel": "cloudflared"}, dev_store_bytes=b"K=V\n")
    assert first == second
    assert [manifest_yaml(o) for o in first] == [manifest_yaml(o) for o in second]
    assert json.dumps(first) == json.dumps(second)


def test_renders_share_no_mutable_state(env: Environment) -> None:
    first = render_environment(env, None)
    first[3]["spec"]["template"]["spec"]["containers"][0]["env"].clear()
    first[13]["metadata"]["labels"].clear()
    assert render_environment(env, None) != first
    # and within one render no sub-object is shared between manifests
    seen: dict[int, str] = {}

    def walk(value: object, owner: str) -> None:
        if isinstance(value, dict | list):
            assert seen.setdefault(id(value), owner) == owner, owner
            for child in value.values() if isinstance(value, dict) else value:
                walk(child, owner)

    for index, manifest in enumerate(render_environment(env, None)):
        walk(manifest, str(index))


def test_env_store_configmap_is_the_compact_environment(env: Environment) -> None:
    cm = render_environment(env, None)[1]
    assert cm["data"] == {"environment.json": dumps_compact(env)}
    assert Environment.model_validate(json.loads(cm["data"]["environment.json"])) == env
    assert cm["metadata"]["labels"]["app.kubernetes.io/component"] == "env-store"


def test_runtime_config_configmap_is_the_compact_materialization(env: Environment) -> None:
    cm = render_environment(env, None)[2]
    expected = dumps_compact(materialize_runtime_config(env))
    assert cm["data"] == {"runtime-config.json": expected}
    assert cm["metadata"]["labels"]["app.kubernetes.io/component"] == "router"
    routed = [b["revision_id"] for b in json.loads(expected)["revisions"]]
    assert routed == [A_READY, B_READY, B_DRAINING]


# -- "a traffic change is never a rollout" ------------------------------------------------------


def test_router_template_ignores_traffic_splits(env: Environment) -> None:
    before = render_environment(env, None)
    shifted = env.model_copy(
        update={
            "traffic_splits": [
                split(DEP_A, BUNDLE_A, [(A_READY, 5_000), (A_WARMING, 5_000)], generation=1),
                split(DEP_B, BUNDLE_B, [(B_READY, 10_000)], generation=4),
            ]
        }
    )
    after = render_environment(shifted, None)
    assert before[3] == after[3]  # the router Deployment, byte for byte
    assert manifest_yaml(before[3]) == manifest_yaml(after[3])
    assert before[2] != after[2]  # the change travels through the runtime-config ConfigMap
    cleared = render_environment(env.model_copy(update={"traffic_splits": []}), None)
    assert cleared[3] == before[3]
    # workers do not depend on the split either, so a shift rolls nothing
    assert before[13:] == after[13:]


def test_router_mounts_runtime_config_directory(env: Environment) -> None:
    router = render_environment(env, None)[3]
    pod = _pod(router)
    container = pod["containers"][0]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "runtime-config")
    assert mount == {
        "name": "runtime-config",
        "mountPath": "/etc/greentic/runtime-config",
        "readOnly": True,
    }
    assert "subPath" not in mount  # a subPath mount would never see ConfigMap updates
    volume = next(v for v in pod["volumes"] if v["name"] == "runtime-config")
    assert volume == {"name": "runtime-config", "configMap": {"name": "gtc-runtime-config"}}
    path = _env(container)["GREENTIC_RUNTIME_CONFIG"]
    assert path == "/etc/greentic/runtime-config/runtime-config.json"
    cm = render_environment(env, None)[2]
    assert path == mount["mountPath"] + "/" + next(iter(cm["data"]))


# -- router details -----------------------------------------------------------------------------


def test_router_deployment_details(env: Environment) -> None:
    answers = K8sAnswers(router_replicas=3, oci_insecure_registries=("r:5000", "q"))
    router = render_environment(env, answers)[3]
    assert router["apiVersion"] == "apps/v1"
    assert router["spec"]["replicas"] == 3
    pod = _pod(router)
    assert pod["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": router["spec"]["selector"]["matchLabels"]},
        }
    ]
    (container,) = pod["containers"]
    assert container["name"] == "router"
    assert container["image"] == "ghcr.io/greenticai/greentic-start-distroless:latest"
    assert container["args"] == ["start", "--env=staging"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert _env(container) == {
        "GREENTIC_ENV_ID": "staging",
        "HOME": "/var/greentic",
        "GREENTIC_GATEWAY_LISTEN_ADDR": "0.0.0.0",
        "RAYON_NUM_THREADS": "4",
        "GREENTIC_OCI_INSECURE_REGISTRIES": "r:5000,q",
        "GREENTIC_RUNTIME_CONFIG": "/etc/greentic/runtime-config/runtime-config.json",
    }
    assert [m["name"] for m in container["volumeMounts"]] == [
        "greentic-home",
        "tmp",
        "runtime-config",
    ]
    assert [v["name"] for v in pod["volumes"]] == [
        "greentic-home",
        "tmp",
        "env-store-src",
        "runtime-config",
    ]
    (init,) = pod["initContainers"]
    assert init["name"] == "stage-env-store"
    assert init["image"] == "busybox:1.36.1"
    assert init["command"] == ["sh", "-c", STAGE_ENV_STORE_SCRIPT]
    assert "/etc/greentic/env-store/environment.json" in STAGE_ENV_STORE_SCRIPT
    assert "/var/greentic/.greentic/environments/$GREENTIC_ENV_ID" in STAGE_ENV_STORE_SCRIPT
    assert _env(init)["GREENTIC_ENV_ID"] == "staging"
    assert {"name": "env-store-src", "mountPath": "/etc/greentic/env-store", "readOnly": True} in (
        init["volumeMounts"]
    )
    assert "resources" not in init


def test_router_service_and_pdb(env: Environment) -> None:
    objects = render_environment(env, None)
    service, pdb = objects[4], objects[5]
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "http", "protocol": "TCP", "port": 8080, "targetPort": 8080}
    ]
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 1


def test_no_pull_policy_secrets_ingress_or_load_balancer(env: Environment) -> None:
    text = "".join(manifest_yaml(o) for o in render_environment(env, {"tunnel": "cloudflared"}))
    for forbidden in ("imagePullPolicy", "imagePullSecrets", "LoadBalancer", "kind: Ingress"):
        assert forbidden not in text


# -- security and resources ---------------------------------------------------------------------


def _all_containers(objects: list[Manifest]) -> list[tuple[bool, dict[str, Any]]]:
    out = []
    for manifest in objects:
        if manifest["kind"] == "Deployment":
            pod = _pod(manifest)
            out += [(False, c) for c in pod.get("initContainers", [])]
            out += [(True, c) for c in pod["containers"]]
    return out


def test_restricted_security_everywhere(env: Environment) -> None:
    objects = render_environment(env, None)
    for manifest in objects:
        if manifest["kind"] == "Deployment":
            assert _pod(manifest)["securityContext"] == {
                "runAsNonRoot": True,
                "runAsUser": 65532,
                "runAsGroup": 65532,
                "fsGroup": 65532,
                "seccompProfile": {"type": "RuntimeDefault"},
            }
    containers = _all_containers(objects)
    assert len(containers) == 2 + 3 * len(PRESENT)  # router+init, worker+2 inits each
    for main, container in containers:
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        if main:
            assert container["resources"] == {
                "requests": {"cpu": "250m", "memory": "256Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            }
            assert container["readinessProbe"] == {
                "httpGet": {"path": "/healthz", "port": 8080},
                "initialDelaySeconds": 2,
                "periodSeconds": 5,
            }
        else:
            assert container["image"] == "busybox:1.36.1"
            assert "resources" not in container and "readinessProbe" not in container


# -- workers ------------------------------------------------------------------------------------


def test_worker_details(env: Environment) -> None:
    objects = render_environment(env, {"runtime_image": "r.local/start:1"})
    worker = _by_name(objects, "Deployment", worker_name(B_READY))
    assert worker["spec"]["replicas"] == 1
    assert worker["spec"]["selector"] == {"matchLabels": {"greentic.ai/revision": B_READY}}
    labels = worker["spec"]["template"]["metadata"]["labels"]
    assert labels == worker["metadata"]["labels"]
    assert labels["greentic.ai/deployment"] == DEP_B
    (container,) = _pod(worker)["containers"]
    assert container["name"] == "worker"
    assert container["image"] == "r.local/start:1"
    assert container["args"] == ["start", "--env=staging"]
    revision = env.revision(B_READY)
    assert revision is not None
    assert _env(container) == {
        "GREENTIC_ENV_ID": "staging",
        "HOME": "/var/greentic",
        "GREENTIC_GATEWAY_LISTEN_ADDR": "0.0.0.0",
        "RAYON_NUM_THREADS": "4",
        "GREENTIC_REVISION_ID": B_READY,
        "GREENTIC_DEPLOYMENT_ID": DEP_B,
        "GREENTIC_BUNDLE_ID": BUNDLE_B,
        "GREENTIC_BUNDLE_DIGEST": revision.bundle_digest,
    }
    assert "serviceAccountName" not in _pod(worker)
    service = _by_name(objects, "Service", worker_name(B_READY))
    assert service["spec"]["selector"] == {"greentic.ai/revision": B_READY}
    assert service["spec"]["type"] == "ClusterIP"


def test_cloudflared_adds_worker_flags_only(env: Environment) -> None:
    objects = render_environment(env, {"tunnel": "cloudflared"})
    worker = _by_name(objects, "Deployment", worker_name(A_READY))
    assert _pod(worker)["containers"][0]["args"] == [
        "start",
        "--env=staging",
        "--cloudflared",
        "on",
        "--cloudflared-binary",
        "/usr/local/bin/cloudflared",
    ]
    assert _pod(objects[3])["containers"][0]["args"] == ["start", "--env=staging"]
    for tunnel in ("off", "none"):
        plain = render_environment(env, {"tunnel": tunnel})
        assert _pod(plain[13])["containers"][0]["args"] == ["start", "--env=staging"]


def test_dev_store_secret_init_container_and_hash(env: Environment) -> None:
    raw = b"GREENTIC_SECRET=1\n"
    payload = base64.b64encode(raw).decode()
    objects = render_environment(env, None, dev_store_bytes=raw)
    secret = objects[12]
    assert secret["kind"] == "Secret"
    assert secret["type"] == "Opaque"
    assert secret["data"] == {".dev.secrets.env": payload}
    assert secret["metadata"]["labels"]["app.kubernetes.io/component"] == "dev-secrets"
    worker = objects[13]
    annotations = worker["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "greentic.ai/dev-store-hash": hashlib.sha256(payload.encode()).hexdigest()
    }
    pod = _pod(worker)
    assert [c["name"] for c in pod["initContainers"]] == ["stage-env-store", "stage-dev-secrets"]
    assert pod["initContainers"][1]["command"] == ["sh", "-c", STAGE_DEV_SECRETS_SCRIPT]
    assert 'if [ -f "$src" ]' in STAGE_DEV_SECRETS_SCRIPT
    assert '/environments/$GREENTIC_ENV_ID/.greentic/dev"' in STAGE_DEV_SECRETS_SCRIPT
    assert 'cp "$src" "$dir/.dev.secrets.env"' in STAGE_DEV_SECRETS_SCRIPT
    assert {
        "name": "dev-secrets-src",
        "secret": {"secretName": "gtc-dev-secrets", "optional": True},
    } in pod["volumes"]
    # a different dev store changes the template (rolls workers), the router stays
    other = render_environment(env, None, dev_store_bytes=b"GREENTIC_SECRET=2\n")
    assert other[13] != worker
    assert other[3] == objects[3]


def test_dev_store_without_bytes_renders_empty_secret(env: Environment) -> None:
    objects = render_environment(env, None)
    assert objects[12]["data"] == {}
    annotations = objects[13]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["greentic.ai/dev-store-hash"] == hashlib.sha256(b"<empty>").hexdigest()


def test_no_secrets_binding_has_no_dev_secrets_plumbing(env_factory: EnvFactory) -> None:
    objects = render_environment(env_factory(secrets_kind=None), None, dev_store_bytes=b"x")
    worker = objects[12]
    assert worker["kind"] == "Deployment"
    assert "annotations" not in worker["spec"]["template"]["metadata"]
    pod = _pod(worker)
    assert [c["name"] for c in pod["initContainers"]] == ["stage-env-store"]
    assert "dev-secrets-src" not in [v["name"] for v in pod["volumes"]]


def test_vault_worker_identity_and_env(
    env_factory: EnvFactory, vault_loader: Callable[[str], object | None]
) -> None:
    vault_env = env_factory(secrets_kind=VAULT_KIND)
    objects = K8sRenderer(load_answers=vault_loader).render_environment(vault_env, None)
    sa = objects[12]
    assert sa == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "gtc-worker",
            "namespace": "gtc-staging",
            "labels": {
                "app.kubernetes.io/managed-by": "greentic",
                "app.kubernetes.io/component": "worker",
                "greentic.ai/env": "staging",
            },
        },
    }
    worker = objects[13]
    pod = _pod(worker)
    assert pod["serviceAccountName"] == "gtc-worker"
    assert [c["name"] for c in pod["initContainers"]] == ["stage-env-store"]
    assert "annotations" not in worker["spec"]["template"]["metadata"]
    env_vars = _env(pod["containers"][0])
    vault_vars = {k: v for k, v in env_vars.items() if k.startswith(("VAULT_", "GREENTIC_SEC"))}
    assert vault_vars == {
        "GREENTIC_SECRETS_BACKEND": "vault",
        "VAULT_ADDR": "https://vault.example.com:8200",
        "VAULT_K8S_ROLE": "greentic-worker",
        "VAULT_KV_MOUNT": "kv",  # non-default
        "VAULT_NAMESPACE": "team-a",
    }
    # the router never sees Vault config
    assert not [k for k in _env(_pod(objects[3])["containers"][0]) if k.startswith("VAULT_")]


def test_vault_every_non_default_is_rendered(env: Environment) -> None:
    backend = Vault(
        addr="a",
        role="r",
        kv_mount="m",
        kv_prefix="p",
        auth_mount="k",
        transit_mount="t",
        transit_key="tk",
    )
    objects = render_environment(env, None, secrets_backend=backend)
    names = [e["name"] for e in _pod(objects[13])["containers"][0]["env"]][8:]
    assert names == [
        "GREENTIC_SECRETS_BACKEND",
        "VAULT_ADDR",
        "VAULT_K8S_ROLE",
        "VAULT_KV_MOUNT",
        "VAULT_KV_PREFIX",
        "VAULT_K8S_MOUNT",
        "VAULT_TRANSIT_MOUNT",
        "VAULT_TRANSIT_KEY",
    ]


def test_vault_binding_without_a_loader_fails_closed(env_factory: EnvFactory) -> None:
    with pytest.raises(ConflictError, match="vault"):
        render_environment(env_factory(secrets_kind=VAULT_KIND), None)


# -- network policies ---------------------------------------------------------------------------


def _policies(objects: list[Manifest]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}


def test_network_policy_rules(env: Environment) -> None:
    objects = render_environment(env, None)
    policies = _policies(objects)
    assert policies["gtc-default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert policies["gtc-allow-dns"]["egress"] == [
        {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    ]
    router = policies["gtc-allow-router"]
    assert router["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8080}]}]
    (egress,) = router["egress"]
    assert egress["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "worker"
    workers = policies["gtc-allow-workers"]
    (ingress,) = workers["ingress"]
    assert ingress["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == (
        "router"
    )
    for manifest in objects[6:12]:
        assert manifest["metadata"]["labels"]["app.kubernetes.io/component"] == "network-policy"


@pytest.mark.parametrize(
    ("pullable", "backend", "worker_open", "router_open"),
    [
        (True, DevStore(), True, True),
        (False, DevStore(), False, False),
        (False, VAULT, True, False),
        (True, VAULT, True, True),
    ],
)
def test_egress_gating(
    env_factory: EnvFactory,
    pullable: bool,
    backend: DevStore | Vault,
    worker_open: bool,
    router_open: bool,
) -> None:
    objects = render_environment(env_factory(pullable=pullable), None, secrets_backend=backend)
    policies = _policies(objects)
    assert policies["gtc-allow-worker-egress"]["egress"] == ([{}] if worker_open else [])
    assert policies["gtc-allow-router-egress"]["egress"] == ([{}] if router_open else [])
    assert policies["gtc-allow-worker-egress"]["policyTypes"] == ["Egress"]


def test_pullable_revision_must_be_routed(env: Environment) -> None:
    # A_READY carries the source uri; route deployment A to the warming revision instead.
    env = env.model_copy(
        update={
            "traffic_splits": [
                split(DEP_A, BUNDLE_A, [(A_WARMING, 10_000)]),
                env.traffic_splits[1],
            ]
        }
    )
    policies = _policies(render_environment(env, None))
    assert policies["gtc-allow-router-egress"]["egress"] == []
    assert policies["gtc-allow-worker-egress"]["egress"] == []


# -- answers errors, renderer protocol, object refs ---------------------------------------------


def test_invalid_answers_raise_before_rendering(env: Environment) -> None:
    with pytest.raises(InvalidAnswersError, match="unknown answer key `replica`"):
        render_environment(env, {"replica": 3})
    with pytest.raises(InvalidAnswersError):
        K8sRenderer().render_environment(env, {"router_replicas": 1})


def test_custom_namespace_is_used_verbatim(env: Environment) -> None:
    objects = render_environment(env, {"namespace": "custom-ns"})
    assert objects[0]["metadata"]["name"] == "custom-ns"
    assert {o["metadata"].get("namespace") for o in objects[1:]} == {"custom-ns"}


def test_renderer_satisfies_the_protocol(env: Environment) -> None:
    renderer: ManifestRenderer = K8sRenderer(dev_store_bytes=b"x")
    assert renderer.render_environment(env, None) == render_environment(
        env, None, dev_store_bytes=b"x"
    )
    pinned = K8sRenderer(secrets_backend=VAULT)
    assert pinned.render_environment(env, None)[12]["kind"] == "ServiceAccount"


def test_object_refs(env: Environment) -> None:
    objects = render_environment(env, None)
    ns_ref = object_ref(objects[0])
    assert ns_ref == ObjectRef("v1", "Namespace", None, "gtc-staging")
    assert str(ns_ref) == "v1/Namespace gtc-staging"
    router = object_ref(objects[3])
    assert str(router) == "apps/v1/Deployment gtc-staging/gtc-router"
    assert router.to_json() == {
        "api_version": "apps/v1",
        "kind": "Deployment",
        "namespace": "gtc-staging",
        "name": "gtc-router",
    }
    assert ns_ref.to_json()["namespace"] is None


@pytest.mark.parametrize(
    "manifest",
    [
        {"kind": "ConfigMap", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "ConfigMap"},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ""}},
        {"apiVersion": "", "kind": "ConfigMap", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": 3}},
        ["not", "a", "manifest"],
    ],
)
def test_object_ref_rejects_incomplete_manifests(manifest: object) -> None:
    with pytest.raises(InvalidManifestError):
        object_ref(manifest)


# -- init container scripts actually work -------------------------------------------------------


def _run_script(script: str, root: Path, env_id: str) -> None:
    local = script.replace("/var/greentic", str(root / "home")).replace(
        "/etc/greentic", str(root / "etc")
    )
    subprocess.run(
        ["sh", "-c", local],
        check=True,
        env={"GREENTIC_ENV_ID": env_id, "HOME": str(root / "home"), "PATH": os.defpath},
        cwd=root,
    )


def test_init_scripts_stage_files_without_interpolating_the_env_id(tmp_path: Path) -> None:
    # Not a valid EnvId, which is the point: even this cannot change what the shell runs.
    env_id = "x; touch pwned $(touch pwned2)"
    (tmp_path / "etc" / "env-store").mkdir(parents=True)
    (tmp_path / "etc" / "env-store" / "environment.json").write_text("{}")
    (tmp_path / "home").mkdir()
    _run_script(STAGE_ENV_STORE_SCRIPT, tmp_path, env_id)
    env_dir = tmp_path / "home" / ".greentic" / "environments" / env_id
    assert (env_dir / "environment.json").read_text() == "{}"
    # without the dev-store file the second script is a no-op
    _run_script(STAGE_DEV_SECRETS_SCRIPT, tmp_path, env_id)
    assert not (env_dir / ".greentic").exists()
    (tmp_path / "etc" / "dev-secrets").mkdir()
    (tmp_path / "etc" / "dev-secrets" / ".dev.secrets.env").write_text("K=V\n")
    _run_script(STAGE_DEV_SECRETS_SCRIPT, tmp_path, env_id)
    assert (env_dir / ".greentic" / "dev" / ".dev.secrets.env").read_text() == "K=V\n"
    assert not list(tmp_path.rglob("pwned*"))
