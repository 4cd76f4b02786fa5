"""The audit boundary: exactly one event per mutating verb, fail-closed once committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from greentic_deployer.ops.context import OpContext
from greentic_deployer.spec.documents import AuditEvent
from greentic_deployer.spec.errors import GreenticError, NotYetImplementedError, shorten
from greentic_deployer.store.audit import build_audit_event
from greentic_deployer.store.errors import AuditError, CommittedAfterSaveError

R = TypeVar("R")
log = logging.getLogger(__name__)
# How much of an unexpected exception's text an audit line keeps.
MAX_INTERNAL_DETAIL = 500


def _committed(exc: BaseException) -> bool:
    return bool(getattr(exc, "committed", False)) or isinstance(exc, CommittedAfterSaveError)


def audited(
    ctx: OpContext,
    env_id: str,
    noun: str,
    verb: str,
    target: dict[str, Any],
    action: Callable[[], R],
    *,
    idempotency_key: str | None = None,
    generations: Callable[[R], tuple[int | None, int | None]] | None = None,
    audit_success: bool = True,
) -> R:
    """Run `action` and append one audit event describing its outcome.

    With `audit_success=False` the action records its own success event (a verb that moves
    the environment directory must write the event where the log ends up).
    """
    try:
        result = action()
    except GreenticError as exc:
        if isinstance(exc, NotYetImplementedError):
            outcome: dict[str, Any] = {"outcome": "not-yet-implemented", "detail": exc.message}
        else:
            outcome = {"outcome": "error", "kind": exc.kind, "message": exc.message}
        _append(ctx, env_id, noun, verb, target, outcome, idempotency_key, None, None, exc)
        raise
    except Exception as exc:
        # An unexpected failure is still a failed attempt on the environment: record it the
        # way the envelope reports it, then let the envelope turn it into its error line.
        detail = shorten(str(exc), MAX_INTERNAL_DETAIL)
        outcome = {
            "outcome": "error",
            "kind": "store",
            "message": f"internal error: {type(exc).__name__}: {detail}",
        }
        _append(ctx, env_id, noun, verb, target, outcome, idempotency_key, None, None, exc)
        raise
    if audit_success:
        previous, new = generations(result) if generations else (None, None)
        _append(ctx, env_id, noun, verb, target, {"outcome": "ok"}, idempotency_key, previous, new)
    return result


def success_event(
    ctx: OpContext, env_id: str, noun: str, verb: str, target: dict[str, Any]
) -> AuditEvent:
    """An `ok` audit event for a verb that appends it itself."""
    return build_audit_event(
        env_id=env_id, noun=noun, verb=verb, target=target, result={"outcome": "ok"}, now=ctx.now()
    )


def _append(
    ctx: OpContext,
    env_id: str,
    noun: str,
    verb: str,
    target: dict[str, Any],
    outcome: dict[str, Any],
    idempotency_key: str | None,
    previous: int | None,
    new: int | None,
    failure: BaseException | None = None,
) -> None:
    committed = failure is None or _committed(failure)
    # A verb that failed before its environment existed has nowhere to be audited.
    if failure is not None and not ctx.store.exists(env_id):
        return
    try:
        event = build_audit_event(
            env_id=env_id,
            noun=noun,
            verb=verb,
            target=target,
            result=outcome,
            now=ctx.now(),
            idempotency_key=idempotency_key,
            previous_generation=previous,
            new_generation=new,
        )
        ctx.store.append_audit(env_id, event)
    except (GreenticError, OSError) as exc:
        if committed:
            raise AuditError(
                f"{noun} {verb} on `{env_id}` was committed but could not be audited: {exc}"
            ) from exc
        log.warning("audit append failed for a non-committed %s %s: %s", noun, verb, exc)
