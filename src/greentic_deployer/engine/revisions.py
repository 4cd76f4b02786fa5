"""Revision verbs: stage, warm (with its health gate), drain, archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from greentic_deployer.engine.checked import build, stamp, validated
from greentic_deployer.engine.errors import (
    ActiveTrafficReferenceError,
    DuplicateRevisionError,
    HealthGateFailedError,
)
from greentic_deployer.engine.lifecycle import (
    ARCHIVE_CHAIN,
    DRAIN_CHAIN,
    WARM_CHAIN,
    walk_chain,
)
from greentic_deployer.engine.lookup import (
    require_deployment,
    require_revision,
    with_deployment,
    with_revision,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import parse_ulid
from greentic_deployer.spec.revision import PLACEHOLDER_DIGEST, Lifecycle, PackListEntry, Revision

HEALTH_CHECKS: frozenset[str] = frozenset(
    {"route-table", "runtime-config", "signature-status", "provider-health"}
)


@dataclass(frozen=True)
class StageRequest:
    """Everything `stage_revision` records about a new revision (ids, pins, pointers)."""

    revision_id: str
    deployment_id: str
    bundle_digest: str = PLACEHOLDER_DIGEST
    bundle_source_uri: str | None = None
    pack_list: list[PackListEntry] = field(default_factory=list)
    pack_list_lock_ref: str = ""
    pack_config_refs: list[str] = field(default_factory=list)
    config_digest: str = PLACEHOLDER_DIGEST
    signature_sidecar_ref: str = "rev.sig"
    drain_seconds: int = 30


@dataclass(frozen=True)
class HealthGate:
    """A client-evaluated health-gate outcome carried by `warm_revision`."""

    passed: bool
    failed_checks: tuple[str, ...] = ()
    message: str = ""

    def __post_init__(self) -> None:
        if self.passed and self.failed_checks:
            raise InvalidArgumentError("failed_checks", "a passing gate names no failed checks")
        if not self.passed and not self.failed_checks:
            raise InvalidArgumentError("failed_checks", "a failed gate names at least one check")
        for check in self.failed_checks:
            if check not in HEALTH_CHECKS:
                raise InvalidArgumentError(
                    "failed_checks",
                    f"unknown health check; expected one of {', '.join(sorted(HEALTH_CHECKS))}",
                    check,
                )

    @classmethod
    def ok(cls) -> HealthGate:
        """A passing gate (what the CLI always sends)."""
        return cls(passed=True)

    @classmethod
    def failed(cls, failed_checks: Sequence[str], message: str) -> HealthGate:
        """A failing gate naming the checks that failed and why."""
        return cls(passed=False, failed_checks=tuple(failed_checks), message=message)


def _check_lock_ref(ref: str, revision_id: str) -> None:
    # A lock pointer outside the revision's own directory would let one revision pin another's
    # (or an arbitrary) file; the bundle path always writes revisions/<rid>/pack-list.lock.
    if not ref:
        return
    prefix = f"revisions/{revision_id}/"
    parts = ref.split("/")
    if not ref.startswith(prefix) or "\\" in ref or any(p in ("", ".", "..") for p in parts):
        raise InvalidArgumentError(
            "pack_list_lock_ref",
            f"must be empty or a relative path under {prefix}",
            ref,
        )


def stage_revision(
    env: Environment, request: StageRequest, now: datetime
) -> tuple[Environment, Revision]:
    """Create a `staged` revision of an existing deployment, appended after all others."""
    at = stamp(now)
    revision_id = parse_ulid(request.revision_id, "revision_id")
    deployment_id = parse_ulid(request.deployment_id, "deployment_id")
    if env.revision(revision_id) is not None:
        raise DuplicateRevisionError(env.environment_id, revision_id)
    deployment = require_deployment(env, deployment_id)
    _check_lock_ref(request.pack_list_lock_ref, revision_id)
    sequence = 1 + max(
        (r.sequence for r in env.revisions if r.deployment_id == deployment_id), default=0
    )
    fields: dict[str, Any] = {
        "revision_id": revision_id,
        "env_id": env.environment_id,
        "bundle_id": deployment.bundle_id,
        "deployment_id": deployment_id,
        "sequence": sequence,
        "created_at": at,
        "bundle_digest": request.bundle_digest,
        "bundle_source_uri": request.bundle_source_uri,
        "pack_list": list(request.pack_list),
        "pack_list_lock_ref": request.pack_list_lock_ref,
        "pack_config_refs": list(request.pack_config_refs),
        "config_digest": request.config_digest,
        "signature_sidecar_ref": request.signature_sidecar_ref,
        "lifecycle": Lifecycle.staged,
        "staged_at": at,
        "warmed_at": None,
        "drain_seconds": request.drain_seconds,
        "abort_metrics": [],
    }
    revision = build(Revision, "revision", **fields)
    staged = env.model_copy(update={"revisions": [*env.revisions, revision]})
    return validated(staged), revision


def warm_revision(
    env: Environment,
    revision_id: str,
    gate: HealthGate,
    expected_lifecycle: Lifecycle | None,
    now: datetime,
) -> tuple[Environment, Revision]:
    """Walk staged→warming→ready, applying `gate` only if the walk advanced."""
    at = stamp(now)
    start = require_revision(env, parse_ulid(revision_id, "revision_id"))
    walked_env, walked = walk_chain(env, start.revision_id, WARM_CHAIN, expected_lifecycle)
    advanced = start.lifecycle != Lifecycle.ready
    if advanced and not gate.passed:
        # The only committed-on-error path: the caller persists the flip, then reports it.
        # staged→failed and warming→failed are both matrix edges.
        failed = start.model_copy(update={"lifecycle": Lifecycle.failed})
        flipped = validated(with_revision(env, failed))
        raise HealthGateFailedError(failed.revision_id, gate.failed_checks, gate.message, flipped)
    # Success stamps warmed_at; an idempotent retry on a ready revision re-stamps it.
    warmed = walked.model_copy(update={"warmed_at": at})
    return validated(with_revision(walked_env, warmed)), warmed


def drain_revision(env: Environment, revision_id: str) -> tuple[Environment, Revision]:
    """Walk ready→draining; only the lifecycle changes."""
    return walk_chain(env, revision_id, DRAIN_CHAIN)


def archive_revision(env: Environment, revision_id: str) -> tuple[Environment, Revision]:
    """Walk to `archived` (via `inactive` when draining); refused while any split names it."""
    walked_env, archived = walk_chain(env, revision_id, ARCHIVE_CHAIN)
    rid = archived.revision_id
    references: list[dict[str, Any]] = [
        {"deployment_id": s.deployment_id, "bundle_id": s.bundle_id, "weight_bps": e.weight_bps}
        for s in walked_env.traffic_splits
        for e in s.entries
        if e.revision_id == rid
    ]
    if references:
        raise ActiveTrafficReferenceError(rid, references)
    deployment = walked_env.deployment(archived.deployment_id)
    if deployment is not None and rid in deployment.current_revisions:
        trimmed = deployment.model_copy(
            update={"current_revisions": [r for r in deployment.current_revisions if r != rid]}
        )
        walked_env = validated(with_deployment(walked_env, trimmed))
    return walked_env, archived
