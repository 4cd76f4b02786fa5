"""Numeric bounds of the wire formats (imports nothing)."""

from __future__ import annotations

U32_MAX = 2**32 - 1
"""The largest value of an unsigned 32-bit field (weights, basis points, durations, counts)."""
