"""ASGI plumbing: reading a request body, sending JSON or plain answers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def manager_from(user_agent: str | None) -> str:
    """The field manager of a non-apply write that names none."""
    # The API server names a non-apply writer after its user agent's program name.
    if not user_agent:
        return "unknown"
    return user_agent.split("/")[0] or "unknown"


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_raw(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: Sequence[tuple[str, str]] = (),
) -> None:
    """One complete response."""
    raw_headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_json(
    send: Send, status: int, answer: Mapping[str, Any], headers: Sequence[tuple[str, str]] = ()
) -> None:
    """One JSON response."""
    body = json.dumps(answer, separators=(",", ":")).encode()
    await send_raw(send, status, body, "application/json", headers)
