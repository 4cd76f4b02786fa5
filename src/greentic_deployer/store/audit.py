"""Audit events: building them and appending one line per event."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from pydantic import JsonValue, ValidationError

from greentic_deployer.spec.clock import format_timestamp, system_clock
from greentic_deployer.spec.documents import (
    AuditActor,
    AuditEvent,
    AuthorizationAllow,
    ResultError,
    ResultNotYetImplemented,
    ResultOk,
)
from greentic_deployer.spec.errors import GreenticError, NotYetImplementedError
from greentic_deployer.spec.ids import new_ulid
from greentic_deployer.spec.local import LOCAL_ENV_ID
from greentic_deployer.spec.parse import describe_validation_error
from greentic_deployer.spec.serde import dumps_compact
from greentic_deployer.store.errors import AuditError, LockTimeoutError
from greentic_deployer.store.locking import hold_lock
from greentic_deployer.store.paths import EnvLayout

AuditOutcome = ResultOk | ResultError | ResultNotYetImplemented

POLICY_LOCAL_ONLY = "local-only"
POLICY_LOCAL_OWNER = "local-owner"


def local_actor() -> AuditActor:
    """The local user: `$USER`/`$USERNAME` and, on POSIX, the process uid."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or None
    getuid = getattr(os, "getuid", None)
    return AuditActor(user=user, uid=getuid() if getuid is not None else None)


def local_authorization(env_id: str) -> AuthorizationAllow:
    """The local store always allows; the policy name records why."""
    if env_id == LOCAL_ENV_ID:
        return AuthorizationAllow(
            policy=POLICY_LOCAL_ONLY, reason="the `local` environment belongs to the local user"
        )
    return AuthorizationAllow(
        policy=POLICY_LOCAL_OWNER,
        reason="local store: access follows filesystem ownership of the store root",
    )


def audit_result(error: BaseException | None) -> AuditOutcome:
    """`ok`, `not-yet-implemented`, or `error` with the CLI error kind of `error`."""
    if error is None:
        return ResultOk()
    if isinstance(error, NotYetImplementedError):
        return ResultNotYetImplemented(detail=str(error))
    kind = error.kind if isinstance(error, GreenticError) else "store"
    return ResultError(kind=kind, message=str(error))


def redact_config_overrides(overrides: Mapping[str, Mapping[str, object]]) -> dict[str, list[str]]:
    """Override values may be secrets: audit only `{pack_id: [sorted keys]}`."""
    return {pack_id: sorted(overrides[pack_id]) for pack_id in sorted(overrides)}


def build_audit_event(
    *,
    env_id: str,
    noun: str,
    verb: str,
    target: JsonValue,
    result: AuditOutcome | Mapping[str, JsonValue],
    now: datetime | None = None,
    previous_generation: int | None = None,
    new_generation: int | None = None,
    idempotency_key: str | None = None,
) -> AuditEvent:
    """One local audit event: new ULID, local actor and policy, `ts` from `now` (else the clock)."""
    # `result` may be a result model or its JSON form ({"outcome": ...}); both validate alike.
    try:
        return AuditEvent(
            event_id=new_ulid(),
            ts=format_timestamp(now if now is not None else system_clock()),
            actor=local_actor(),
            env_id=env_id,
            noun=noun,
            verb=verb,
            target=target,
            previous_generation=previous_generation,
            new_generation=new_generation,
            idempotency_key=idempotency_key,
            authorization=local_authorization(env_id),
            result=result if not isinstance(result, Mapping) else dict(result),
        )
    except ValidationError as exc:
        raise AuditError(f"invalid audit event: {describe_validation_error(exc)}") from exc


def audit_line(event: AuditEvent) -> str:
    """Compact JSON, no newline; `target` is always present (null when empty)."""
    data = event.to_json_dict()
    if "target" not in data:
        items = list(data.items())
        after_verb = [key for key, _ in items].index("verb") + 1
        items.insert(after_verb, ("target", None))
        data = dict(items)
    return dumps_compact(data)


def append_audit_line(layout: EnvLayout, event: AuditEvent, lock_timeout: float) -> None:
    """Append exactly one line under the audit file's own lock, then flush and fsync."""
    if event.env_id != layout.env_id:
        raise AuditError(
            f"audit event for environment `{event.env_id}` cannot go to the log of "
            f"`{layout.env_id}`"
        )
    path = layout.audit_log
    data = (audit_line(event) + "\n").encode("utf-8")
    try:
        # A lock of its own (not the env lock) so verbs can audit inside a transaction.
        with hold_lock(path.with_name(path.name + ".lock"), lock_timeout):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
    except LockTimeoutError as exc:
        raise AuditError(f"could not append to {path}: {exc}") from exc
    except OSError as exc:
        raise AuditError(f"could not append to {path}: {exc.strerror or exc}") from exc
