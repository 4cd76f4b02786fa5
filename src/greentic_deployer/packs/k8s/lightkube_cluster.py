"""`K8sCluster` over HTTP with lightkube's async client.

The only module (with `testing`) that talks to a Kubernetes API. It routes the closed kind table
through lightkube resource classes built locally (no discovery call ever reaches /api or /apis),
applies server-side (field manager `greentic-deployer`, force), retries 429 / 5xx / connection
failures with jittered exponential backoff, and turns every lightkube or httpx failure into the
seam's typed errors in one function, `translate_failure`.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx2
import yaml
from lightkube import AsyncClient, operators
from lightkube.config.kubeconfig import KubeConfig, SingleConfig
from lightkube.config.models import User
from lightkube.core.exceptions import ApiError as LightkubeApiError
from lightkube.core.exceptions import ConfigError
from lightkube.generic_resource import (
    GenericGlobalResource,
    GenericNamespacedResource,
    create_api_info,
)
from lightkube.models.authorization_v1 import ResourceAttributes, SelfSubjectAccessReviewSpec
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.authentication_v1 import SelfSubjectReview
from lightkube.resources.authorization_v1 import SelfSubjectAccessReview

from greentic_deployer.packs.k8s.clone import clone
from greentic_deployer.packs.k8s.cluster import (
    FIELD_MANAGER,
    KINDS,
    ApiError,
    ApplyResult,
    ClusterConfigError,
    ClusterError,
    DeleteResult,
    Existing,
    KindInfo,
    RolloutStatus,
    Unreachable,
    apply_action,
    check_ownership,
    env_label,
    existing_key,
    kind_info,
    require_deployment,
    rollout_status_of,
    validate_manifest,
    validate_ref,
)
from greentic_deployer.packs.k8s.label_selector import Requirement, parse_selector
from greentic_deployer.packs.k8s.object_ref import ObjectRef

T = TypeVar("T")
DEFAULT_KUBECONFIG = Path("~/.kube/config")


@dataclass(frozen=True)
class ClusterConfig:
    """How to reach the cluster; the caller builds it (nothing is read from globals later)."""

    kubeconfig: Path | None = None
    """None → `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account."""
    context: str | None = None
    token: str | None = field(default=None, repr=False)
    """A bound bearer token: replaces all authentication of the context, keeps endpoint and CA."""
    max_retries: int = 5
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    transport: httpx2.AsyncBaseTransport | None = None
    """Tests: an in-process transport (e.g. `httpx2.ASGITransport`, `httpx2.MockTransport`)."""
    request_timeout: float = 10.0


# -- connection --------------------------------------------------------------------------------


def _kubeconfig_source(
    config: ClusterConfig, environ: Mapping[str, str], home: Path
) -> Path | None:
    """Which kubeconfig file to read; None means the in-cluster service account."""
    if config.kubeconfig is not None:
        return config.kubeconfig
    listed = [p for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        # kubectl merges every listed file; we use the first that exists (documented).
        for path in listed:
            if Path(path).expanduser().is_file():
                return Path(path).expanduser()
        return Path(listed[0]).expanduser()
    default = home / ".kube" / "config"
    return default if default.is_file() else None


def load_connection(
    config: ClusterConfig,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> SingleConfig:
    """The context to use, with a bound token replacing the context's own authentication."""
    env = os.environ if environ is None else environ
    source = _kubeconfig_source(config, env, Path.home() if home is None else home)
    where = "the in-cluster service account" if source is None else f"kubeconfig {source}"
    try:
        kubeconfig = (
            KubeConfig.from_service_account() if source is None else KubeConfig.from_file(source)
        )
        single = kubeconfig.get(context_name=config.context)
    except (ConfigError, KeyError, TypeError, ValueError, OSError, yaml.YAMLError) as exc:
        # Malformed files surface as YAML, KeyError or ValueError from lightkube's parser.
        raise ClusterConfigError(f"{where}: {_describe(exc)}") from exc
    if single is None:
        raise ClusterConfigError(f"{where}: no context selected")
    if config.token is not None:
        # Client certificates, exec plugins, auth providers, basic auth and token files all
        # live on the user entry; a fresh user with only the token drops every one of them.
        # lightkube never impersonates, so there is nothing else to clear.
        single = single._replace(user=User(token=config.token))
    elif single.user is None:
        single = single._replace(user=User())
    return single


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"missing entry {text}" if isinstance(exc, KeyError) else text


# -- the one place transport failures become our errors ----------------------------------------


def _retry_after(headers: httpx2.Headers) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
    return max(seconds, 0.0)


@dataclass(frozen=True)
class Request:
    """What a call was doing, for error messages: verb, object (or target) and endpoint."""

    verb: str
    ref: ObjectRef | None
    endpoint: str
    target: str | None = None


def translate_failure(
    exc: BaseException, request: Request, *, attempts: int = 1
) -> ClusterError | None:
    """Our typed error for a lightkube/httpx failure; None when `exc` is not one."""
    verb, ref, target = request.verb, request.ref, request.target
    if isinstance(exc, KeyError) and isinstance(exc.__context__, httpx2.HTTPStatusError):
        # lightkube reads `Content-Type` unguarded while raising for an error status, so an
        # error response without that header (a proxy's bare 502) surfaces as a KeyError.
        exc = exc.__context__
    if isinstance(exc, LightkubeApiError):
        status = exc.status
        code = status.code if status.code is not None else exc.response.status_code
        return ApiError(
            verb=verb,
            status=code,
            reason=status.reason or exc.response.reason_phrase,
            ref=ref,
            server_message=status.message or "",
            retry_after=_retry_after(exc.response.headers),
            target=target,
            attempts=attempts,
        )
    if isinstance(exc, httpx2.HTTPStatusError):
        response = exc.response
        return ApiError(
            verb=verb,
            status=response.status_code,
            reason=response.reason_phrase,
            ref=ref,
            server_message=response.text.strip()[:500],
            retry_after=_retry_after(response.headers),
            target=target,
            attempts=attempts,
        )
    if isinstance(exc, httpx2.TransportError):
        detail = str(exc) or type(exc).__name__
        return Unreachable(
            verb=verb,
            endpoint=request.endpoint,
            detail=detail,
            ref=ref,
            target=target,
            attempts=attempts,
        )
    if isinstance(exc, ConfigError):
        return ClusterConfigError(str(exc))
    if isinstance(exc, (OSError, json.JSONDecodeError)):
        # httpx wraps socket errors itself, so what arrives bare comes from authenticating:
        # an exec credential plugin that cannot run or prints something that is not JSON.
        return ClusterConfigError(f"cannot authenticate to {request.endpoint}: {_describe(exc)}")
    return None


def _retryable(error: ClusterError) -> bool:
    if isinstance(error, ApiError):
        return error.retryable
    return isinstance(error, Unreachable)


# -- resources ---------------------------------------------------------------------------------


def _resource_class(info: KindInfo) -> type[Any]:
    """A lightkube resource class for one table entry, built here so no discovery is needed."""
    base = GenericNamespacedResource if info.namespaced else GenericGlobalResource
    api_info = create_api_info(info.group, info.version, info.kind, info.plural)
    # Not registered in lightkube's global registry: these classes are ours alone.
    return type(info.kind, (base,), {"_api_info": api_info})


_RESOURCES: Mapping[str, type[Any]] = {kind: _resource_class(i) for kind, i in KINDS.items()}


def _label_pairs(requirements: tuple[Requirement, ...]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for r in requirements:
        operator: Any
        if r.op == "=":
            operator = operators.equal(r.values[0])
        elif r.op == "!=":
            operator = operators.not_equal(r.values[0])
        elif r.op == "in":
            operator = operators.in_(r.values)
        elif r.op == "notin":
            operator = operators.not_in(r.values)
        elif r.op == "exists":
            operator = operators.exists()
        else:
            operator = operators.not_exists()
        pairs.append((r.key, operator))
    return pairs


def _plain(obj: Any) -> dict[str, Any]:
    """A lightkube object as plain nested dicts."""
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    return copy.deepcopy(dict(obj))


# -- the cluster -------------------------------------------------------------------------------


class LightkubeCluster:
    """`K8sCluster` over lightkube's async client; see the module docstring."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        environ: Mapping[str, str] | None = None,
        home: Path | None = None,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._rng = rng
        connection = load_connection(config, environ=environ, home=home)
        self.endpoint = connection.cluster.server
        self.context = connection.context_name
        try:
            self._client = AsyncClient(
                config=connection,
                field_manager=FIELD_MANAGER,
                transport=config.transport,
                timeout=httpx2.Timeout(config.request_timeout),
            )
        except (ConfigError, OSError, ValueError) as exc:  # CA or client certificate unreadable
            raise ClusterConfigError(f"context {connection.context_name}: {exc}") from exc

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before retry `attempt` (0-based): the server's Retry-After, else jittered."""
        if retry_after is not None:
            return retry_after
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * (2.0**attempt))
        # Equal jitter: never zero, never more than the ceiling.
        return ceiling / 2 + self._rng() * ceiling / 2

    async def _call(
        self,
        verb: str,
        ref: ObjectRef | None,
        op: Callable[[], Awaitable[T]],
        *,
        target: str | None = None,
    ) -> T:
        """Run one API call, retrying what is worth retrying, translating what fails."""
        request = Request(verb=verb, ref=ref, endpoint=self.endpoint, target=target)
        attempt = 0
        while True:
            try:
                return await op()
            except (httpx2.HTTPError, ConfigError, KeyError, OSError, json.JSONDecodeError) as exc:
                error = translate_failure(exc, request, attempts=attempt + 1)
                if error is None:
                    raise
                if not _retryable(error) or attempt >= self.config.max_retries:
                    raise error from exc
                retry_after = error.retry_after if isinstance(error, ApiError) else None
                await self._sleep(self.backoff(attempt, retry_after))
                attempt += 1

    async def _get_or_none(self, ref: ObjectRef, info: KindInfo) -> dict[str, Any] | None:
        resource = _RESOURCES[info.kind]
        try:
            live = await self._call(
                "get", ref, lambda: self._client.get(resource, ref.name, namespace=ref.namespace)
            )
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return _plain(live)

    async def apply(
        self,
        manifest: Mapping[str, Any],
        *,
        adopt: bool = False,
        existing: Existing | None = None,
        dry_run: bool = False,
    ) -> ApplyResult:
        """Ownership guard (one GET unless `existing` is given), then server-side apply."""
        ref, info = validate_manifest(manifest)
        before = (
            await self._get_or_none(ref, info)
            if existing is None
            else existing.get(existing_key(ref))
        )
        check_ownership(before, env_label(manifest), ref, adopt)
        body = _RESOURCES[info.kind](clone(dict(manifest)))
        live = await self._call(
            "apply",
            ref,
            lambda: self._client.apply(
                body,
                field_manager=FIELD_MANAGER,
                force=True,
                dry_run=dry_run,
            ),
        )
        after = _plain(live)
        return ApplyResult(ref=ref, action=apply_action(before, after, dry_run=dry_run), live=after)

    async def delete(self, ref: ObjectRef) -> DeleteResult:
        """DELETE; a 404 means it was already gone."""
        info = validate_ref(ref)
        resource = _RESOURCES[info.kind]
        try:
            await self._call(
                "delete",
                ref,
                lambda: self._client.delete(resource, ref.name, namespace=ref.namespace),
            )
        except ApiError as error:
            if error.status == 404:
                return DeleteResult(ref=ref, existed=False)
            raise
        return DeleteResult(ref=ref, existed=True)

    async def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        """GET; None on 404."""
        return await self._get_or_none(ref, validate_ref(ref))

    async def list(
        self,
        kind: str,
        namespace: str | None,
        label_selector: str | None = None,
        *,
        api_version: str | None = None,
    ) -> list[dict[str, Any]]:
        """One LIST (all pages) with the label selector passed to the server."""
        info = kind_info(kind, api_version)
        requirements = parse_selector(label_selector)
        resource = _RESOURCES[info.kind]
        # lightkube accepts (key, operator) pairs, which keep repeated keys a dict would merge.
        labels = cast(Any, _label_pairs(requirements) or None)
        where = None if not info.namespaced else (namespace or "*")

        async def collect() -> list[dict[str, Any]]:
            items = self._client.list(resource, namespace=where, labels=labels)
            return [_plain(item) async for item in items]

        what = f"{info.api_version}/{info.kind}"
        if info.namespaced:
            what += f" in namespace {namespace}" if namespace else " in all namespaces"
        return await self._call("list", None, collect, target=what)

    async def rollout_status(self, ref: ObjectRef) -> RolloutStatus:
        """The typed Deployment's generation and status counters."""
        require_deployment(ref)
        deployment = await self._call(
            "read the rollout status of",
            ref,
            lambda: self._client.get(Deployment, ref.name, namespace=ref.namespace),
        )
        return rollout_status_of(deployment.to_dict())

    async def access_review(
        self, namespace: str, verb: str, group: str, resource: str
    ) -> tuple[bool, str]:
        """SelfSubjectAccessReview: may this identity `verb` `resource` in `namespace`?"""
        review = SelfSubjectAccessReview(
            spec=SelfSubjectAccessReviewSpec(
                resourceAttributes=ResourceAttributes(
                    namespace=namespace,
                    verb=verb,
                    group="" if group == "core" else group,
                    resource=resource,
                )
            )
        )
        answer = await self._call(
            "create",
            None,
            lambda: self._client.create(review),
            target=f"a SelfSubjectAccessReview ({verb} {group}/{resource} in {namespace})",
        )
        status = answer.status
        if status is None:
            return False, "the API server returned no review status"
        return bool(status.allowed), status.reason or ""

    async def whoami(self) -> dict[str, Any]:
        """SelfSubjectReview: the identity the API server sees (`status.userInfo`)."""
        answer = await self._call(
            "create",
            None,
            lambda: self._client.create(SelfSubjectReview()),
            target="a SelfSubjectReview",
        )
        if answer.status is None or answer.status.userInfo is None:
            return {}
        return dict(answer.status.userInfo.to_dict())

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()
