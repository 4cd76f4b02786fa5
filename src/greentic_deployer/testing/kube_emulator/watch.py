"""Watch streams: newline-delimited `{"type","object"}` events over one chunked response."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from greentic_deployer.testing.kube_emulator import tables
from greentic_deployer.testing.kube_emulator.bodies import Target
from greentic_deployer.testing.kube_emulator.errors import bad_request
from greentic_deployer.testing.kube_emulator.selectors import field_matcher, label_matcher
from greentic_deployer.testing.kube_emulator.store import Event, Store

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


class WatchHub:
    """Wakes every open watch when the store changes or the server stops."""

    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.closing = False
        store.listeners.append(self.wake)

    def register(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        """A wake-up event for the calling watch."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        return entry

    def unregister(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        """Stop waking a finished watch."""
        with self._lock:
            self._waiters.discard(entry)

    def wake(self) -> None:
        """Wake every watch (safe from any thread)."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(event.set)

    def close(self) -> None:
        """End every open watch."""
        self.closing = True
        self.wake()


def _plain(kind: str, obj: Mapping[str, Any]) -> bytes:
    return (json.dumps({"type": kind, "object": obj}, separators=(",", ":")) + "\n").encode()


def _initial_events_end(target: Target, rv: int) -> bytes:
    marker = {
        "kind": target.rt.kind,
        "apiVersion": target.rt.api_version,
        "metadata": {
            "resourceVersion": str(rv),
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
    }
    return _plain("BOOKMARK", marker)


def _expired(rv: str, current: str) -> bytes:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: {rv} ({current})",
        "reason": "Expired",
        "code": 410,
    }
    return _plain("ERROR", status)


async def stream(
    store: Store,
    hub: WatchHub,
    target: Target,
    query: Mapping[str, str],
    receive: Receive,
    send: Send,
    *,
    as_table: bool = False,
) -> None:
    """Serve one watch until its timeout, the client leaving, or the server stopping.

    With `as_table`, each event's object is a one-row Table (kubectl get -w asks for that).
    """
    labels = label_matcher(query.get("labelSelector"))
    selector = query.get("fieldSelector")
    if target.name is not None:
        pinned = f"metadata.name={target.name}"
        selector = f"{selector},{pinned}" if selector else pinned
    fields = field_matcher(selector)

    first = [True]

    def line(kind: str, obj: Mapping[str, Any]) -> bytes:
        if not as_table:
            return _plain(kind, obj)
        shown = tables.table(
            target.rt.plural,
            [dict(obj)],
            str(obj["metadata"].get("resourceVersion", "")),
            store.clock(),
            full=query.get("includeObject") == "Object",
            headers=first[0],
        )
        first[0] = False
        return _plain(kind, shown)

    def matches(obj: Mapping[str, Any] | None) -> bool:
        return obj is not None and labels(obj) and fields(obj)

    def translate(event: Event) -> bytes | None:
        if event.resource != target.rt.plural:
            return None
        if target.namespace is not None and event.namespace != target.namespace:
            return None
        now, before = matches(event.obj), matches(event.prev)
        if event.type == "DELETED":
            return line("DELETED", event.obj) if before else None
        if now and before:
            return line("MODIFIED", event.obj)
        if now:
            return line("ADDED", event.obj)
        if before:
            return line("DELETED", event.obj)
        return None

    timeout = query.get("timeoutSeconds")
    loop = asyncio.get_running_loop()
    try:
        deadline = loop.time() + max(0.0, float(timeout)) if timeout else None
    except ValueError as exc:
        raise bad_request(f"timeoutSeconds must be a number of seconds, got {timeout!r}") from exc
    initial: list[bytes] = []
    requested = query.get("resourceVersion")
    with store.lock:
        current = int(store.current_rv())
        if requested in (None, "", "0") or query.get("sendInitialEvents") == "true":
            cursor = current
            initial = [
                line("ADDED", o)
                for o in store.items(target.rt.plural, target.namespace)
                if matches(o)
            ]
            if query.get("sendInitialEvents") == "true":
                # A streaming list ends its initial events with this bookmark.
                initial.append(_initial_events_end(target, current))
        else:
            try:
                cursor = int(requested)
            except ValueError:
                cursor = -1
            _, kept = store.events_after(cursor)
            if cursor < 0 or not kept:
                initial = [_expired(requested, str(current))]
                deadline = loop.time()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-cache")],
        }
    )
    entry = hub.register()
    disconnected = asyncio.ensure_future(receive())
    try:
        for chunk in initial:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        while True:
            entry[1].clear()
            events, _ = store.events_after(cursor)
            for event in events:
                cursor = event.rv
                encoded = translate(event)
                if encoded is not None:
                    await send({"type": "http.response.body", "body": encoded, "more_body": True})
            remaining = None if deadline is None else deadline - loop.time()
            if hub.closing or disconnected.done() or (remaining is not None and remaining <= 0):
                break
            woke = asyncio.ensure_future(entry[1].wait())
            await asyncio.wait(
                {woke, disconnected}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            woke.cancel()
        if not disconnected.done():
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        hub.unregister(entry)
        disconnected.cancel()
