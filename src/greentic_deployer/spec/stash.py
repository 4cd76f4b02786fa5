"""Inline one-step stash tokens: `inline://` + unpadded URL-safe base64 of compact JSON."""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

from pydantic import ValidationError

from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.json_bounds import loads_bounded
from greentic_deployer.spec.serde import SpecModel, dumps_compact

INLINE_PREFIX = "inline://"
M = TypeVar("M", bound=SpecModel)


class SnapshotMissingError(ConflictError):
    """No usable one-step stash exists."""


def encode_stash(document: SpecModel, clear_field: str) -> str:
    """Stash `document` with its own `clear_field` cleared so stashes never nest."""
    data: dict[str, Any] = document.to_json_dict()
    data.pop(clear_field, None)
    raw = dumps_compact(data).encode()
    return INLINE_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_stash(token: str | None, model: type[M], what: str) -> M:
    """Decode a stash token; anything unusable is 'snapshot missing'."""
    if not token or not token.startswith(INLINE_PREFIX):
        raise SnapshotMissingError(f"no previous {what} to roll back to (snapshot missing)")
    body = token[len(INLINE_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return model.model_validate(loads_bounded(raw))
    except (binascii.Error, ValueError, ValidationError) as exc:
        raise SnapshotMissingError(
            f"previous {what} stash is unreadable (snapshot missing): {exc}"
        ) from exc
