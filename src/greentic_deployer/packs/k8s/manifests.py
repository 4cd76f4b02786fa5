"""Builders for every object the k8s env-pack renders.

Each builder returns a fresh plain dict (no shared sub-objects, so a caller may mutate one
manifest without touching another, and YAML output never needs anchors). Key order is fixed by
construction: apiVersion, kind, metadata, then the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.naming import (
    ANNOTATION_DEV_STORE_HASH,
    COMPONENT_DEV_SECRETS,
    COMPONENT_ENV_STORE,
    COMPONENT_NAMESPACE,
    COMPONENT_NETWORK_POLICY,
    COMPONENT_ROUTER,
    COMPONENT_WORKER,
    DEV_SECRETS,
    DEV_SECRETS_KEY,
    ENV_STORE_CM,
    ENV_STORE_KEY,
    NP_ALLOW_DNS,
    NP_ALLOW_ROUTER,
    NP_ALLOW_ROUTER_EGRESS,
    NP_ALLOW_WORKER_EGRESS,
    NP_ALLOW_WORKERS,
    NP_DEFAULT_DENY,
    ROUTER,
    RUNTIME_CONFIG_CM,
    RUNTIME_CONFIG_KEY,
    WORKER_SA,
    common_labels,
    worker_labels,
    worker_name,
    worker_selector,
)
from greentic_deployer.packs.k8s.secrets_backend import (
    VAULT_DEFAULT_AUTH_MOUNT,
    VAULT_DEFAULT_KV_MOUNT,
    VAULT_DEFAULT_KV_PREFIX,
    VAULT_DEFAULT_TRANSIT_KEY,
    VAULT_DEFAULT_TRANSIT_MOUNT,
    SecretsBackend,
    Vault,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.revision import Revision

Manifest = dict[str, Any]

HTTP_PORT = 8080
HTTP_PORT_NAME = "http"
DNS_PORT = 53
RUN_AS = 65532
INIT_IMAGE = "busybox:1.36.1"
GREENTIC_HOME = "/var/greentic"
TMP_DIR = "/tmp"
ENV_STORE_MOUNT = "/etc/greentic/env-store"
DEV_SECRETS_MOUNT = "/etc/greentic/dev-secrets"
RUNTIME_CONFIG_MOUNT = "/etc/greentic/runtime-config"
RUNTIME_CONFIG_PATH = f"{RUNTIME_CONFIG_MOUNT}/{RUNTIME_CONFIG_KEY}"
CLOUDFLARED_BINARY = "/usr/local/bin/cloudflared"
HEALTH_PATH = "/healthz"
HOSTNAME_TOPOLOGY_KEY = "kubernetes.io/hostname"

VOLUME_HOME = "greentic-home"
VOLUME_TMP = "tmp"
VOLUME_ENV_STORE = "env-store-src"
VOLUME_DEV_SECRETS = "dev-secrets-src"
VOLUME_RUNTIME_CONFIG = "runtime-config"

# The env id reaches the scripts through $GREENTIC_ENV_ID, never by interpolation, so no id can
# change what the shell runs.
STAGE_ENV_STORE_SCRIPT = (
    "set -eu; "
    f'dir="{GREENTIC_HOME}/.greentic/environments/$GREENTIC_ENV_ID"; '
    'mkdir -p "$dir"; '
    f'cp {ENV_STORE_MOUNT}/{ENV_STORE_KEY} "$dir/{ENV_STORE_KEY}"'
)
STAGE_DEV_SECRETS_SCRIPT = (
    "set -eu; "
    f"src={DEV_SECRETS_MOUNT}/{DEV_SECRETS_KEY}; "
    'if [ -f "$src" ]; then '
    f'dir="{GREENTIC_HOME}/.greentic/environments/$GREENTIC_ENV_ID/.greentic/dev"; '
    'mkdir -p "$dir"; '
    f'cp "$src" "$dir/{DEV_SECRETS_KEY}"; '
    "fi"
)


@dataclass(frozen=True)
class RenderContext:
    """Everything the builders need, resolved once per render."""

    env_id: str
    namespace: str
    answers: K8sAnswers
    secrets_backend: SecretsBackend
    # Dev-store backend and the env binds a secrets pack: ship the Secret and stage it.
    dev_secrets: bool
    # Hex SHA-256 of the Secret's base64 payload (or of `<empty>`); set iff `dev_secrets`.
    dev_store_hash: str | None

    @property
    def vault(self) -> Vault | None:
        """The Vault backend, if that is what the env uses."""
        return self.secrets_backend if isinstance(self.secrets_backend, Vault) else None


# -- shared pieces (fresh on every call) -------------------------------------------------------


def _metadata(ctx: RenderContext, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": ctx.namespace, "labels": labels}


def pod_security_context() -> dict[str, Any]:
    """Restricted pod security: non-root 65532, RuntimeDefault seccomp."""
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    """Restricted container security: no escalation, read-only root, no capabilities."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _resources() -> dict[str, Any]:
    return {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


def _readiness_probe() -> dict[str, Any]:
    return {
        "httpGet": {"path": HEALTH_PATH, "port": HTTP_PORT},
        "initialDelaySeconds": 2,
        "periodSeconds": 5,
    }


def _container_ports() -> list[dict[str, Any]]:
    return [{"name": HTTP_PORT_NAME, "containerPort": HTTP_PORT, "protocol": "TCP"}]


def _env_var(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def boot_env(ctx: RenderContext) -> list[dict[str, str]]:
    """The env both router and worker boot with."""
    env = [
        _env_var("GREENTIC_ENV_ID", ctx.env_id),
        _env_var("HOME", GREENTIC_HOME),
        _env_var("GREENTIC_GATEWAY_LISTEN_ADDR", "0.0.0.0"),
        _env_var("RAYON_NUM_THREADS", "4"),
    ]
    if ctx.answers.oci_insecure_registries:
        env.append(
            _env_var(
                "GREENTIC_OCI_INSECURE_REGISTRIES", ",".join(ctx.answers.oci_insecure_registries)
            )
        )
    return env


def _vault_env(vault: Vault) -> list[dict[str, str]]:
    env = [
        _env_var("GREENTIC_SECRETS_BACKEND", "vault"),
        _env_var("VAULT_ADDR", vault.addr),
        _env_var("VAULT_K8S_ROLE", vault.role),
    ]
    # Defaults are omitted so the runtime's own defaults stay authoritative.
    optional = (
        ("VAULT_KV_MOUNT", vault.kv_mount, VAULT_DEFAULT_KV_MOUNT),
        ("VAULT_KV_PREFIX", vault.kv_prefix, VAULT_DEFAULT_KV_PREFIX),
        ("VAULT_K8S_MOUNT", vault.auth_mount, VAULT_DEFAULT_AUTH_MOUNT),
        ("VAULT_TRANSIT_MOUNT", vault.transit_mount, VAULT_DEFAULT_TRANSIT_MOUNT),
        ("VAULT_TRANSIT_KEY", vault.transit_key, VAULT_DEFAULT_TRANSIT_KEY),
    )
    env.extend(_env_var(name, value) for name, value, default in optional if value != default)
    if vault.namespace:
        env.append(_env_var("VAULT_NAMESPACE", vault.namespace))
    return env


def _mount(name: str, path: str, *, read_only: bool = False) -> dict[str, Any]:
    mount: dict[str, Any] = {"name": name, "mountPath": path}
    if read_only:
        mount["readOnly"] = True
    return mount


def _init_env(ctx: RenderContext) -> list[dict[str, str]]:
    return [_env_var("GREENTIC_ENV_ID", ctx.env_id), _env_var("HOME", GREENTIC_HOME)]


def stage_env_store_container(ctx: RenderContext) -> dict[str, Any]:
    """Init container copying the env-store ConfigMap into the writable HOME."""
    return {
        "name": "stage-env-store",
        "image": INIT_IMAGE,
        "command": ["sh", "-c", STAGE_ENV_STORE_SCRIPT],
        "env": _init_env(ctx),
        "securityContext": container_security_context(),
        "volumeMounts": [
            _mount(VOLUME_HOME, GREENTIC_HOME),
            _mount(VOLUME_ENV_STORE, ENV_STORE_MOUNT, read_only=True),
        ],
    }


def stage_dev_secrets_container(ctx: RenderContext) -> dict[str, Any]:
    """Init container copying the dev-store file (when the Secret has it) into the env dir."""
    return {
        "name": "stage-dev-secrets",
        "image": INIT_IMAGE,
        "command": ["sh", "-c", STAGE_DEV_SECRETS_SCRIPT],
        "env": _init_env(ctx),
        "securityContext": container_security_context(),
        "volumeMounts": [
            _mount(VOLUME_HOME, GREENTIC_HOME),
            _mount(VOLUME_DEV_SECRETS, DEV_SECRETS_MOUNT, read_only=True),
        ],
    }


def _main_container(
    name: str,
    ctx: RenderContext,
    args: list[str],
    env: list[dict[str, str]],
    mounts: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "name": name,
        "image": ctx.answers.runtime_image,
        "args": args,
        "ports": _container_ports(),
        "env": env,
        "resources": _resources(),
        "readinessProbe": _readiness_probe(),
        "securityContext": container_security_context(),
        "volumeMounts": mounts,
    }


def _base_volumes() -> list[dict[str, Any]]:
    return [
        {"name": VOLUME_HOME, "emptyDir": {}},
        {"name": VOLUME_TMP, "emptyDir": {}},
        {"name": VOLUME_ENV_STORE, "configMap": {"name": ENV_STORE_CM}},
    ]


def _http_service_port() -> list[dict[str, Any]]:
    return [{"name": HTTP_PORT_NAME, "protocol": "TCP", "port": HTTP_PORT, "targetPort": HTTP_PORT}]


# -- env-level objects -------------------------------------------------------------------------


def namespace(ctx: RenderContext) -> Manifest:
    """1. The Namespace (cluster-scoped)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": ctx.namespace,
            "labels": common_labels(ctx.env_id, COMPONENT_NAMESPACE),
        },
    }


def env_store_configmap(ctx: RenderContext, environment_json: str) -> Manifest:
    """2. ConfigMap `gtc-env-store`: the compact JSON of the whole Environment."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(ctx, ENV_STORE_CM, common_labels(ctx.env_id, COMPONENT_ENV_STORE)),
        "data": {ENV_STORE_KEY: environment_json},
    }


def runtime_config_configmap(ctx: RenderContext, runtime_config_json: str) -> Manifest:
    """3. ConfigMap `gtc-runtime-config`: the compact materialized RuntimeConfig."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(ctx, RUNTIME_CONFIG_CM, common_labels(ctx.env_id, COMPONENT_ROUTER)),
        "data": {RUNTIME_CONFIG_KEY: runtime_config_json},
    }


def router_deployment(ctx: RenderContext) -> Manifest:
    """4. Deployment `gtc-router`; its template depends on env id and answers only."""
    # The runtime config arrives through a directory mount (no subPath) so the kubelet delivers
    # ConfigMap updates in place: a traffic change is a ConfigMap upsert, never a rollout.
    env = boot_env(ctx)
    env.append(_env_var("GREENTIC_RUNTIME_CONFIG", RUNTIME_CONFIG_PATH))
    mounts = [
        _mount(VOLUME_HOME, GREENTIC_HOME),
        _mount(VOLUME_TMP, TMP_DIR),
        _mount(VOLUME_RUNTIME_CONFIG, RUNTIME_CONFIG_MOUNT, read_only=True),
    ]
    volumes = _base_volumes()
    volumes.append({"name": VOLUME_RUNTIME_CONFIG, "configMap": {"name": RUNTIME_CONFIG_CM}})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(ctx, ROUTER, common_labels(ctx.env_id, COMPONENT_ROUTER)),
        "spec": {
            "replicas": ctx.answers.router_replicas,
            "selector": {"matchLabels": common_labels(ctx.env_id, COMPONENT_ROUTER)},
            "template": {
                "metadata": {"labels": common_labels(ctx.env_id, COMPONENT_ROUTER)},
                "spec": {
                    "securityContext": pod_security_context(),
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": HOSTNAME_TOPOLOGY_KEY,
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {
                                "matchLabels": common_labels(ctx.env_id, COMPONENT_ROUTER)
                            },
                        }
                    ],
                    "initContainers": [stage_env_store_container(ctx)],
                    "containers": [_main_container("router", ctx, start_args(ctx), env, mounts)],
                    "volumes": volumes,
                },
            },
        },
    }


def router_service(ctx: RenderContext) -> Manifest:
    """5. Service `gtc-router` (ClusterIP, port http 8080)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(ctx, ROUTER, common_labels(ctx.env_id, COMPONENT_ROUTER)),
        "spec": {
            "type": "ClusterIP",
            "selector": common_labels(ctx.env_id, COMPONENT_ROUTER),
            "ports": _http_service_port(),
        },
    }


def router_pdb(ctx: RenderContext) -> Manifest:
    """6. PodDisruptionBudget `gtc-router`: keep one router available."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(ctx, ROUTER, common_labels(ctx.env_id, COMPONENT_ROUTER)),
        "spec": {
            "minAvailable": 1,
            "selector": {"matchLabels": common_labels(ctx.env_id, COMPONENT_ROUTER)},
        },
    }


def has_pullable_routed_revision(env: Environment) -> bool:
    """Whether some split entry routes to a revision with a `bundle_source_uri` to pull."""
    pullable = {r.revision_id for r in env.revisions if r.bundle_source_uri}
    return any(
        entry.revision_id in pullable for split in env.traffic_splits for entry in split.entries
    )


def _network_policy(ctx: RenderContext, name: str, spec: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(ctx, name, common_labels(ctx.env_id, COMPONENT_NETWORK_POLICY)),
        "spec": spec,
    }


def _tcp_http() -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": HTTP_PORT}]


def network_policies(ctx: RenderContext, *, pullable_routed: bool) -> list[Manifest]:
    """7. The six NetworkPolicies; the two egress openings are always rendered (open or shut)."""
    router = partial(common_labels, ctx.env_id, COMPONENT_ROUTER)
    worker = partial(common_labels, ctx.env_id, COMPONENT_WORKER)
    worker_open = pullable_routed or ctx.vault is not None
    return [
        _network_policy(
            ctx, NP_DEFAULT_DENY, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        ),
        _network_policy(
            ctx,
            NP_ALLOW_DNS,
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "ports": [
                            {"protocol": "UDP", "port": DNS_PORT},
                            {"protocol": "TCP", "port": DNS_PORT},
                        ]
                    }
                ],
            },
        ),
        _network_policy(
            ctx,
            NP_ALLOW_ROUTER,
            {
                "podSelector": {"matchLabels": router()},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": _tcp_http()}],
                "egress": [
                    {"to": [{"podSelector": {"matchLabels": worker()}}], "ports": _tcp_http()}
                ],
            },
        ),
        _network_policy(
            ctx,
            NP_ALLOW_WORKERS,
            {
                "podSelector": {"matchLabels": worker()},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [{"podSelector": {"matchLabels": router()}}], "ports": _tcp_http()}
                ],
            },
        ),
        _network_policy(
            ctx,
            NP_ALLOW_WORKER_EGRESS,
            {
                "podSelector": {"matchLabels": worker()},
                "policyTypes": ["Egress"],
                "egress": [{}] if worker_open else [],
            },
        ),
        _network_policy(
            ctx,
            NP_ALLOW_ROUTER_EGRESS,
            {
                "podSelector": {"matchLabels": router()},
                "policyTypes": ["Egress"],
                "egress": [{}] if pullable_routed else [],
            },
        ),
    ]


def dev_secrets_secret(ctx: RenderContext, dev_store_b64: str | None) -> Manifest:
    """8a. Secret `gtc-dev-secrets` with the base64 dev-store file (empty data when not read)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(ctx, DEV_SECRETS, common_labels(ctx.env_id, COMPONENT_DEV_SECRETS)),
        "type": "Opaque",
        "data": {} if dev_store_b64 is None else {DEV_SECRETS_KEY: dev_store_b64},
    }


def vault_service_account(ctx: RenderContext) -> Manifest:
    """8b. ServiceAccount `gtc-worker`: the identity workers present to Vault."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _metadata(ctx, WORKER_SA, common_labels(ctx.env_id, COMPONENT_WORKER)),
    }


# -- per-revision objects ----------------------------------------------------------------------


def start_args(ctx: RenderContext) -> list[str]:
    """`start --env=<env>`: one argv element, so no env id can ever read as a separate flag."""
    return ["start", f"--env={ctx.env_id}"]


def worker_args(ctx: RenderContext) -> list[str]:
    """`start --env=<env>`, plus the cloudflared flags when the tunnel is on."""
    args = start_args(ctx)
    if ctx.answers.cloudflared:
        args.extend(["--cloudflared", "on", "--cloudflared-binary", CLOUDFLARED_BINARY])
    return args


def worker_deployment(ctx: RenderContext, revision: Revision) -> Manifest:
    """9. Deployment `gtc-worker-<ulid>` serving one present revision."""
    env = boot_env(ctx)
    env.extend(
        (
            _env_var("GREENTIC_REVISION_ID", revision.revision_id),
            _env_var("GREENTIC_DEPLOYMENT_ID", revision.deployment_id),
            _env_var("GREENTIC_BUNDLE_ID", revision.bundle_id),
            _env_var("GREENTIC_BUNDLE_DIGEST", revision.bundle_digest),
        )
    )
    vault = ctx.vault
    if vault is not None:
        env.extend(_vault_env(vault))
    init = [stage_env_store_container(ctx)]
    volumes = _base_volumes()
    template_metadata: dict[str, Any] = {"labels": worker_labels(ctx.env_id, revision)}
    if ctx.dev_secrets:
        init.append(stage_dev_secrets_container(ctx))
        volumes.append(
            {
                "name": VOLUME_DEV_SECRETS,
                "secret": {"secretName": DEV_SECRETS, "optional": True},
            }
        )
        # A changed dev store changes the template, which rolls the worker pods.
        template_metadata["annotations"] = {ANNOTATION_DEV_STORE_HASH: ctx.dev_store_hash}
    pod_spec: dict[str, Any] = {}
    if vault is not None:
        pod_spec["serviceAccountName"] = WORKER_SA
    pod_spec["securityContext"] = pod_security_context()
    pod_spec["initContainers"] = init
    pod_spec["containers"] = [
        _main_container(
            "worker",
            ctx,
            worker_args(ctx),
            env,
            [_mount(VOLUME_HOME, GREENTIC_HOME), _mount(VOLUME_TMP, TMP_DIR)],
        )
    ]
    pod_spec["volumes"] = volumes
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(
            ctx, worker_name(revision.revision_id), worker_labels(ctx.env_id, revision)
        ),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": worker_selector(revision.revision_id)},
            "template": {"metadata": template_metadata, "spec": pod_spec},
        },
    }


def worker_service(ctx: RenderContext, revision: Revision) -> Manifest:
    """10. Service `gtc-worker-<ulid>` selecting that revision's pods."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(
            ctx, worker_name(revision.revision_id), worker_labels(ctx.env_id, revision)
        ),
        "spec": {
            "type": "ClusterIP",
            "selector": worker_selector(revision.revision_id),
            "ports": _http_service_port(),
        },
    }
