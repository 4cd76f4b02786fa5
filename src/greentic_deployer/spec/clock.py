"""Timestamps: RFC 3339 UTC strings kept verbatim so documents round-trip byte-exact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from greentic_deployer.spec.checked import Checked

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real UTC clock."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always returns `moment` (tests, the conformance bench)."""
    return lambda: moment


def format_timestamp(moment: datetime) -> str:
    """Render like chrono's RFC 3339 with automatic sub-second precision and a `Z` suffix."""
    utc = moment.astimezone(UTC)
    base = utc.strftime("%Y-%m-%dT%H:%M:%S")
    micro = utc.microsecond
    if micro == 0:
        return base + "Z"
    if micro % 1000 == 0:
        return f"{base}.{micro // 1000:03d}Z"
    return f"{base}.{micro:06d}Z"


def parse_timestamp(value: str) -> datetime:
    """Parse an RFC 3339 timestamp (nanoseconds are truncated to microseconds)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:
        head, _, rest = text.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return moment


def _check(value: str) -> str:
    try:
        parse_timestamp(value)
    except ValueError as exc:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}") from exc
    return value


Timestamp = Annotated[str, Checked(_check)]
