"""Injected faults and the request counters tests read."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import httpx
import httpx2

RETRYABLE_REASONS = {
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class DroppedConnection(httpx.RemoteProtocolError, httpx2.RemoteProtocolError):  # type: ignore[misc]
    """In-process stand-in for a dropped connection, as httpx and httpx2 (lightkube) see one."""


@dataclass
class Fault:
    """Fail the next `remaining` requests that match (None matches anything)."""

    status: int | None
    remaining: int
    verb: str | None = None
    resource: str | None = None
    name: str | None = None
    retry_after: int | None = None
    drop_connection: bool = False

    def matches(self, verb: str, resource: str, name: str | None) -> bool:
        """Whether a request falls under this fault."""
        return (
            (self.verb is None or self.verb == verb)
            and (self.resource is None or self.resource == resource)
            and (self.name is None or self.name == name)
        )


@dataclass
class FaultBook:
    """Pending faults (first match wins) and the counters, guarded by one lock."""

    faults: list[Fault] = field(default_factory=list)
    counters: Counter[tuple[str, str]] = field(default_factory=Counter)
    path_counters: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        if fault.status is None and not fault.drop_connection:
            raise ValueError("inject_fault needs a status or drop_connection=True")
        if fault.status is not None and not 400 <= fault.status <= 599:
            raise ValueError(f"inject_fault status must be an HTTP error code, got {fault.status}")
        if fault.remaining < 1:
            raise ValueError(f"inject_fault count must be at least 1, got {fault.remaining}")
        with self.lock:
            self.faults.append(fault)

    def count(self, verb: str, resource: str, path: str) -> None:
        """Record one request."""
        with self.lock:
            self.counters[(verb, resource)] += 1
            self.path_counters[path] += 1

    def take(self, verb: str, resource: str, name: str | None) -> Fault | None:
        """The fault this request triggers, if any (consuming one of its count)."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(verb, resource, name):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def reset(self) -> None:
        """Zero the counters."""
        with self.lock:
            self.counters.clear()
            self.path_counters.clear()
