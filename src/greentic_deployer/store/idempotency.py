"""The bounded history of idempotency keys, kept in `<env>/idempotency.json`.

The environment document only remembers the key of each live traffic split, so a late
retry of an older key looked new. This side file remembers the last `HISTORY_LIMIT` keys
per scope (a deployment's traffic, a slot's binding), each with a digest per facet of the
request it named and the outcome it had. It has its own `schema`, so `environment.json`
keeps the reference's format, and a store without the file behaves as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, JsonValue

from greentic_deployer.spec.clock import format_timestamp
from greentic_deployer.spec.errors import ConflictError, SpecError, check_schema
from greentic_deployer.spec.serde import FreeJson, SortedMap, SpecModel, sort_json
from greentic_deployer.store.atomic import atomic_write_json
from greentic_deployer.store.errors import CorruptDocumentError
from greentic_deployer.store.loading import read_document
from greentic_deployer.store.paths import EnvLayout

HISTORY_SCHEMA = "greentic.idempotency-history.v1"
# Keys remembered per scope; the oldest beyond this are forgotten.
HISTORY_LIMIT = 1000


def request_digest(value: JsonValue) -> str:
    """`sha256:<hex>` of a JSON value in canonical form (sorted keys, no whitespace)."""
    canonical = json.dumps(sort_json(value), separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class KeyRecord(SpecModel):
    """One remembered key: the request facets it named and what it returned."""

    scope: str
    key: str
    request: SortedMap[str]
    outcome: FreeJson
    recorded_at: str


class KeyHistory(SpecModel):
    """`idempotency.json`: remembered keys, oldest first."""

    schema_: str = Field(default=HISTORY_SCHEMA, alias="schema")
    environment_id: str
    records: list[KeyRecord] = Field(default_factory=list)

    def find(self, scope: str, key: str) -> KeyRecord | None:
        """The record of `key` in `scope`, if remembered."""
        return next((r for r in self.records if r.scope == scope and r.key == key), None)


@dataclass(frozen=True)
class KeyClaim:
    """A mutation's key in its scope and the digests of its request facets."""

    scope: str
    key: str
    request: dict[str, str]
    # Names the mutation in a conflict message, e.g. "traffic set of deployment …".
    what: str
    # Builds the verb's own conflict error from the differing facets, when it has one.
    on_conflict: Callable[[list[str]], ConflictError] | None = None

    def check(self, record: KeyRecord) -> None:
        """Refuse a remembered key whose request differs; names the facets that do."""
        differing = sorted(
            facet
            for facet in set(self.request) | set(record.request)
            if self.request.get(facet) != record.request.get(facet)
        )
        if not differing:
            return
        if self.on_conflict is not None:
            raise self.on_conflict(differing)
        raise KeyReuseError(self.key, self.what, differing)


class KeyReuseError(ConflictError):
    """An idempotency key was already used for a different request."""

    def __init__(self, key: str, what: str, differing: list[str]) -> None:
        super().__init__(
            f"idempotency key `{key}` already used for {what} with a different "
            f"request ({', '.join(differing)} differ); use a new key for a new request"
        )
        self.key = key
        self.differing = differing


def load_history(layout: EnvLayout) -> KeyHistory | None:
    """The remembered keys, or None when the store has no history file."""
    path = layout.idempotency_json
    try:
        history = read_document(path, KeyHistory)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        check_schema(history.schema_, HISTORY_SCHEMA, path.name)
    except SpecError as exc:
        raise CorruptDocumentError.at(path, exc.message) from exc
    return history


def find_record(layout: EnvLayout, scope: str, key: str) -> KeyRecord | None:
    """The remembered record of `key` in `scope` (an unlocked read)."""
    history = load_history(layout)
    return None if history is None else history.find(scope, key)


def remember(layout: EnvLayout, claim: KeyClaim, outcome: JsonValue, now: datetime) -> None:
    """Add `claim` with its outcome and atomically rewrite the file (call under the env lock)."""
    history = load_history(layout) or KeyHistory(environment_id=layout.env_id)
    record = KeyRecord(
        scope=claim.scope,
        key=claim.key,
        request=claim.request,
        outcome=outcome,
        recorded_at=format_timestamp(now),
    )
    kept = [r for r in history.records if (r.scope, r.key) != (claim.scope, claim.key)]
    kept.append(record)
    same_scope = [r for r in kept if r.scope == claim.scope]
    if len(same_scope) > HISTORY_LIMIT:
        forget = {id(r) for r in same_scope[: len(same_scope) - HISTORY_LIMIT]}
        kept = [r for r in kept if id(r) not in forget]
    atomic_write_json(layout.idempotency_json, history.model_copy(update={"records": kept}))
