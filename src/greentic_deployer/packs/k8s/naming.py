"""Object names, the derived namespace and the label taxonomy."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greentic_deployer.packs.k8s.answers import K8sAnswers
    from greentic_deployer.spec.revision import Revision

# -- fixed names -------------------------------------------------------------------------------

NAME_PREFIX = "gtc-"
ROUTER = "gtc-router"
RUNTIME_CONFIG_CM = "gtc-runtime-config"
ENV_STORE_CM = "gtc-env-store"
DEV_SECRETS = "gtc-dev-secrets"
WORKER_SA = "gtc-worker"
WORKER_PREFIX = "gtc-worker-"

NP_DEFAULT_DENY = "gtc-default-deny"
NP_ALLOW_DNS = "gtc-allow-dns"
NP_ALLOW_ROUTER = "gtc-allow-router"
NP_ALLOW_WORKERS = "gtc-allow-workers"
NP_ALLOW_WORKER_EGRESS = "gtc-allow-worker-egress"
NP_ALLOW_ROUTER_EGRESS = "gtc-allow-router-egress"
NETWORK_POLICIES: tuple[str, ...] = (
    NP_DEFAULT_DENY,
    NP_ALLOW_DNS,
    NP_ALLOW_ROUTER,
    NP_ALLOW_WORKERS,
    NP_ALLOW_WORKER_EGRESS,
    NP_ALLOW_ROUTER_EGRESS,
)

# ConfigMap / Secret keys.
ENV_STORE_KEY = "environment.json"
RUNTIME_CONFIG_KEY = "runtime-config.json"
DEV_SECRETS_KEY = ".dev.secrets.env"

# -- labels ------------------------------------------------------------------------------------

LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "greentic"
LABEL_COMPONENT = "app.kubernetes.io/component"
LABEL_ENV = "greentic.ai/env"
LABEL_REVISION = "greentic.ai/revision"
LABEL_DEPLOYMENT = "greentic.ai/deployment"
LABEL_BUNDLE = "greentic.ai/bundle"

ANNOTATION_DEV_STORE_HASH = "greentic.ai/dev-store-hash"

COMPONENT_NAMESPACE = "namespace"
COMPONENT_ROUTER = "router"
COMPONENT_WORKER = "worker"
COMPONENT_ENV_STORE = "env-store"
COMPONENT_DEV_SECRETS = "dev-secrets"
COMPONENT_NETWORK_POLICY = "network-policy"

MAX_NAME = 63
_HASH_PREFIX = 50
_LABEL_VALUE_PREFIX = 54  # 54 + "-" + 8 hex = 63
_DIRECT_ID = re.compile(r"^[a-z0-9-]+$")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$")
_NOT_LABEL_CHAR = re.compile(r"[^A-Za-z0-9._-]")


def hash8(value: str) -> str:
    """First 4 bytes (8 hex chars) of the SHA-256 of `value`."""
    return hashlib.sha256(value.encode()).hexdigest()[:8]


def namespace_for(env_id: str) -> str:
    """The default namespace: `gtc-<id>` when that is a clean label, else a hash-suffixed form."""
    direct = NAME_PREFIX + env_id
    if (
        _DIRECT_ID.fullmatch(env_id)
        and not env_id.startswith("-")
        and not env_id.endswith("-")
        and len(direct) <= MAX_NAME
    ):
        return direct
    suffix = hash8(env_id)
    # ASCII-only lowering: EnvIds are ASCII, and str.lower() could grow exotic characters.
    sanitized = _NOT_ALNUM.sub("-", env_id).lower().strip("-")
    prefix = sanitized[:_HASH_PREFIX].rstrip("-")
    return f"{NAME_PREFIX}{prefix}-{suffix}" if prefix else NAME_PREFIX + suffix


def resolve_namespace(env_id: str, answers: K8sAnswers | None) -> str:
    """The `namespace` answer verbatim when given, else the derived default."""
    if answers is not None and answers.namespace:
        return answers.namespace
    return namespace_for(env_id)


def worker_name(revision_id: str) -> str:
    """Worker Deployment and Service name: `gtc-worker-<revision ULID lower-cased>`."""
    return WORKER_PREFIX + revision_id.lower()


def label_value(raw: str) -> str:
    """`raw` when it is a valid label value, else `<sanitized prefix>-<hash8>` (≤ 63 chars)."""
    # Label values must be ≤ 63 chars of `[A-Za-z0-9._-]` with alphanumeric ends; env ids may be
    # longer or start with `.`/`_`/`-`, and bundle ids are opaque. The hash of the raw value keeps
    # two ids that sanitize alike apart; the raw value stays on worker pods as an env var.
    if len(raw) <= MAX_NAME and _LABEL_VALUE.fullmatch(raw):
        return raw
    suffix = hash8(raw)
    sanitized = _NOT_LABEL_CHAR.sub("-", raw).strip("-._")
    prefix = sanitized[:_LABEL_VALUE_PREFIX].rstrip("-._")
    return f"{prefix}-{suffix}" if prefix else suffix


def env_label_value(env_id: str) -> str:
    """The `greentic.ai/env` label value of an env (the id itself for every usual id)."""
    return label_value(env_id)


def common_labels(env_id: str, component: str) -> dict[str, str]:
    """Labels on every object: managed-by, component, env."""
    return {
        LABEL_MANAGED_BY: MANAGED_BY,
        LABEL_COMPONENT: component,
        LABEL_ENV: env_label_value(env_id),
    }


def worker_labels(env_id: str, revision: Revision) -> dict[str, str]:
    """Worker labels: the common worker labels plus revision, deployment and bundle."""
    labels = common_labels(env_id, COMPONENT_WORKER)
    labels[LABEL_REVISION] = revision.revision_id.upper()
    labels[LABEL_DEPLOYMENT] = revision.deployment_id.upper()
    labels[LABEL_BUNDLE] = label_value(revision.bundle_id)
    return labels


def worker_selector(revision_id: str) -> dict[str, str]:
    """The selector of a worker Deployment and Service: the revision label only."""
    return {LABEL_REVISION: revision_id.upper()}
