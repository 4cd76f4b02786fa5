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

from pydantic import JsonValue

from greentic_deployer.spec.clock import format_timestamp
from greentic_deployer.spec.errors import ConflictError, SpecError, check_schema
from greentic_deployer.spec.serde import sort_json
from greentic_deployer.store.atomic import atomic_write_bytes
from greentic_deployer.store.errors import CorruptDocumentError
from greentic_deployer.store.paths import EnvLayout

HISTORY_SCHEMA = "greentic.idempotency-history.v1"
# Keys remembered per scope; the oldest beyond this are forgotten.
HISTORY_LIMIT = 1000


def request_digest(value: JsonValue) -> str:
    """`sha256:<hex>` of a JSON value in canonical form (sorted keys, no whitespace)."""
    canonical = json.dumps(sort_json(value), separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyRecord:
    """One remembered key: the request facets it named and what it returned."""

    scope: str
    key: str
    request: dict[str, str]
    outcome: JsonValue
    recorded_at: str

    def to_json(self) -> dict[str, JsonValue]:
        """The on-disk form."""
        return {
            "scope": self.scope,
            "key": self.key,
            "request": dict(self.request),
            "outcome": self.outcome,
            "recorded_at": self.recorded_at,
        }


@dataclass(frozen=True)
class KeyHistory:
    """`idempotency.json`: remembered keys, oldest first."""

    environment_id: str
    records: list[KeyRecord]

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


def _record(raw: object, index: int) -> KeyRecord:
    if not isinstance(raw, dict):
        raise ValueError(f"records[{index}] must be an object")
    texts = {name: raw.get(name) for name in ("scope", "key", "recorded_at")}
    request = raw.get("request")
    if not all(isinstance(v, str) for v in texts.values()) or "outcome" not in raw:
        raise ValueError(f"records[{index}] needs string scope, key, recorded_at and an outcome")
    if not isinstance(request, dict) or not all(isinstance(v, str) for v in request.values()):
        raise ValueError(f"records[{index}].request must map facet names to digests")
    return KeyRecord(
        scope=str(texts["scope"]),
        key=str(texts["key"]),
        request={str(k): str(v) for k, v in request.items()},
        outcome=raw["outcome"],
        recorded_at=str(texts["recorded_at"]),
    )


def load_history(layout: EnvLayout) -> KeyHistory | None:
    """The remembered keys, or None when the store has no history file."""
    path = layout.idempotency_json
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise CorruptDocumentError.at(path, f"cannot be read ({exc.strerror})") from exc
    # Plain JSON rather than a model: the file holds up to 1,000 records per scope and is
    # read and rewritten by every keyed verb.
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise ValueError("must be a JSON object")
        try:
            check_schema(str(doc.get("schema")), HISTORY_SCHEMA, path.name)
        except SpecError as exc:
            raise ValueError(exc.message) from exc
        records = doc.get("records", [])
        if not isinstance(records, list):
            raise ValueError("records must be a list")
        env_id = doc.get("environment_id")
        if env_id != layout.env_id:
            raise ValueError(f"environment_id must be {layout.env_id!r}, got {env_id!r}")
        return KeyHistory(layout.env_id, [_record(r, i) for i, r in enumerate(records)])
    except ValueError as exc:
        raise CorruptDocumentError.at(path, str(exc)) from exc


def find_record(layout: EnvLayout, scope: str, key: str) -> KeyRecord | None:
    """The remembered record of `key` in `scope` (an unlocked read)."""
    history = load_history(layout)
    return None if history is None else history.find(scope, key)


def remember(
    layout: EnvLayout,
    history: KeyHistory | None,
    claim: KeyClaim,
    outcome: JsonValue,
    now: datetime,
) -> None:
    """Add `claim` to `history` (as loaded under the env lock) and atomically rewrite the file."""
    record = KeyRecord(
        scope=claim.scope,
        key=claim.key,
        request=claim.request,
        outcome=outcome,
        recorded_at=format_timestamp(now),
    )
    previous = history.records if history is not None else []
    kept = [r for r in previous if (r.scope, r.key) != (claim.scope, claim.key)]
    kept.append(record)
    same_scope = [r for r in kept if r.scope == claim.scope]
    if len(same_scope) > HISTORY_LIMIT:
        forget = {id(r) for r in same_scope[: len(same_scope) - HISTORY_LIMIT]}
        kept = [r for r in kept if id(r) not in forget]
    doc = {
        "schema": HISTORY_SCHEMA,
        "environment_id": layout.env_id,
        "records": [r.to_json() for r in kept],
    }
    # Compact, one C-encoder pass: this machine-kept file can hold thousands of records.
    data = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    atomic_write_bytes(layout.idempotency_json, data.encode("utf-8"))
