"""Everything a live k8s verb resolves before it touches a cluster, in the reference's order.

Kind gate (the bound deployer's path; `--kind` may change only the version; k8s only), registry
resolution, answers from the binding's `answers_ref`, dev-store bytes, the secrets backend, the
bound identity, then one client per call. A failure at any step is a typed error and nothing has
been written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greentic_deployer.ops.binding_answers import load_binding_answers
from greentic_deployer.ops.context import OpContext
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from greentic_deployer.spec.ids import descriptor_path, parse_env_id, parse_pack_descriptor
from greentic_deployer.spec.slots import CapabilitySlot

if TYPE_CHECKING:
    from greentic_deployer.packs.k8s.answers import K8sAnswers
    from greentic_deployer.packs.k8s.cluster import K8sCluster
    from greentic_deployer.packs.k8s.identity import ResolvedIdentity
    from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig
    from greentic_deployer.packs.k8s.secrets_backend import SecretsBackend

K8S_KIND_PATH = "greentic.deployer.k8s"
DEV_SECRETS_PATH_ENV = "GREENTIC_DEV_SECRETS_PATH"
DEV_SECRETS_FILE = Path(".greentic") / "dev" / ".dev.secrets.env"

Connect = Callable[["ClusterConfig"], "K8sCluster"]
"""Builds a cluster client from a connection config (tests inject one that never sleeps)."""


def lightkube_connect(config: ClusterConfig) -> K8sCluster:
    """The production client (lightkube over HTTP)."""
    from greentic_deployer.packs.k8s.lightkube_cluster import LightkubeCluster

    return LightkubeCluster(config)


@dataclass(frozen=True)
class Connection:
    """What the caller said about the cluster: `--kubeconfig` and `--context` (both optional)."""

    kubeconfig: Path | None = None
    context: str | None = None
    connect: Connect | None = None


def live_connection(
    apply: bool, kubeconfig: Path | None, context: str | None, connect: Connect | None = None
) -> Connection | None:
    """`--apply`'s connection; `--kubeconfig`/`--context` without `--apply` are refused."""
    if not apply:
        for flag, value in (("--kubeconfig", kubeconfig), ("--context", context)):
            if value is not None:
                raise InvalidArgumentError(flag, "only applies with --apply")
        return None
    return Connection(kubeconfig, context, connect)


def live_kind(env_id: str, binding: EnvPackBinding | None, requested: str | None, verb: str) -> str:
    """The kind a live verb acts through: the bound deployer's path, maybe at another version."""
    if binding is None:
        raise ConflictError(
            f"environment `{env_id}` has no deployer binding; bind "
            f"{K8S_KIND_PATH} with `gtc op env-packs add --slot deployer`"
        )
    kind = binding.kind
    if requested is not None:
        path = requested.partition("@")[0]
        if path != binding.kind_path:
            raise ConflictError(
                f"--kind `{requested}` does not match the bound deployer ({binding.kind}); "
                f"`env {verb}` acts only through the bound deployer (--kind may change only "
                "its version)"
            )
        if "@" in requested:
            kind = str(parse_pack_descriptor(requested, "--kind"))
    if descriptor_path(kind) != K8S_KIND_PATH:
        raise ConflictError(
            f"`env {verb}` needs the {K8S_KIND_PATH} deployer; environment `{env_id}` is bound "
            f"to {binding.kind}"
        )
    return kind


def require_k8s_binding(env: Environment, what: str) -> EnvPackBinding:
    """The env's deployer binding when it is k8s; `conflict` naming the bound kind otherwise."""
    binding = env.pack_for_slot(CapabilitySlot.deployer)
    bound = binding.kind if binding is not None else "no deployer"
    if binding is None or binding.kind_path != K8S_KIND_PATH:
        raise ConflictError(
            f"{what} --apply needs the {K8S_KIND_PATH} deployer; environment "
            f"`{env.environment_id}` is bound to {bound}"
        )
    return binding


def read_dev_store_bytes(env_dir: Path, environ: Mapping[str, str]) -> bytes | None:
    """`<env>/.greentic/dev/.dev.secrets.env` or `$GREENTIC_DEV_SECRETS_PATH`; absent -> None."""
    override = environ.get(DEV_SECRETS_PATH_ENV)
    path = Path(override) if override else env_dir / DEV_SECRETS_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConflictError(
            f"dev-store file {path} is unreadable: {exc.strerror or exc}; fix its permissions "
            f"or point ${DEV_SECRETS_PATH_ENV} elsewhere"
        ) from exc


@dataclass
class LiveTarget:
    """A resolved live target: env, kind, answers, backend, dev-store bytes, identity, config."""

    env: Environment
    kind: str
    answers_ref: str | None
    raw_answers: Any
    answers: K8sAnswers
    secrets_backend: SecretsBackend
    dev_store_bytes: bytes | None
    connection: Connection
    identity: ResolvedIdentity | None = None

    def config(self, *, with_token: bool = True) -> ClusterConfig:
        """The connection config; `--context` beats the answers' `kubeconfig_context`."""
        from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig

        token = None
        if with_token and self.identity is not None and self.identity.token is not None:
            token = self.identity.token.reveal()
        return ClusterConfig(
            kubeconfig=self.connection.kubeconfig,
            context=self.connection.context or self.answers.kubeconfig_context,
            token=token,
        )

    def connect(self, *, with_token: bool = True) -> K8sCluster:
        """A new client (the caller closes it)."""
        factory = self.connection.connect or lightkube_connect
        return factory(self.config(with_token=with_token))

    @property
    def identity_kind(self) -> str:
        """`bound` or `ambient`, for reports."""
        return self.identity.kind if self.identity is not None else "ambient"

    @property
    def manage_namespace(self) -> bool:
        """A bound identity is namespace-scoped: the Namespace is not its business."""
        return self.identity_kind != "bound"

    def report_head(self) -> dict[str, Any]:
        """`{environment_id, kind, answers_ref, identity}`, the head of every live result."""
        return {
            "environment_id": self.env.environment_id,
            "kind": self.kind,
            "answers_ref": self.answers_ref,
            "identity": self.identity_kind,
        }


def resolve_target(
    ctx: OpContext,
    env_id: str,
    *,
    kind: str | None,
    connection: Connection,
    verb: str,
    environ: Mapping[str, str] | None = None,
) -> LiveTarget:
    """Every store-side step of a live verb (no cluster call yet); identity comes later."""
    from greentic_deployer.packs.k8s.answers import coerce_answers
    from greentic_deployer.packs.k8s.secrets_backend import resolve_secrets_backend

    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    binding = env.pack_for_slot(CapabilitySlot.deployer)
    resolved = live_kind(env_id, binding, kind, verb)
    assert binding is not None  # live_kind refused an unbound env
    ctx.registry.resolve_for_slot(CapabilitySlot.deployer, resolved)
    answers_ref = binding.answers_ref
    raw = load_binding_answers(ctx, env_id, answers_ref) if answers_ref else None
    answers = coerce_answers(raw)
    backend = resolve_secrets_backend(env, lambda ref: load_binding_answers(ctx, env_id, ref))
    dev_store = read_dev_store_bytes(
        ctx.store.env_dir(env_id), os.environ if environ is None else environ
    )
    return LiveTarget(
        env=env,
        kind=resolved,
        answers_ref=answers_ref,
        raw_answers=raw,
        answers=answers,
        secrets_backend=backend,
        dev_store_bytes=dev_store,
        connection=connection,
    )


async def bind_identity(target: LiveTarget, environ: Mapping[str, str] | None = None) -> None:
    """Env var, then (unavailable here) the dev store, then the in-cluster Secret; else fail."""
    from greentic_deployer.packs.k8s.identity import resolve_identity
    from greentic_deployer.packs.k8s.naming import resolve_namespace

    # The dev store keeps each value encrypted; this release cannot decrypt it, so that step
    # finds nothing and resolution goes on to the in-cluster Secret (docs/decisions.md).
    target.identity = await resolve_identity(
        target.env,
        resolve_namespace(target.env.environment_id, target.answers),
        environ=os.environ if environ is None else environ,
        dev_store=None,
        ambient_cluster=lambda: target.connect(with_token=False),
    )
