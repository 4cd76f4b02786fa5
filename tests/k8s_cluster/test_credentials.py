"""Credential probes: the default binding fails every probe honestly; a bound cluster is asked
once for its identity and once per operation in the target namespace; failures are reported
per probe, never skipped; the cluster is always closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greentic_deployer.packs.conformance import build_fixture
from greentic_deployer.packs.k8s.cluster import ApiError, ClusterConfigError, Unreachable
from greentic_deployer.packs.k8s.credentials import (
    API_REACHABLE,
    NO_CLIENT,
    K8sCredentials,
    ProbeTarget,
    rbac_capabilities,
    rbac_operations,
)
from greentic_deployer.packs.k8s.handler import k8s_handler
from greentic_deployer.packs.registry import credentials_requirements
from greentic_deployer.spec.environment import Environment


class FakeAccess:
    """An access oracle: allows what is listed, records every question."""

    def __init__(
        self, allowed: set[tuple[str, str, str]], *, whoami_error: Exception | None = None
    ) -> None:
        self.allowed = allowed
        self.whoami_error = whoami_error
        self.questions: list[tuple[str, str, str, str]] = []
        self.closed = False

    async def whoami(self) -> dict[str, Any]:
        if self.whoami_error is not None:
            raise self.whoami_error
        return {"username": "system:serviceaccount:gtc-staging:greentic-deployer"}

    async def access_review(
        self, namespace: str, verb: str, group: str, resource: str
    ) -> tuple[bool, str]:
        self.questions.append((namespace, verb, group, resource))
        if (group, resource, verb) in self.allowed:
            return True, "RBAC: allowed by RoleBinding greentic-deployer-min"
        return False, ""

    async def close(self) -> None:
        self.closed = True


def _everything() -> set[tuple[str, str, str]]:
    return set(rbac_operations())


def _env() -> Environment:
    return build_fixture()


async def test_default_binding_fails_every_probe_honestly(tmp_path: Path) -> None:
    probes = await K8sCredentials().probe(_env(), tmp_path)
    assert [p.id for p in probes] == [API_REACHABLE, *rbac_capabilities()]
    assert all(not p.passed and p.detail == NO_CLIENT for p in probes)


async def test_the_builtin_handler_stays_unconfigured(tmp_path: Path) -> None:
    report = await credentials_requirements(k8s_handler(), _env(), tmp_path)
    assert not report["all_passed"]
    assert {c["detail"] for c in report["capabilities"]} == {NO_CLIENT}


async def test_allowed_identity_passes_every_probe(tmp_path: Path) -> None:
    access = FakeAccess(_everything())
    credentials = K8sCredentials(lambda env, env_dir: ProbeTarget(access, "gtc-staging"))
    probes = await credentials.probe(_env(), tmp_path)
    assert all(p.passed for p in probes), [p for p in probes if not p.passed]
    assert probes[0].detail == (
        "authenticated as system:serviceaccount:gtc-staging:greentic-deployer"
    )
    assert len(access.questions) == len(rbac_capabilities())
    assert ("gtc-staging", "patch", "apps", "deployments") in access.questions
    assert {q[0] for q in access.questions} == {"gtc-staging"}
    assert access.closed


async def test_denied_operations_fail_with_the_namespace_named(tmp_path: Path) -> None:
    allowed = _everything() - {("core", "secrets", "delete")}
    access = FakeAccess(allowed)
    credentials = K8sCredentials(lambda env, env_dir: ProbeTarget(access, "gtc-staging"))
    probes = {p.id: p for p in await credentials.probe(_env(), tmp_path)}
    denied = probes["k8s.rbac.allow:core/secrets:delete"]
    assert not denied.passed
    assert denied.detail == "denied in namespace gtc-staging"
    assert sum(not p.passed for p in probes.values()) == 1


async def test_unreachable_api_fails_reachability_and_asks_nothing_else(tmp_path: Path) -> None:
    error = Unreachable(verb="create", endpoint="https://k:6443", detail="refused", ref=None)
    access = FakeAccess(_everything(), whoami_error=error)
    credentials = K8sCredentials(lambda env, env_dir: ProbeTarget(access, "gtc-staging"))
    probes = await credentials.probe(_env(), tmp_path)
    assert not probes[0].passed and "https://k:6443" in probes[0].detail
    assert all(not p.passed for p in probes[1:])
    assert probes[1].detail == f"not checked: {API_REACHABLE} failed"
    assert access.questions == []
    assert access.closed


async def test_rejected_token_fails_reachability(tmp_path: Path) -> None:
    error = ApiError(
        verb="create", status=401, reason="Unauthorized", ref=None, server_message="Unauthorized"
    )
    access = FakeAccess(set(), whoami_error=error)
    credentials = K8sCredentials(lambda env, env_dir: ProbeTarget(access, "gtc-staging"))
    probes = await credentials.probe(_env(), tmp_path)
    assert "HTTP 401" in probes[0].detail
    assert not any(p.passed for p in probes)


async def test_a_factory_that_cannot_connect_fails_every_probe(tmp_path: Path) -> None:
    def factory(env: Environment, env_dir: Path) -> ProbeTarget:
        raise ClusterConfigError("kubeconfig /nope: Configuration file /nope not found")

    probes = await K8sCredentials(factory).probe(_env(), tmp_path)
    assert all(not p.passed and "/nope" in p.detail for p in probes)
