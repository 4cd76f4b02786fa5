"""Byte counts for people: `700 MiB`, `1.5 KiB`, `999 B`."""

from __future__ import annotations

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(count: int) -> str:
    """Binary units; whole numbers stay whole, others keep one decimal (rounded)."""
    value = float(count)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            if unit == "B" or value == int(value):
                return f"{int(value)} {unit}"
            return f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns
