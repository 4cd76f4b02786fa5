"""The seam's shared pieces: object refs, the kind table, error messages, the unconfigured
binding, and the ownership guard on its own."""

from __future__ import annotations

import pytest

from greentic_deployer.packs.contract import ProviderError
from greentic_deployer.packs.k8s.cluster import (
    KINDS,
    AdoptionRefused,
    ApiError,
    ClusterError,
    InvalidManifestError,
    K8sCluster,
    OwnershipConflict,
    Unconfigured,
    UnconfiguredCluster,
    Unreachable,
    check_ownership,
    kind_info,
    rollout_status_of,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef, object_ref
from greentic_deployer.testing.memory_cluster import InMemoryCluster

from .conftest import NS, manifest

CM = ObjectRef("v1", "ConfigMap", NS, "gtc-runtime-config")


def test_object_ref_display_and_json() -> None:
    assert str(CM) == "v1/ConfigMap gtc-staging/gtc-runtime-config"
    assert str(ObjectRef("v1", "Namespace", None, NS)) == "v1/Namespace gtc-staging"
    assert CM.to_json() == {
        "api_version": "v1",
        "kind": "ConfigMap",
        "namespace": NS,
        "name": "gtc-runtime-config",
    }
    assert ObjectRef.from_manifest(manifest("ConfigMap", "gtc-runtime-config")) == CM
    assert object_ref(manifest("ConfigMap", "gtc-runtime-config")) == CM


def test_object_ref_error_is_the_k8s_invalid_manifest() -> None:
    with pytest.raises(InvalidManifestError, match=r"no metadata\.name"):
        object_ref({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})


def test_kind_table_is_the_reference_routing_table() -> None:
    assert {(i.api_version, i.kind, i.namespaced) for i in KINDS.values()} == {
        ("v1", "Namespace", False),
        ("v1", "Service", True),
        ("v1", "ConfigMap", True),
        ("v1", "Secret", True),
        ("v1", "ServiceAccount", True),
        ("apps/v1", "Deployment", True),
        ("policy/v1", "PodDisruptionBudget", True),
        ("networking.k8s.io/v1", "NetworkPolicy", True),
        ("rbac.authorization.k8s.io/v1", "Role", True),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", True),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", False),
    }
    assert kind_info("Deployment").plural == "deployments"
    assert kind_info("NetworkPolicy").group == "networking.k8s.io"
    assert kind_info("ConfigMap").group == ""


def test_every_cluster_error_is_a_provider_error() -> None:
    errors: list[ClusterError] = [
        Unconfigured("apply", CM),
        InvalidManifestError("bad", CM),
        ApiError(verb="apply", status=403, reason="Forbidden", ref=CM, server_message="no"),
        Unreachable(verb="get", endpoint="https://k:6443", detail="refused", ref=CM),
        OwnershipConflict(CM, NS, "prod", "staging"),
        AdoptionRefused(CM),
    ]
    for error in errors:
        assert isinstance(error, ProviderError)
        assert error.kind == "conflict"
        assert str(CM) in str(error)


def test_api_error_message_names_object_status_and_server_message() -> None:
    error = ApiError(
        verb="apply",
        status=403,
        reason="Forbidden",
        ref=CM,
        server_message='configmaps "gtc-runtime-config" is forbidden',
    )
    assert str(error) == (
        "provider failure: apply `v1/ConfigMap gtc-staging/gtc-runtime-config` failed with "
        'HTTP 403 Forbidden: configmaps "gtc-runtime-config" is forbidden'
    )
    assert not error.retryable
    assert ApiError(verb="get", status=429, reason="", ref=None, server_message="").retryable
    assert ApiError(verb="get", status=503, reason="", ref=None, server_message="").retryable


def test_unreachable_keeps_endpoint_and_detail() -> None:
    error = Unreachable(verb="get", endpoint="https://k:6443", detail="refused", ref=CM)
    assert (error.endpoint, error.detail) == ("https://k:6443", "refused")
    assert "https://k:6443" in str(error)


def test_ownership_conflict_message() -> None:
    error = OwnershipConflict(CM, NS, "prod", "staging")
    assert str(error) == (
        "provider failure: `v1/ConfigMap gtc-staging/gtc-runtime-config` belongs to env `prod` "
        "(greentic.ai/env); refusing to apply `staging` over it (nothing written)"
    )


@pytest.mark.parametrize(
    ("live", "incoming", "adopt", "expected"),
    [
        (None, "staging", False, None),
        (manifest("ConfigMap", "c", env="staging"), "staging", False, None),
        (manifest("ConfigMap", "c", env="prod"), "staging", False, OwnershipConflict),
        (manifest("ConfigMap", "c", env="prod"), "staging", True, OwnershipConflict),
        (manifest("ConfigMap", "c", env="prod"), None, True, OwnershipConflict),
        (manifest("ConfigMap", "c", env=None), "staging", False, AdoptionRefused),
        (manifest("ConfigMap", "c", env=None), "staging", True, None),
    ],
    ids=[
        "absent",
        "same-env",
        "other-env",
        "other-env-adopting",
        "labelled-live-unlabelled-manifest",
        "unlabelled-refused",
        "unlabelled-adopted",
    ],
)
def test_ownership_guard(
    live: dict[str, object] | None,
    incoming: str | None,
    adopt: bool,
    expected: type[ClusterError] | None,
) -> None:
    if expected is None:
        check_ownership(live, incoming, CM, adopt)
    else:
        with pytest.raises(expected):
            check_ownership(live, incoming, CM, adopt)


def test_missing_status_counters_read_as_zero() -> None:
    status = rollout_status_of({"metadata": {"generation": 3}})
    assert (status.generation, status.observed_generation) == (3, None)
    assert (status.replicas, status.updated_replicas, status.available_replicas) == (0, 0, 0)
    assert status.conditions == ()


async def test_unconfigured_cluster_fails_every_call_honestly() -> None:
    cluster = UnconfiguredCluster()
    assert isinstance(cluster, K8sCluster)
    calls = [
        cluster.apply(manifest("ConfigMap", "gtc-runtime-config")),
        cluster.delete(CM),
        cluster.get(CM),
        cluster.list("ConfigMap", NS),
        cluster.rollout_status(ObjectRef("apps/v1", "Deployment", NS, "gtc-router")),
    ]
    for call in calls:
        with pytest.raises(Unconfigured, match="no Kubernetes API client is bound"):
            await call
    await cluster.close()


def test_memory_cluster_implements_the_protocol() -> None:
    assert isinstance(InMemoryCluster(), K8sCluster)


async def test_rollout_status_of_a_non_deployment_is_refused() -> None:
    with pytest.raises(InvalidManifestError, match="Deployments only"):
        await InMemoryCluster().rollout_status(CM)
