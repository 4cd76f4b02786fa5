"""The revision transition matrix and the chain-walk primitive."""

from __future__ import annotations

from collections.abc import Sequence

from greentic_deployer.engine.checked import validated
from greentic_deployer.engine.errors import InvalidTransitionError, LifecycleConflictError
from greentic_deployer.engine.lookup import require_revision, with_revision
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.ids import parse_ulid
from greentic_deployer.spec.revision import Lifecycle, Revision

L = Lifecycle

ALLOWED_TRANSITIONS: dict[Lifecycle, frozenset[Lifecycle]] = {
    L.inactive: frozenset({L.staged, L.failed, L.archived}),
    L.staged: frozenset({L.warming, L.failed, L.archived}),
    L.warming: frozenset({L.ready, L.failed, L.archived}),
    L.ready: frozenset({L.draining, L.failed, L.archived}),
    L.draining: frozenset({L.inactive}),
    L.failed: frozenset({L.staged, L.archived}),
    L.archived: frozenset(),
}

Chain = Sequence[tuple[Lifecycle, Lifecycle]]

WARM_CHAIN: tuple[tuple[Lifecycle, Lifecycle], ...] = ((L.staged, L.warming), (L.warming, L.ready))
DRAIN_CHAIN: tuple[tuple[Lifecycle, Lifecycle], ...] = ((L.ready, L.draining),)
ARCHIVE_CHAIN: tuple[tuple[Lifecycle, Lifecycle], ...] = (
    (L.staged, L.archived),
    (L.warming, L.archived),
    (L.ready, L.archived),
    (L.failed, L.archived),
    (L.draining, L.inactive),
    (L.inactive, L.archived),
)


def is_allowed(src: Lifecycle, dst: Lifecycle) -> bool:
    """Whether `src -> dst` is an edge of the matrix (self-transitions never are)."""
    return dst in ALLOWED_TRANSITIONS[src]


def chain_starts(chain: Chain) -> list[Lifecycle]:
    """The distinct from-states of a chain, in chain order."""
    starts: list[Lifecycle] = []
    for src, _ in chain:
        if src not in starts:
            starts.append(src)
    return starts


def walk_chain(
    env: Environment,
    revision_id: str,
    chain: Chain,
    expected_start: Lifecycle | None = None,
) -> tuple[Environment, Revision]:
    """Walk `chain` once over the revision's lifecycle; the revision must end in the last `to`."""
    if not chain:
        raise ValueError("a lifecycle chain needs at least one edge")
    revision = require_revision(env, parse_ulid(revision_id, "revision_id"))
    start = revision.lifecycle
    final = chain[-1][1]
    if start == final:
        # Already there: an idempotent retry wins over a stale caller observation.
        return env, revision
    if expected_start is not None and start != expected_start:
        raise LifecycleConflictError(
            revision.revision_id,
            start,
            [expected_start],
            hint=f"it changed since it was observed as `{expected_start.value}`; "
            "re-read it and retry",
        )
    current = start
    for src, dst in chain:
        if current != src:
            continue
        if not is_allowed(src, dst):
            raise InvalidTransitionError(revision.revision_id, src, dst)
        current = dst
    if current != final:
        raise LifecycleConflictError(revision.revision_id, start, chain_starts(chain))
    moved = revision.model_copy(update={"lifecycle": current})
    return validated(with_revision(env, moved)), moved
