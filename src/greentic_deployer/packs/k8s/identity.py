"""Which identity a live k8s verb runs as: the env's bound deployer token, or the ambient one.

An env that records a `credentials_ref` is bound: its token is looked up in the process
environment (the ref's canonical key), then the dev store, then the in-cluster Secret
`greentic-deployer-identity` (key `bearer`, read with the ambient identity). Nothing found fails
closed; a bound env never silently runs as whoever the kubeconfig says. The token itself never
appears in a message, a repr or a report.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from greentic_deployer.packs.k8s.cluster import ClusterError, K8sCluster
from greentic_deployer.packs.k8s.object_ref import ObjectRef
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError

IDENTITY_SECRET = "greentic-deployer-identity"
IDENTITY_KEY = "bearer"
ENV_KEY_PREFIX = "GTSEC"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")

IdentityKind = Literal["bound", "ambient"]
TokenSource = Literal["env", "dev-store", "cluster-secret"]


class SecretLookup(Protocol):
    """A secret store addressed by SecretRef (the dev store); None when it holds no value."""

    def get(self, ref: str) -> str | None:
        """The value stored under `ref`, if any."""
        ...


def env_var_key(ref: str) -> str:
    """The ref's canonical environment key: `GTSEC_<ENV>_<TENANT>_<TEAM>_<CATEGORY>_<NAME>`."""
    # `secret://prod/default/_/k8s-deployer/deployer_token` -> each segment upper-cased with
    # every non-alphanumeric character mapped to `_` (the team placeholder `_` stays `_`).
    segments = ref.removeprefix("secret://").split("/")
    return "_".join([ENV_KEY_PREFIX, *(_NOT_ALNUM.sub("_", s).upper() for s in segments)])


class BearerToken:
    """A bearer token that never shows itself: `str`/`repr` are masked; `reveal()` is explicit."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The token, for the one place that sends it (the cluster client's config)."""
        return self._value

    def __repr__(self) -> str:
        return "BearerToken(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BearerToken) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class ResolvedIdentity:
    """`bound` (with where its token came from) or `ambient` (no token: the kubeconfig's)."""

    kind: IdentityKind
    token: BearerToken | None = field(default=None, repr=False)
    source: TokenSource | None = None
    credentials_ref: str | None = None

    def to_json(self) -> str:
        """What reports show: `"bound"` or `"ambient"`."""
        return self.kind


class IdentityUnavailable(ConflictError):
    """The env binds a credentials_ref but no token was found (fail closed, never ambient)."""


def _usable(value: str | None) -> BearerToken | None:
    if value is None:
        return None
    stripped = value.strip()
    return BearerToken(stripped) if stripped else None


async def _cluster_secret(cluster: K8sCluster, namespace: str) -> BearerToken | None:
    secret = await cluster.get(ObjectRef("v1", "Secret", namespace, IDENTITY_SECRET))
    if secret is None:
        return None
    data = secret.get("data")
    encoded = data.get(IDENTITY_KEY) if isinstance(data, Mapping) else None
    if not isinstance(encoded, str):
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        # Say nothing of the content: the message must not carry a byte of the token.
        raise IdentityUnavailable(
            f"Secret {namespace}/{IDENTITY_SECRET} key `{IDENTITY_KEY}` is not base64 UTF-8 text"
        ) from None
    return _usable(decoded)


async def resolve_identity(
    env: Environment,
    namespace: str,
    *,
    environ: Mapping[str, str],
    dev_store: SecretLookup | None,
    ambient_cluster: Callable[[], K8sCluster],
) -> ResolvedIdentity:
    """Env var, then dev store, then the in-cluster Secret; bound with nothing found fails."""
    ref = env.credentials_ref
    if ref is None:
        return ResolvedIdentity(kind="ambient")
    key = env_var_key(ref)
    token = _usable(environ.get(key))
    if token is not None:
        return ResolvedIdentity("bound", token, "env", ref)
    if dev_store is not None:
        token = _usable(dev_store.get(ref))
        if token is not None:
            return ResolvedIdentity("bound", token, "dev-store", ref)
    cluster = ambient_cluster()
    try:
        token = await _cluster_secret(cluster, namespace)
    except IdentityUnavailable:
        raise
    except ClusterError as exc:
        raise IdentityUnavailable(
            f"environment `{env.environment_id}` binds credentials_ref `{ref}`, no token is in "
            f"${key} or the dev store, and reading Secret {namespace}/{IDENTITY_SECRET} with the "
            f"ambient identity failed: {exc}"
        ) from exc
    finally:
        await cluster.close()
    if token is not None:
        return ResolvedIdentity("bound", token, "cluster-secret", ref)
    raise IdentityUnavailable(
        f"environment `{env.environment_id}` binds credentials_ref `{ref}` but no token was "
        f"found in ${key}, the dev store, or Secret {namespace}/{IDENTITY_SECRET} "
        f"(key `{IDENTITY_KEY}`); export ${key} or re-run the deployer bootstrap with --bind. "
        "Refusing to fall back to the ambient identity"
    )
