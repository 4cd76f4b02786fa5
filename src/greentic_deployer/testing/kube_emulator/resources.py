"""The closed table of resource types the emulator serves."""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One served resource: where it lives, what it is called, how it is scoped."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    has_status: bool = False
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS

    @property
    def api_version(self) -> str:
        """`v1` for the core group, else `<group>/<version>`."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        """The lower-case kind, as discovery reports `singularName`."""
        return self.kind.lower()


RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "Namespace", "namespaces", False, True, ("ns",)),
    ResourceType("", "v1", "Service", "services", True, True, ("svc",)),
    ResourceType("", "v1", "ConfigMap", "configmaps", True, False, ("cm",)),
    ResourceType("", "v1", "Secret", "secrets", True),
    ResourceType("", "v1", "ServiceAccount", "serviceaccounts", True, False, ("sa",)),
    ResourceType("", "v1", "Pod", "pods", True, True, ("po",)),
    ResourceType("apps", "v1", "Deployment", "deployments", True, True, ("deploy",)),
    ResourceType("apps", "v1", "ReplicaSet", "replicasets", True, True, ("rs",)),
    ResourceType(
        "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, True, ("pdb",)
    ),
    ResourceType(
        "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, False, ("netpol",)
    ),
    ResourceType("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    ResourceType(
        "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False
    ),
    ResourceType(
        "authentication.k8s.io",
        "v1",
        "SelfSubjectReview",
        "selfsubjectreviews",
        False,
        verbs=("create",),
    ),
    ResourceType(
        "authorization.k8s.io",
        "v1",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
        False,
        verbs=("create",),
    ),
)

REVIEW_RESOURCES = frozenset({"selfsubjectreviews", "selfsubjectaccessreviews"})
BY_PLURAL: dict[str, ResourceType] = {rt.plural: rt for rt in RESOURCES}
BY_GROUP_VERSION: dict[tuple[str, str], dict[str, ResourceType]] = {}
for _rt in RESOURCES:
    BY_GROUP_VERSION.setdefault((_rt.group, _rt.version), {})[_rt.plural] = _rt
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(rt.group for rt in RESOURCES if rt.group))


def resource(plural: str) -> ResourceType:
    """The resource type for a plural name; KeyError when not served."""
    return BY_PLURAL[plural]
