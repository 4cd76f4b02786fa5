"""Timestamps: chrono-style RFC 3339 rendering and parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from greentic_deployer.spec.clock import (
    fixed_clock,
    format_timestamp,
    parse_timestamp,
    system_clock,
)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 6, 1, 9, 5, 0, tzinfo=UTC), "2024-06-01T09:05:00Z"),
        (datetime(2024, 6, 1, 9, 5, 0, 500_000, tzinfo=UTC), "2024-06-01T09:05:00.500Z"),
        (datetime(2024, 6, 1, 9, 5, 0, 123_000, tzinfo=UTC), "2024-06-01T09:05:00.123Z"),
        (datetime(2024, 6, 1, 9, 5, 0, 1_000, tzinfo=UTC), "2024-06-01T09:05:00.001Z"),
        (datetime(2024, 6, 1, 9, 5, 0, 123_456, tzinfo=UTC), "2024-06-01T09:05:00.123456Z"),
        (datetime(2024, 6, 1, 9, 5, 0, 1, tzinfo=UTC), "2024-06-01T09:05:00.000001Z"),
        (datetime(2024, 6, 1, 9, 5, 0, 120_100, tzinfo=UTC), "2024-06-01T09:05:00.120100Z"),
        (
            datetime(2024, 6, 1, 11, 5, 0, tzinfo=timezone(timedelta(hours=2))),
            "2024-06-01T09:05:00Z",
        ),
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), "1999-12-31T23:59:59Z"),
    ],
)
def test_format_timestamp(moment: datetime, text: str) -> None:
    assert format_timestamp(moment) == text
    assert parse_timestamp(text) == moment


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("2024-06-01T09:05:00.123456789Z", 123_456),
        ("2024-06-01T09:05:00.000000001Z", 0),
        ("2024-06-01T09:05:00.999999999Z", 999_999),
        ("2024-06-01T09:05:00.1Z", 100_000),
        ("2024-06-01T09:05:00.12z", 120_000),
    ],
)
def test_parse_timestamp_with_fractions(text: str, micro: int) -> None:
    moment = parse_timestamp(text)
    assert moment == datetime(2024, 6, 1, 9, 5, 0, micro, tzinfo=UTC)
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)


def test_parse_timestamp_with_offset_and_nanoseconds() -> None:
    moment = parse_timestamp("2024-06-01T11:05:00.123456789+02:00")
    assert moment == datetime(2024, 6, 1, 9, 5, 0, 123_456, tzinfo=UTC)
    assert format_timestamp(moment) == "2024-06-01T09:05:00.123456Z"


@pytest.mark.parametrize("text", ["2024-06-01T09:05:00", "2024-06-01", "nope", ""])
def test_parse_timestamp_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_clocks() -> None:
    moment = datetime(2024, 6, 1, tzinfo=UTC)
    clock = fixed_clock(moment)
    assert clock() == moment
    assert clock() == moment
    now = system_clock()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
