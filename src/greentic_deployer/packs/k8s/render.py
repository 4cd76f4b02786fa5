"""The pure, deterministic manifest set of an environment, in apply order."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from greentic_deployer.packs.contract import RenderInputs
from greentic_deployer.packs.k8s.answers import K8sAnswers, coerce_answers
from greentic_deployer.packs.k8s.manifests import (
    Manifest,
    RenderContext,
    dev_secrets_secret,
    env_store_configmap,
    has_pullable_routed_revision,
    namespace,
    network_policies,
    router_deployment,
    router_pdb,
    router_service,
    runtime_config_configmap,
    vault_service_account,
    worker_deployment,
    worker_service,
)
from greentic_deployer.packs.k8s.naming import resolve_namespace
from greentic_deployer.packs.k8s.secrets_backend import (
    AnswersLoader,
    DevStore,
    SecretsBackend,
    Vault,
    has_secrets_binding,
    no_answers,
    resolve_secrets_backend,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.revision import Revision
from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.spec.serde import dumps_compact

EMPTY_DEV_STORE_MARKER = "<empty>"
ENV_LEVEL_OBJECTS = 12
"""Namespace + 2 ConfigMaps + router Deployment/Service/PDB + 6 NetworkPolicies."""


def present_revisions(env: Environment) -> list[Revision]:
    """Revisions with cluster presence (warming, ready, draining), in `env.revisions` order."""
    return [r for r in env.revisions if r.lifecycle.has_cluster_presence]


def dev_store_payload(dev_store_bytes: bytes | None) -> str | None:
    """The Secret's base64 payload of the dev-store file, None when it was not read."""
    if dev_store_bytes is None:
        return None
    return base64.b64encode(dev_store_bytes).decode("ascii")


def dev_store_hash(payload: str | None) -> str:
    """Hex SHA-256 of the base64 payload, or of the literal `<empty>` when there is none."""
    text = EMPTY_DEV_STORE_MARKER if payload is None else payload
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# The API server refuses a ConfigMap whose data exceeds 1 MiB; say so at render time instead.
CONFIGMAP_MAX_BYTES = 1024 * 1024


class ConfigMapTooLargeError(ConflictError):
    """A rendered ConfigMap would exceed the Kubernetes 1 MiB data limit."""


def _fits_configmap(payload: str, name: str, key: str) -> str:
    size = len(payload.encode("utf-8"))
    if size > CONFIGMAP_MAX_BYTES:
        raise ConfigMapTooLargeError(
            f"ConfigMap {name} would carry {size} bytes of {key}; Kubernetes stores at most "
            f"{CONFIGMAP_MAX_BYTES} bytes per ConfigMap. Remove deployments you no longer need "
            "(archive their revisions, then `gtc op bundles remove`) to shrink the environment"
        )
    return payload


def render_context(
    env: Environment,
    answers: K8sAnswers | object | None,
    *,
    secrets_backend: SecretsBackend | None = None,
    dev_store_bytes: bytes | None = None,
) -> RenderContext:
    """What every builder needs for this env, answers, backend and dev store; resolved once."""
    # The live verbs build single objects from the same context, so a worker a verb applies is
    # byte for byte the worker `render_environment` emits.
    parsed = coerce_answers(answers)
    backend = (
        secrets_backend if secrets_backend is not None else resolve_secrets_backend(env, no_answers)
    )
    dev_secrets = has_secrets_binding(env) and isinstance(backend, DevStore)
    payload = dev_store_payload(dev_store_bytes) if dev_secrets else None
    return RenderContext(
        env_id=env.environment_id,
        namespace=resolve_namespace(env.environment_id, parsed),
        answers=parsed,
        secrets_backend=backend,
        dev_secrets=dev_secrets,
        dev_store_hash=dev_store_hash(payload) if dev_secrets else None,
    )


def runtime_config_object(env: Environment, ctx: RenderContext) -> Manifest:
    """The `gtc-runtime-config` ConfigMap exactly as `render_environment` emits it."""
    runtime_json = _fits_configmap(
        dumps_compact(materialize_runtime_config(env)), "gtc-runtime-config", "runtime-config.json"
    )
    return runtime_config_configmap(ctx, runtime_json)


def render_environment(
    env: Environment,
    answers: K8sAnswers | object | None,
    *,
    secrets_backend: SecretsBackend | None = None,
    dev_store_bytes: bytes | None = None,
) -> list[dict[str, Any]]:
    """Every desired object of the env in apply order; pure and deterministic."""
    # `answers` may be parsed K8sAnswers or the raw flat answers document (None = defaults).
    # Without `secrets_backend` it is resolved from the env with no binding answers available,
    # which fails closed for a Vault binding. `dev_store_bytes` is the raw dev-store file.
    ctx = render_context(
        env, answers, secrets_backend=secrets_backend, dev_store_bytes=dev_store_bytes
    )
    payload = dev_store_payload(dev_store_bytes) if ctx.dev_secrets else None
    # Each document is serialized exactly once, however many revisions there are.
    environment_json = _fits_configmap(dumps_compact(env), "gtc-env-store", "environment.json")
    objects: list[Manifest] = [
        namespace(ctx),
        env_store_configmap(ctx, environment_json),
        runtime_config_object(env, ctx),
        router_deployment(ctx),
        router_service(ctx),
        router_pdb(ctx),
    ]
    objects.extend(network_policies(ctx, pullable_routed=has_pullable_routed_revision(env)))
    if isinstance(ctx.secrets_backend, Vault):
        objects.append(vault_service_account(ctx))
    elif ctx.dev_secrets:
        objects.append(dev_secrets_secret(ctx, payload))
    for revision in present_revisions(env):
        objects.append(worker_deployment(ctx, revision))
        objects.append(worker_service(ctx, revision))
    return objects


class K8sRenderer:
    """The k8s env-pack's ManifestRenderer: renders with a fixed secrets backend and dev store."""

    def __init__(
        self,
        *,
        secrets_backend: SecretsBackend | None = None,
        load_answers: AnswersLoader | None = None,
        dev_store_bytes: bytes | None = None,
    ) -> None:
        self.secrets_backend = secrets_backend
        self.load_answers = load_answers or no_answers
        self.dev_store_bytes = dev_store_bytes

    def render_environment(
        self,
        env: Environment,
        answers: K8sAnswers | dict[str, Any] | None,
        inputs: RenderInputs | None = None,
    ) -> list[dict[str, Any]]:
        """Render the env; a missing backend is resolved with the (given or own) answers loader."""
        given = inputs or RenderInputs()
        backend = self.secrets_backend
        if backend is None:
            backend = resolve_secrets_backend(env, given.load_answers or self.load_answers)
        dev_store_bytes = (
            given.dev_store_bytes if given.dev_store_bytes is not None else self.dev_store_bytes
        )
        return render_environment(
            env, answers, secrets_backend=backend, dev_store_bytes=dev_store_bytes
        )
