"""`KubeEmulator`: the state and the one raw ASGI application that serves it."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from greentic_deployer.testing.kube_emulator import access, discovery, routing, tables, watch
from greentic_deployer.testing.kube_emulator.access import AccessControl, AccessRule
from greentic_deployer.testing.kube_emulator.api import ResourceApi
from greentic_deployer.testing.kube_emulator.asgi import (
    Receive,
    Scope,
    Send,
    manager_from,
    read_body,
    send_json,
    send_raw,
)
from greentic_deployer.testing.kube_emulator.bodies import Target, apply_defaults, decode_body
from greentic_deployer.testing.kube_emulator.controller import (
    DeploymentController,
    RolloutMode,
    RolloutRule,
    check_rollout_mode,
)
from greentic_deployer.testing.kube_emulator.errors import (
    KubeError,
    method_not_allowed,
)
from greentic_deployer.testing.kube_emulator.faults import (
    RETRYABLE_REASONS,
    DroppedConnection,
    Fault,
    FaultBook,
)
from greentic_deployer.testing.kube_emulator.resources import REVIEW_RESOURCES, resource
from greentic_deployer.testing.kube_emulator.store import Store, timestamp

DROP_EXTENSION = "greentic.drop_connection"
"""Scope key under which the server offers a callable that aborts the connection."""
BUILTIN_NAMESPACES = ("default", "kube-system")
log = logging.getLogger(__name__)


class KubeEmulator:
    """An in-memory Kubernetes API server; `app` is its ASGI callable.

    `rollout_delay`: seconds from a Deployment spec change until its controller stand-in
    writes status (0 = at once, during the write). `latency_ms`: fixed delay per request.
    `tokens`: bearer token -> allow-rules (None = no authentication, everyone is admin).
    `terminating_seconds`: how long a deleted Namespace stays Terminating (0 = until the
    next tick). `rollout_rules`: (glob, mode) pairs; a Deployment matching a glob rolls out
    that way (`"stall"`, `"deadline"`) unless `script_rollout` says otherwise.
    `clock` (epoch seconds) and `sleep` are injectable so tests never wait. Namespaces
    `default` and `kube-system` exist from the start, as in a real cluster.
    """

    def __init__(
        self,
        *,
        rollout_delay: float = 0.0,
        latency_ms: int = 0,
        tokens: Mapping[str, Sequence[AccessRule]] | None = None,
        terminating_seconds: float = 0.0,
        rollout_rules: Sequence[RolloutRule] = (),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rollout_delay < 0 or terminating_seconds < 0 or latency_ms < 0:
            raise ValueError("rollout_delay, terminating_seconds and latency_ms must be >= 0")
        self.store = Store(clock)
        self.controller = DeploymentController(
            self.store, rollout_delay, self._schedule, rollout_rules
        )
        self.api = ResourceApi(self.store, self.controller, self._namespace_deleted)
        self.hub = watch.WatchHub(self.store)
        self.access = AccessControl(tokens)
        self.faults = FaultBook()
        self.latency_ms = latency_ms
        self.sleep = sleep
        self.terminating_seconds = terminating_seconds
        self.server_address = "127.0.0.1:0"
        self._terminating: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        for name in BUILTIN_NAMESPACES:
            namespace: dict[str, Any] = {"metadata": {"name": name}}
            apply_defaults(resource("namespaces"), namespace, True)
            self.store.commit(resource("namespaces"), ("namespaces", None, name), namespace)

    # ---- the Python API tests use -------------------------------------------------------

    @property
    def app(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """The ASGI callable."""
        return self.__call__

    @property
    def counters(self) -> collections.Counter[tuple[str, str]]:
        """Requests by (verb, plural or path): ("patch", "deployments"), ("discovery", "/api")."""
        return self.faults.counters

    @property
    def path_counters(self) -> collections.Counter[str]:
        """Requests by URL path."""
        return self.faults.path_counters

    def requests_by_verb(self) -> dict[str, int]:
        """Request counts summed per verb."""
        totals: collections.Counter[str] = collections.Counter()
        with self.faults.lock:
            for (verb, _), n in self.faults.counters.items():
                totals[verb] += n
        return dict(totals)

    def reset_counters(self) -> None:
        """Zero every counter."""
        self.faults.reset()

    def inject_fault(
        self,
        *,
        status: int | None = None,
        count: int = 1,
        verb: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        retry_after: int | None = None,
        drop_connection: bool = False,
    ) -> None:
        """Fail the next `count` requests matching verb/resource/name with `status` or a drop."""
        self.faults.add(Fault(status, count, verb, resource, name, retry_after, drop_connection))

    def set_latency(self, ms: int) -> None:
        """Delay every request by `ms` milliseconds from now on."""
        if ms < 0:
            raise ValueError(f"latency must be >= 0 ms, got {ms}")
        self.latency_ms = ms

    def script_rollout(
        self, namespace: str, name: str, mode: RolloutMode, delay: float | None = None
    ) -> None:
        """How this Deployment's rollouts end (ready, stall, deadline) and after what delay."""
        checked = check_rollout_mode(mode)
        with self.store.lock:
            script = self.controller.script(namespace, name)
            script.mode = checked
            script.delay = delay
            if self.store.get(("deployments", namespace, name)) is not None:
                self.controller.observe(namespace, name)

    def crash_loop(self, namespace: str, name: str) -> None:
        """Make this Deployment's pods crash-loop: not ready, restartCount rising."""
        with self.store.lock:
            self.controller.script(namespace, name).crash_since = self.store.clock()
            if self.store.get(("deployments", namespace, name)) is not None:
                self.controller.reconcile(namespace, name)

    def object(self, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The stored object (a copy), or None."""
        return self.store.get((resource, namespace, name))

    def tick(self) -> None:
        """Run whatever is due by the clock: rollouts, namespace finalization, crash counts."""
        with self.store.lock:
            now = self.store.clock()
            for namespace, when in list(self._terminating.items()):
                if when <= now:
                    del self._terminating[namespace]
                    self.api.finalize_namespace(namespace)
            self.controller.tick()

    def finish_terminating(self) -> None:
        """End every Namespace's Terminating phase now (delete what it holds, then it)."""
        with self.store.lock:
            for namespace in list(self._terminating):
                del self._terminating[namespace]
                self.api.finalize_namespace(namespace)

    def close(self) -> None:
        """End every open watch (the server is stopping)."""
        self.hub.close()

    # ---- timers ---------------------------------------------------------------------------

    def _namespace_deleted(self, namespace: str) -> None:
        self._terminating[namespace] = self.store.clock() + self.terminating_seconds
        self._schedule(self.terminating_seconds)

    def _schedule(self, delay: float) -> None:
        # Due work also runs lazily at the start of every request; the timer only makes
        # it happen while no request arrives (e.g. during a watch).
        with self._loop_lock:
            loop = self._loop
        if loop is None or loop.is_closed():
            return

        def arm() -> None:
            loop.call_later(max(delay, 0.0), self._tick_from_timer)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(arm)

    def _tick_from_timer(self) -> None:
        try:
            self.tick()
        except Exception:  # a timer must never kill the loop
            log.exception("kube emulator tick failed")

    # ---- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (http and lifespan)."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        with self._loop_lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.get_running_loop()
        body = await read_body(receive)
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._handle(scope, body, receive, tracked)
        except KubeError as exc:
            await send_json(send, exc.code, exc.status(), exc.headers)
        except DroppedConnection:
            raise
        except Exception as exc:
            # An emulator bug must still answer as an API server would, not with a bare 500.
            log.exception("kube emulator request failed")
            if started:
                raise
            error = KubeError(500, "InternalError", f"Internal error occurred: {exc}")
            await send_json(send, 500, error.status())

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                with self._loop_lock:
                    self._loop = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        method = str(scope["method"]).upper()
        path = str(scope["path"])
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.latency_ms:
            await self.sleep(self.latency_ms / 1000)
        self.tick()
        if path in routing.HEALTH_PATHS:
            await send_raw(send, 200, b"ok", "text/plain; charset=utf-8")
            return
        watching = query.get("watch") in ("1", "true")
        target = routing.target_for(path)
        if target is not None:
            verb, counted = routing.verb_for(method, target, watching), target.rt.plural
        elif routing.is_discovery(path):
            verb, counted = "discovery", path
        else:
            verb, counted = "unknown", path
        self.faults.count(verb, counted, path)
        fault = self.faults.take(verb, counted, target.name if target else None)
        if fault is not None:
            await self._fail(fault, scope, receive, send)
            return
        who = self.access.authenticate(headers.get("authorization"))
        if target is None:
            if method != "GET":
                raise method_not_allowed()
            await send_json(send, 200, discovery.answer(path, self.server_address))
            return
        if target.rt.plural in REVIEW_RESOURCES:
            await self._review(method, target, who, body, headers.get("content-type", ""), send)
            return
        sub = f"/{target.subresource}" if target.subresource else ""
        rt = target.rt
        if rt.namespaced and target.namespace is None and method != "GET":
            raise method_not_allowed(f"{method} needs a namespace: /namespaces/<ns>/{rt.plural}")
        if target.subresource and (method not in ("GET", "PUT", "PATCH") or watching):
            raise method_not_allowed(f"{method} is not supported on {rt.plural}{sub}")
        self.access.authorize(who, verb, rt.group, rt.plural + sub, target.namespace, target.name)
        if verb == "watch":
            as_table = tables.wants_table(headers.get("accept"))
            await watch.stream(
                self.store, self.hub, target, query, receive, send, as_table=as_table
            )
            return
        status, answer = self._dispatch(method, target, query, headers, body, who)
        await send_json(send, status, answer)

    def _dispatch(
        self,
        method: str,
        target: Target,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        who: access.Identity,
    ) -> tuple[int, dict[str, Any]]:
        rt = target.rt
        manager = query.get("fieldManager") or manager_from(headers.get("user-agent"))
        dry_run = query.get("dryRun") == "All"
        content_type = headers.get("content-type", "application/json")
        if method == "GET":
            answer = self.api.list(target, query) if target.name is None else self.api.get(target)
            if tables.wants_table(headers.get("accept")) and target.subresource is None:
                items = answer["items"] if target.name is None else [answer]
                rv = self.store.current_rv()
                full = query.get("includeObject") == "Object"
                answer = tables.table(rt.plural, items, rv, self.store.clock(), full=full)
            return 200, answer
        if method == "POST" and target.name is None:
            data = decode_body(body, content_type)
            return 201, self.api.create(target, data, manager, dry_run)
        if method == "PUT" and target.name is not None:
            data = decode_body(body, content_type)
            return 200, self.api.replace(target, data, manager, dry_run)
        if method == "PATCH" and target.name is not None:

            def can_create() -> None:
                self.access.authorize(
                    who, "create", rt.group, rt.plural, target.namespace, target.name
                )

            obj, created = self.api.patch(
                target, body, content_type, query, query.get("fieldManager"), can_create
            )
            return (201 if created else 200), obj
        if method == "DELETE":
            if target.name is None:
                return 200, self.api.delete_collection(target, query)
            return 200, self.api.delete(target, dry_run)
        raise method_not_allowed(f"{method} is not supported on {target.rt.plural}")

    async def _review(
        self,
        method: str,
        target: Target,
        who: access.Identity,
        body: bytes,
        content_type: str,
        send: Send,
    ) -> None:
        if method != "POST" or target.name is not None:
            raise method_not_allowed(f"only create is supported on {target.rt.plural}")
        if target.rt.plural == "selfsubjectreviews":
            answer = access.self_subject_review(who, timestamp(self.store.clock()))
        else:
            data = decode_body(body, content_type)
            if not isinstance(data, dict):
                raise KubeError(400, "BadRequest", "the body must be a SelfSubjectAccessReview")
            answer = access.self_subject_access_review(who, data)
        await send_json(send, 201, answer)

    async def _fail(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.drop_connection:
            drop = scope.get(DROP_EXTENSION)
            if drop is None:
                # In-process (no socket): fail as an HTTP client would see a dropped connection.
                raise DroppedConnection("Server disconnected without sending a response.")
            drop()
            while (await receive())["type"] != "http.disconnect":
                pass
            return
        assert fault.status is not None
        reason = RETRYABLE_REASONS.get(fault.status, "InternalError")
        headers: tuple[tuple[str, str], ...] = ()
        if fault.retry_after is not None:
            headers = (("retry-after", str(fault.retry_after)),)
        error = KubeError(
            fault.status, reason, f"injected fault: {reason} ({fault.status})", headers=headers
        )
        if fault.retry_after is not None:
            error.causes = [{"reason": "RetryAfterSeconds", "message": str(fault.retry_after)}]
        raise error


__all__ = ["KubeEmulator"]
