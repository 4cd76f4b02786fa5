"""The k8s deployer's credentials contract: what it must be allowed to do, probed live.

A probe run asks an injected factory for a cluster and the target namespace, then checks
`k8s.api.reachable` with a SelfSubjectReview and each operation with one
SelfSubjectAccessReview in that namespace. Without a factory (the default binding) every probe
fails honestly: nothing is ever reported as passing or skipped without asking a cluster.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from greentic_deployer.packs.k8s.answers import coerce_answers
from greentic_deployer.packs.k8s.errors import ClusterError
from greentic_deployer.packs.k8s.naming import resolve_namespace
from greentic_deployer.packs.k8s.secrets_backend import AnswersLoader, no_answers
from greentic_deployer.packs.registry import CapabilityProbe
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import GreenticError
from greentic_deployer.spec.slots import CapabilitySlot

if TYPE_CHECKING:
    from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig

API_REACHABLE = "k8s.api.reachable"

# (group, resource, verbs) the deployer's minimum namespaced Role must grant.
OPERATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("apps", "deployments", ("get", "create", "patch", "delete")),
    ("core", "services", ("get", "create", "patch", "delete")),
    ("core", "configmaps", ("get", "create", "patch")),
    ("core", "secrets", ("get", "create", "patch", "delete")),
    ("core", "serviceaccounts", ("get", "create", "patch")),
    ("policy", "poddisruptionbudgets", ("get", "create", "patch")),
    ("networking.k8s.io", "networkpolicies", ("get", "create", "patch")),
)

NO_CLIENT = "no Kubernetes API client is bound to this probe run"


def rbac_operations() -> list[tuple[str, str, str]]:
    """Every (group, resource, verb) the deployer needs, in capability order."""
    return [(group, resource, verb) for group, resource, verbs in OPERATIONS for verb in verbs]


def rbac_capability(group: str, resource: str, verb: str) -> str:
    """`k8s.rbac.allow:<group|core>/<resource>:<verb>`."""
    return f"k8s.rbac.allow:{group}/{resource}:{verb}"


def rbac_capabilities() -> list[str]:
    """One `k8s.rbac.allow:<group>/<resource>:<verb>` id per validated operation."""
    return [rbac_capability(*operation) for operation in rbac_operations()]


class AccessProbe(Protocol):
    """What a probe run needs from a cluster client (LightkubeCluster provides it)."""

    async def whoami(self) -> dict[str, Any]:
        """The identity the API server sees."""
        ...

    async def access_review(
        self, namespace: str, verb: str, group: str, resource: str
    ) -> tuple[bool, str]:
        """Whether this identity may `verb` `resource` in `namespace`, and the server's reason."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class ProbeTarget:
    """The cluster to probe and the namespace the deployer would work in."""

    cluster: AccessProbe
    namespace: str


ProbeFactory = Callable[[Environment, Path], ProbeTarget]
"""Builds the probe target for an env (its store directory given); raises ClusterError."""


def _all_fail(capabilities: list[str], detail: str) -> list[CapabilityProbe]:
    return [CapabilityProbe(id=cap, passed=False, detail=detail) for cap in capabilities]


async def probe_cluster(target: ProbeTarget) -> list[CapabilityProbe]:
    """Reachability by SelfSubjectReview, then one SelfSubjectAccessReview per operation."""
    try:
        user = await target.cluster.whoami()
    except ClusterError as error:
        return [
            CapabilityProbe(id=API_REACHABLE, passed=False, detail=str(error)),
            *_all_fail(rbac_capabilities(), f"not checked: {API_REACHABLE} failed"),
        ]
    username = user.get("username") or "an unnamed identity"
    probes = [CapabilityProbe(id=API_REACHABLE, passed=True, detail=f"authenticated as {username}")]
    for group, resource, verb in rbac_operations():
        capability = rbac_capability(group, resource, verb)
        try:
            allowed, reason = await target.cluster.access_review(
                target.namespace, verb, group, resource
            )
        except ClusterError as error:
            probes.append(CapabilityProbe(id=capability, passed=False, detail=str(error)))
            continue
        verdict = "allowed" if allowed else "denied"
        detail = f"{verdict} in namespace {target.namespace}" + (f": {reason}" if reason else "")
        probes.append(CapabilityProbe(id=capability, passed=allowed, detail=detail))
    return probes


class K8sCredentials:
    """Needs credential material; probes run against the cluster the injected factory builds."""

    requires_material = True
    bootstrap_supported = False

    def __init__(self, cluster_factory: ProbeFactory | None = None) -> None:
        self.cluster_factory = cluster_factory

    def capabilities(self) -> list[str]:
        """API reachability plus the RBAC operations."""
        return [API_REACHABLE, *rbac_capabilities()]

    async def probe(self, env: Environment, env_dir: Path) -> list[CapabilityProbe]:
        """Never 'skipped': without a cluster client each capability is reported as failing."""
        if self.cluster_factory is None:
            return _all_fail(self.capabilities(), NO_CLIENT)
        try:
            target = self.cluster_factory(env, env_dir)
        except GreenticError as error:
            return _all_fail(self.capabilities(), str(error))
        try:
            return await probe_cluster(target)
        finally:
            await target.cluster.close()


def lightkube_probe_factory(
    config: ClusterConfig, *, load_answers: AnswersLoader = no_answers
) -> ProbeFactory:
    """Probe over HTTP: context and namespace from the deployer binding's answers."""

    def build(env: Environment, env_dir: Path) -> ProbeTarget:
        from greentic_deployer.packs.k8s.lightkube_cluster import LightkubeCluster

        binding = env.pack_for_slot(CapabilitySlot.deployer)
        raw = load_answers(binding.answers_ref) if binding and binding.answers_ref else None
        answers = coerce_answers(raw)
        chosen = config
        if config.context is None and answers.kubeconfig_context:
            chosen = dataclasses.replace(config, context=answers.kubeconfig_context)
        namespace = resolve_namespace(env.environment_id, answers)
        return ProbeTarget(cluster=LightkubeCluster(chosen), namespace=namespace)

    return build
