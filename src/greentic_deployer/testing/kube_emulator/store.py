"""Objects, resourceVersion, generation and uid; the event log that watches read."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from greentic_deployer.packs.k8s.clone import clone
from greentic_deployer.testing.kube_emulator.resources import ResourceType
from greentic_deployer.testing.kube_emulator.ssa import Owners

Key = tuple[str, str | None, str]
"""(resource plural, namespace or None, name)."""

# Server-set metadata: never taken from a request body.
SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "managedFields",
    "selfLink",
)
EVENT_HISTORY = 10_000


@dataclass(frozen=True)
class Event:
    """One change, as a watch reports it."""

    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    resource: str
    namespace: str | None
    obj: dict[str, Any]
    prev: dict[str, Any] | None


def timestamp(epoch: float) -> str:
    """RFC 3339 seconds, as Kubernetes writes creationTimestamp."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spec_part(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything generation tracks: the object without metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Store:
    """Thread-safe object store with a global resourceVersion counter and an event log."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.objects: dict[Key, dict[str, Any]] = {}
        self.by_resource: dict[str, set[Key]] = {}
        self.owners: dict[Key, Owners] = {}
        self.rv = 0
        self.events: deque[Event] = deque(maxlen=EVENT_HISTORY)
        self.listeners: list[Callable[[], None]] = []

    def get(self, key: Key) -> dict[str, Any] | None:
        """A deep copy of the stored object, or None."""
        with self.lock:
            obj = self.objects.get(key)
            return clone(obj) if obj is not None else None

    def generation(self, key: Key) -> int | None:
        """The stored object's metadata.generation (None when absent), without copying it."""
        with self.lock:
            obj = self.objects.get(key)
            return None if obj is None else obj["metadata"].get("generation")

    def owners_of(self, key: Key) -> Owners:
        """A copy of the field ownership of one object (empty when absent)."""
        with self.lock:
            return {m: set(paths) for m, paths in self.owners.get(key, {}).items()}

    def items(self, resource: str, namespace: str | None) -> Iterator[dict[str, Any]]:
        """Deep copies of every object of a resource, in one namespace or all, by name."""
        with self.lock:
            keys = sorted(
                (
                    k
                    for k in self.by_resource.get(resource, ())
                    if namespace is None or k[1] == namespace
                ),
                key=lambda k: (k[1] or "", k[2]),
            )
            found = [clone(self.objects[k]) for k in keys]
        return iter(found)

    def keys_in_namespace(self, namespace: str) -> list[Key]:
        """Every key of a namespaced object in `namespace`."""
        with self.lock:
            return [k for k in self.objects if k[1] == namespace]

    def current_rv(self) -> str:
        """The latest resourceVersion, as a list reports it."""
        with self.lock:
            return str(self.rv)

    def prepare(
        self,
        rt: ResourceType,
        key: Key,
        new: dict[str, Any],
        *,
        deleting: bool = False,
    ) -> dict[str, Any]:
        """What `commit` would store (server metadata carried over), without storing it."""
        with self.lock:
            old = self.objects.get(key)
            new = clone(new)
            meta = new.setdefault("metadata", {})
            new["apiVersion"] = rt.api_version
            new["kind"] = rt.kind
            meta["name"] = key[2]
            if key[1] is not None:
                meta["namespace"] = key[1]
            else:
                meta.pop("namespace", None)
            stamp = meta.get("deletionTimestamp") if deleting else None
            if old is None:
                for field in SERVER_METADATA:
                    meta.pop(field, None)
                meta["uid"] = str(uuid.uuid4())
                meta["creationTimestamp"] = timestamp(self.clock())
                meta["generation"] = 1
            else:
                old_meta = old["metadata"]
                for field in SERVER_METADATA:
                    if field in old_meta:
                        meta[field] = old_meta[field]
                    else:
                        meta.pop(field, None)
                if spec_part(old) != spec_part(new):
                    meta["generation"] = int(old_meta.get("generation", 1)) + 1
            if stamp is not None:
                meta["deletionTimestamp"] = stamp
            return new

    def commit(
        self,
        rt: ResourceType,
        key: Key,
        new: dict[str, Any],
        owners: Owners | None = None,
        *,
        deleting: bool = False,
    ) -> dict[str, Any]:
        """Store `new` for `key`; resourceVersion moves only when something changed."""
        with self.lock:
            old = self.objects.get(key)
            new = self.prepare(rt, key, new, deleting=deleting)
            new_owners = owners if owners is not None else self.owners.get(key, {})
            new_owners = {m: set(p) for m, p in new_owners.items() if p}
            if old is not None and old == new and self.owners.get(key, {}) == new_owners:
                return clone(old)
            self.rv += 1
            new["metadata"]["resourceVersion"] = str(self.rv)
            self.objects[key] = new
            self.by_resource.setdefault(key[0], set()).add(key)
            self.owners[key] = new_owners
            self._emit("ADDED" if old is None else "MODIFIED", key, new, old)
            return clone(new)

    def remove(self, key: Key) -> dict[str, Any] | None:
        """Delete one object; the DELETED event carries a fresh resourceVersion."""
        with self.lock:
            old = self.objects.pop(key, None)
            self.owners.pop(key, None)
            if old is None:
                return None
            self.by_resource[key[0]].discard(key)
            self.rv += 1
            gone = clone(old)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            self._emit("DELETED", key, gone, old)
            return clone(gone)

    def events_after(self, rv: int) -> tuple[list[Event], bool]:
        """Events newer than `rv`, and whether `rv` is still inside the kept history."""
        with self.lock:
            if self.events and rv < self.events[0].rv - 1:
                return [], False
            found: list[Event] = []
            for event in reversed(self.events):
                if event.rv <= rv:
                    break
                found.append(event)
            found.reverse()
            return found, True

    def _emit(self, kind: str, key: Key, obj: dict[str, Any], prev: dict[str, Any] | None) -> None:
        # Stored objects are replaced on every write, never changed in place, so events
        # can share them instead of copying.
        self.events.append(Event(self.rv, kind, key[0], key[1], obj, prev))
        for wake in list(self.listeners):
            wake()
