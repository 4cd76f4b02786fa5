"""The k8s deployer's credentials contract: what it must be allowed to do."""

from __future__ import annotations

from pathlib import Path

from greentic_deployer.packs.registry import CapabilityProbe
from greentic_deployer.spec.environment import Environment

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


def rbac_capabilities() -> list[str]:
    """One `k8s.rbac.allow:<group>/<resource>:<verb>` id per validated operation."""
    return [
        f"k8s.rbac.allow:{group}/{resource}:{verb}"
        for group, resource, verbs in OPERATIONS
        for verb in verbs
    ]


class K8sCredentials:
    """Needs credential material; every probe fails while no cluster client is bound."""

    requires_material = True
    bootstrap_supported = False

    def capabilities(self) -> list[str]:
        """API reachability plus the RBAC operations."""
        return [API_REACHABLE, *rbac_capabilities()]

    async def probe(self, env: Environment, env_dir: Path) -> list[CapabilityProbe]:
        """Never 'skipped': without a live client each capability is reported as failing."""
        return [
            CapabilityProbe(id=cap, passed=False, detail=NO_CLIENT) for cap in self.capabilities()
        ]
