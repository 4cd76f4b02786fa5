"""Tri-state `FieldUpdate` parsing."""

from __future__ import annotations

from typing import Any

import pytest

from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.field_update import FieldUpdate, parse_field_update


def test_null_is_keep() -> None:
    update = parse_field_update(None, "region")
    assert update == FieldUpdate.keep()
    assert update.action == "keep"
    assert update.apply("eu-west-1") == "eu-west-1"
    assert update.apply(None) is None


@pytest.mark.parametrize("value", ["us-east-1", "", 0, False, [1], {"nested": True}])
def test_value_is_set(value: Any) -> None:
    update = parse_field_update({"value": value}, "region")
    assert update.action == "set"
    assert update.value == value
    assert update.apply("eu-west-1") == value
    assert update.apply(None) == value


def test_clear_true_clears() -> None:
    update = parse_field_update({"clear": True}, "region")
    assert update.action == "clear"
    assert update.apply("eu-west-1") is None


def test_clear_false_keeps() -> None:
    update = parse_field_update({"clear": False}, "region")
    assert update == FieldUpdate.keep()
    assert update.apply("eu-west-1") == "eu-west-1"


def test_absent_is_keep_for_callers() -> None:
    payload: dict[str, Any] = {"name": {"value": "x"}}
    update = parse_field_update(payload.get("region"), "region")
    assert update.apply("kept") == "kept"


@pytest.mark.parametrize(
    ("raw", "rule_word"),
    [
        ({"value": "x", "clear": True}, "not both"),
        ({"value": "x", "clear": False}, "not both"),
        ({}, "needs"),
        ({"set": "x"}, "unknown"),
        ({"value": "x", "extra": 1}, "unknown"),
        ({"clear": True, "why": "x"}, "unknown"),
        ({"clear": "yes"}, "boolean"),
        ({"clear": 1}, "boolean"),
        ({"clear": None}, "boolean"),
        ("eu-west-1", "expected"),
        (["value", "x"], "expected"),
        (True, "expected"),
    ],
)
def test_rejections_name_field_and_rule(raw: Any, rule_word: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_field_update(raw, "host_config.region")
    err = info.value
    assert err.field == "host_config.region"
    assert rule_word in err.rule
    assert str(err).startswith("host_config.region: ")
    assert err.kind == "invalid-argument"
