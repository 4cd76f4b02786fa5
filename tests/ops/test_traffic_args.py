"""`traffic set` inline weights: `N`/`N%` percent, `Nbps` basis points, one percent rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greentic_deployer.ops.payloads import TrafficEntryPayload
from greentic_deployer.ops.traffic import entry_from_payload, parse_entry_arg
from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.errors import InvalidArgumentError

RID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _bps(weight: str) -> int:
    """The basis points an inline weight ends up as, through the payload path."""
    entry = TrafficEntryPayload.model_validate(parse_entry_arg(f"{RID}={weight}"))
    return entry_from_payload(entry).weight_bps


@pytest.mark.parametrize(
    ("weight", "bps"),
    [
        ("90", 9_000),
        ("10", 1_000),
        ("100", 10_000),
        ("0", 0),
        ("007", 700),
        ("25%", 2_500),
        ("12.5", 1_250),
        ("12.5%", 1_250),
        ("33.33%", 3_333),
        ("12.500%", 1_250),
        (" 40 % ", 4_000),
        ("100.00%", 10_000),
        # One percent rule for inline and payload: digits a double cannot hold are absorbed.
        ("33.3300000000000000001", 3_333),
        ("2500bps", 2_500),
        ("0bps", 0),
        (f"{U32_MAX}bps", U32_MAX),
    ],
)
def test_inline_weights_follow_the_reference_units(weight: str, bps: int) -> None:
    assert _bps(weight) == bps


def test_bare_inline_weights_are_percent() -> None:
    """`A=90 B=10` used to mean basis points and fail with "sum to 100 bps"."""
    assert parse_entry_arg(f"{RID}=90") == {"revision_id": RID, "weight_percent": 90.0}
    assert _bps("90") + _bps("10") == 10_000


@pytest.mark.parametrize(
    ("weight", "field", "rule"),
    [
        ("abc", "weight", "expected N or N%"),
        ("-5", "weight", "expected N or N%"),
        ("+5", "weight", "expected N or N%"),
        ("5 5", "weight", "expected N or N%"),
        ("%", "weight", "expected N or N%"),
        ("50%%", "weight", "expected N or N%"),
        ("5\n\n5", "weight", "expected N or N%"),
        ("٣", "weight", "expected N or N%"),
        ("12.5bps", "weight", "whole number"),
        (f"{U32_MAX + 1}bps", "weight", f"at most {U32_MAX}"),
        ("9" * 5000 + "bps", "weight", f"at most {U32_MAX}"),
        ("9" * 5000, "weight_percent", "between 0 and 100"),
    ],
)
def test_malformed_inline_weights_are_refused_when_parsed(
    weight: str, field: str, rule: str
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_entry_arg(f"{RID}={weight}")
    assert info.value.field == field
    assert rule in info.value.message


@pytest.mark.parametrize(
    ("weight", "rule"),
    [
        ("101", "between 0 and 100"),
        ("100.01%", "between 0 and 100"),
        ("12.345%", "whole number of basis points"),
        ("12.345", "whole number of basis points"),
    ],
)
def test_percent_out_of_rule_is_refused_by_the_one_percent_rule(weight: str, rule: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        _bps(weight)
    assert info.value.field == "weight_percent"
    assert rule in info.value.message


@pytest.mark.parametrize("text", ["nothing", "=50", f"{RID}=", ""])
def test_entry_shape_is_checked(text: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_entry_arg(text)
    assert info.value.field == "entry"


def test_revision_id_is_checked() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_entry_arg("not-a-ulid=50")
    assert info.value.field == "revision_id"


def test_revision_id_is_canonicalized() -> None:
    assert parse_entry_arg(f"{RID.lower()}=25%")["revision_id"] == RID


@given(st.integers(min_value=0, max_value=10_000))
def test_percent_and_bps_agree(bps: int) -> None:
    whole, cents = divmod(bps, 100)
    assert _bps(f"{whole}.{cents:02d}%") == bps
    assert _bps(f"{whole}.{cents:02d}") == bps
    assert _bps(f"{bps}bps") == bps
    if cents == 0:
        assert _bps(f"{whole}") == bps


@given(st.integers(min_value=10_001, max_value=99_999))
def test_percent_beyond_100_is_refused(hundredths: int) -> None:
    whole, cents = divmod(hundredths, 100)
    with pytest.raises(InvalidArgumentError, match="between 0 and 100"):
        _bps(f"{whole}.{cents:02d}%")
