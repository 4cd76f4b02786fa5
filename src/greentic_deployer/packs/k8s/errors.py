"""Typed errors of the Kubernetes cluster seam; every one is a ProviderError (CLI kind `conflict`).

Each message names the object concerned and, for an HTTP failure, the status code, so an
operator can tell what failed without a traceback. `packs.k8s.cluster` re-exports them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greentic_deployer.packs.contract import ProviderError

if TYPE_CHECKING:
    from greentic_deployer.packs.k8s.object_ref import ObjectRef

ENV_LABEL = "greentic.ai/env"
UNCONFIGURED = "no Kubernetes API client is bound"


def _subject(ref: ObjectRef | None, target: str | None) -> str:
    if ref is not None:
        return f"`{ref}`"
    return target or "the Kubernetes API"


def _tries(attempts: int) -> str:
    return f" (gave up after {attempts} attempts)" if attempts > 1 else ""


class ClusterError(ProviderError):
    """Base of every error the cluster seam raises."""


class Unconfigured(ClusterError):
    """No cluster client is bound, so no provider work can be done (the default binding)."""

    def __init__(self, verb: str, ref: ObjectRef | None = None) -> None:
        target = "" if ref is None else f" `{ref}`"
        super().__init__(f"{UNCONFIGURED} (cannot {verb}{target})")
        self.verb = verb
        self.ref = ref


class InvalidManifestError(ClusterError):
    """A manifest cannot be addressed or is outside the closed kind table; nothing was sent."""

    def __init__(self, detail: str, ref: ObjectRef | None = None) -> None:
        prefix = "invalid manifest" if ref is None else f"invalid manifest `{ref}`"
        super().__init__(f"{prefix}: {detail}")
        self.ref = ref
        self.reason = detail


class ClusterConfigError(ClusterError):
    """The kubeconfig (or in-cluster identity) cannot be loaded or has no such context."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"cannot configure the Kubernetes client: {detail}")
        self.reason = detail


class ApiError(ClusterError):
    """The API server answered with an error status; keeps status, reason and its message."""

    def __init__(
        self,
        *,
        verb: str,
        status: int,
        reason: str,
        ref: ObjectRef | None,
        server_message: str,
        retry_after: float | None = None,
        target: str | None = None,
        attempts: int = 1,
    ) -> None:
        said = f": {server_message}" if server_message else ""
        super().__init__(
            f"{verb} {_subject(ref, target)} failed with HTTP {status} {reason}{said}"
            f"{_tries(attempts)}"
        )
        self.verb = verb
        self.status = status
        self.reason = reason
        self.ref = ref
        self.server_message = server_message
        self.retry_after = retry_after
        self.target = target
        self.attempts = attempts

    @property
    def retryable(self) -> bool:
        """429 (throttled) and 5xx are worth another try; other 4xx never are."""
        return self.status == 429 or self.status >= 500


class Unreachable(ClusterError):
    """No HTTP answer at all: refused, reset, timed out or TLS failure."""

    def __init__(
        self,
        *,
        verb: str,
        endpoint: str,
        detail: str,
        ref: ObjectRef | None,
        target: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(
            f"cannot {verb} {_subject(ref, target)}: the Kubernetes API at {endpoint} is "
            f"unreachable ({detail}){_tries(attempts)}"
        )
        self.target = target
        self.attempts = attempts
        self.verb = verb
        self.endpoint = endpoint
        # Narrows ProviderError.detail (the whole message) to what the transport reported.
        self.detail = detail
        self.ref = ref


class OwnershipConflict(ClusterError):
    """The live object is labelled with another environment; nothing was written."""

    def __init__(
        self, ref: ObjectRef, namespace: str | None, existing_env: str, incoming_env: str
    ) -> None:
        incoming = f"`{incoming_env}`" if incoming_env else "a manifest without that label"
        super().__init__(
            f"`{ref}` belongs to env `{existing_env}` ({ENV_LABEL}); refusing to apply {incoming} "
            "over it (nothing written)"
        )
        self.ref = ref
        self.namespace = namespace
        self.existing_env = existing_env
        self.incoming_env = incoming_env


class AdoptionRefused(ClusterError):
    """The live object carries no env label; taking it over needs an explicit adopt."""

    def __init__(self, ref: ObjectRef) -> None:
        super().__init__(
            f"`{ref}` already exists without a {ENV_LABEL} label, so it was not created by "
            "greentic-deployer; refusing to take it over (nothing written). Re-run with --adopt "
            "to adopt it, or delete it first"
        )
        self.ref = ref


class RolloutFailed(ClusterError):
    """The Deployment reported that its rollout cannot finish (ProgressDeadlineExceeded)."""

    def __init__(self, ref: ObjectRef, message: str) -> None:
        super().__init__(f"rollout of `{ref}` failed: {message}")
        self.ref = ref
        self.reason = message


class RolloutTimeout(ClusterError):
    """The Deployment did not complete within the wait's timeout (reference wording)."""

    def __init__(self, ref: ObjectRef, text: str) -> None:
        super().__init__(text)
        self.ref = ref
