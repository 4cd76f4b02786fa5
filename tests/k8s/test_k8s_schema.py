"""Every rendered object validates against the official Kubernetes schemas (strict, one minor)."""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest
from kubernetes_validate import utils as kv_utils

from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.packs.k8s.secrets_backend import SecretsBackend, Vault

from .conftest import VAULT_KIND, EnvFactory

# The schema minor the renderer is pinned to (kubernetes-validate 1.37.0 ships 1.37.0 as latest).
SCHEMA_VERSION = "1.37.0"

DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?")
LABEL_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")

FULL_VAULT = Vault(
    addr="https://vault.example.com",
    role="r",
    kv_mount="kv",
    kv_prefix="p",
    auth_mount="k8s",
    transit_mount="tr",
    transit_key="tk",
    namespace="ns1",
)

VARIANTS: dict[str, dict[str, Any]] = {
    "dev-store-with-bytes": {"dev_store_bytes": b"A=1\nB=2\n"},
    "dev-store-without-bytes": {},
    "no-secrets-binding": {"secrets_kind": None},
    "vault": {"secrets_backend": FULL_VAULT, "secrets_kind": VAULT_KIND},
    "vault-defaults": {"secrets_backend": Vault(addr="http://v:8200", role="w")},
    "cloudflared": {"answers": {"tunnel": "cloudflared"}},
    "oci-registries": {"answers": {"oci_insecure_registries": "r.local:5000,[::1]:5001"}},
    "custom-everything": {
        "answers": K8sAnswers(
            namespace="team-a",
            runtime_image="registry.local:5000/greentic/start@sha256:0123",
            router_replicas=5,
            tunnel="cloudflared",
            oci_insecure_registries=("r.local:5000",),
        ),
        "pullable": False,
    },
    "odd-env-id": {"env_id": "_Odd.Env_" + "x" * 80},
}


def _render(env_factory: EnvFactory, variant: dict[str, Any]) -> list[dict[str, Any]]:
    env = env_factory(
        secrets_kind=variant.get("secrets_kind", "greentic.secrets.dev-store@0.1.0"),
        pullable=variant.get("pullable", True),
        env_id=variant.get("env_id", "staging"),
    )
    backend: SecretsBackend | None = variant.get("secrets_backend")
    return render_environment(
        env,
        variant.get("answers"),
        secrets_backend=backend,
        dev_store_bytes=variant.get("dev_store_bytes"),
    )


def test_pinned_schema_version_is_shipped() -> None:
    assert SCHEMA_VERSION in kv_utils.all_versions()
    assert kv_utils.major_minor(kv_utils.latest_version()) >= kv_utils.major_minor(SCHEMA_VERSION)


def test_strict_validation_catches_unknown_fields() -> None:
    bogus = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "datum": {}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bogus, SCHEMA_VERSION, strict=True)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_object_validates(env_factory: EnvFactory, variant: str) -> None:
    objects = _render(env_factory, VARIANTS[variant])
    assert objects
    for manifest in objects:
        try:
            kubernetes_validate.validate(manifest, SCHEMA_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:  # pragma: no cover - failure path
            pytest.fail(f"{manifest['kind']}/{manifest['metadata']['name']}: {exc}")


def _check_labels(labels: dict[str, str], where: str) -> None:
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        assert not prefix or (len(prefix) <= 253 and DNS_SUBDOMAIN.fullmatch(prefix)), where
        assert len(name) <= 63 and LABEL_NAME.fullmatch(name), (where, key)
        assert len(value) <= 63 and LABEL_VALUE.fullmatch(value), (where, key, value)


def _walk_labels(value: object, where: str) -> None:
    """Check every label map and label selector anywhere in a manifest."""
    if isinstance(value, dict):
        for key, child in value.items():
            is_label_map = key in ("labels", "matchLabels", "selector") and isinstance(child, dict)
            if is_label_map and all(isinstance(v, str) for v in child.values()):
                _check_labels(child, where)
            _walk_labels(child, where)
    elif isinstance(value, list):
        for child in value:
            _walk_labels(child, where)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_names_and_labels_are_valid(env_factory: EnvFactory, variant: str) -> None:
    # The JSON schemas do not check name and label syntax; the API server would.
    for manifest in _render(env_factory, VARIANTS[variant]):
        metadata = manifest["metadata"]
        where = f"{manifest['kind']}/{metadata['name']}"
        # Services, Namespaces and the rest here all need RFC 1123 labels (Service: 1035).
        assert len(metadata["name"]) <= 63 and DNS_LABEL.fullmatch(metadata["name"]), where
        if manifest["kind"] == "Service":
            assert metadata["name"][0].isalpha(), where
        _walk_labels(manifest, where)
        for container in _containers(manifest):
            assert DNS_LABEL.fullmatch(container["name"]), where
            for env in container.get("env", []):
                assert isinstance(env["value"], str), (where, env)


def _containers(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    if manifest["kind"] != "Deployment":
        return []
    pod = manifest["spec"]["template"]["spec"]
    containers: list[dict[str, Any]] = pod.get("initContainers", []) + pod["containers"]
    return containers
