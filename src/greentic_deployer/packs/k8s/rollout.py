"""Waiting for a Deployment's rollout: kubectl's completeness rule, a poll loop, a status line.

The rule is `kubectl rollout status`'s, in its order, with the desired replica count taken from
the applied manifest (as the reference does) rather than from the live object. It implies the
reference's own rule (observed generation, updated ≥ desired, no lingering old replicas,
available ≥ desired) and adds two things: ProgressDeadlineExceeded fails at once, and every
updated replica must be available, not only `desired` of them.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console

from greentic_deployer.packs.k8s.cluster import (
    K8sCluster,
    RolloutFailed,
    RolloutStatus,
    RolloutTimeout,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef

DEFAULT_TIMEOUT_SECS = 300
POLL_SECS = 2.0
TIMEOUT_ENV = "GREENTIC_K8S_WARM_READY_TIMEOUT_SECS"
PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"

Progress = Callable[[str], None]
"""Receives one human line per poll while a rollout is not yet complete."""


@dataclass(frozen=True)
class RolloutVerdict:
    """One judgement of a rollout: done, failed for good, or still going (and why)."""

    done: bool
    failed: bool
    message: str


def _deadline_exceeded(status: RolloutStatus) -> dict[str, object] | None:
    for condition in status.conditions:
        if (
            condition.get("type") == "Progressing"
            and condition.get("reason") == PROGRESS_DEADLINE_EXCEEDED
        ):
            return condition
    return None


def judge_rollout(status: RolloutStatus, desired_replicas: int) -> RolloutVerdict:
    """Judge completeness in `kubectl rollout status` order (see the module docstring)."""
    if status.observed_generation is None or status.observed_generation < status.generation:
        return RolloutVerdict(False, False, "waiting for deployment spec update to be observed")
    condition = _deadline_exceeded(status)
    if condition is not None:
        message = condition.get("message")
        text = message if isinstance(message, str) and message else "exceeded its progress deadline"
        return RolloutVerdict(False, True, text)
    if status.updated_replicas < desired_replicas:
        return RolloutVerdict(
            False,
            False,
            f"{status.updated_replicas} out of {desired_replicas} new replicas have been updated",
        )
    if status.replicas > status.updated_replicas:
        old = status.replicas - status.updated_replicas
        return RolloutVerdict(False, False, f"{old} old replicas are pending termination")
    if status.available_replicas < status.updated_replicas:
        return RolloutVerdict(
            False,
            False,
            f"{status.available_replicas} of {status.updated_replicas} updated replicas are "
            "available",
        )
    return RolloutVerdict(True, False, "successfully rolled out")


def timeout_from_env(environ: Mapping[str, str] | None = None) -> float:
    """`GREENTIC_K8S_WARM_READY_TIMEOUT_SECS` as whole seconds; absent or unparseable → 300."""
    env = os.environ if environ is None else environ
    raw = env.get(TIMEOUT_ENV)
    if raw is None:
        return float(DEFAULT_TIMEOUT_SECS)
    text = raw.strip()
    # Whole, non-negative seconds only (the reference parses an unsigned integer).
    if not text.isascii() or not text.isdigit():
        return float(DEFAULT_TIMEOUT_SECS)
    return float(int(text))


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def timeout_message(
    ref: ObjectRef, timeout: float, status: RolloutStatus, desired_replicas: int
) -> str:
    """The reference's wording for a rollout that did not complete in time."""
    observed = "none" if status.observed_generation is None else str(status.observed_generation)
    lingering = max(status.replicas - status.updated_replicas, 0)
    return (
        f"worker `{ref}` did not become ready within {_seconds(timeout)}s "
        f"(observedGeneration {observed}/{status.generation}, "
        f"updatedReplicas {status.updated_replicas}/{desired_replicas}, "
        f"availableReplicas {status.available_replicas}/{desired_replicas}, "
        f"lingering old replicas {lingering})"
    )


async def wait_for_rollout(
    cluster: K8sCluster,
    ref: ObjectRef,
    desired_replicas: int,
    *,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    progress: Progress | None = None,
) -> RolloutStatus:
    """Poll until the rollout completes; RolloutFailed on a dead rollout, RolloutTimeout late."""
    limit = timeout_from_env() if timeout is None else timeout
    deadline = clock() + limit
    while True:
        # At least one read always happens, even with a zero timeout.
        status = await cluster.rollout_status(ref)
        verdict = judge_rollout(status, desired_replicas)
        if verdict.failed:
            raise RolloutFailed(ref, verdict.message)
        if verdict.done:
            return status
        remaining = deadline - clock()
        if remaining <= 0:
            raise RolloutTimeout(ref, timeout_message(ref, limit, status, desired_replicas))
        if progress is not None:
            progress(f"waiting for {ref}: {verdict.message}")
        await sleep(min(POLL_SECS, remaining))


@contextmanager
def status_line(console: Console | None = None) -> Iterator[Progress | None]:
    """A progress callback that refreshes one stderr line in place; None off a terminal."""
    out = Console(stderr=True) if console is None else console
    if not out.is_terminal:
        yield None
        return
    with out.status("waiting for rollout") as status:
        yield status.update
