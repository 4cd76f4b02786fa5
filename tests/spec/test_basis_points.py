"""Basis-point arithmetic: each ≤ 10000, sum exactly 10000."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.errors import SpecError, SpecErrorCode
from greentic_deployer.spec.traffic import TOTAL_BPS, check_basis_points

u32 = st.integers(0, U32_MAX)
small = st.integers(0, TOTAL_BPS)


def outcome(weights: list[int]) -> SpecErrorCode | None:
    try:
        check_basis_points(weights, "split")
    except SpecError as exc:
        return exc.code
    return None


@given(st.lists(u32, max_size=12))
def test_passes_iff_all_in_range_and_sum_exact(weights: list[int]) -> None:
    expected_ok = all(w <= TOTAL_BPS for w in weights) and sum(weights) == TOTAL_BPS
    assert (outcome(weights) is None) == expected_ok


@given(st.lists(small, min_size=1, max_size=8))
def test_any_partition_of_10000_passes(prefix: list[int]) -> None:
    # Scale the prefix into a partition of exactly 10000.
    total = sum(prefix) or 1
    weights = [w * TOTAL_BPS // total for w in prefix]
    weights[-1] += TOTAL_BPS - sum(weights)
    assume(all(0 <= w <= TOTAL_BPS for w in weights))
    check_basis_points(weights, "split")


@given(st.lists(small, max_size=12))
def test_in_range_entries_fail_only_on_sum(weights: list[int]) -> None:
    code = outcome(weights)
    if sum(weights) == TOTAL_BPS:
        assert code is None
    else:
        assert code is SpecErrorCode.BasisPointsSum


@given(
    st.lists(u32, max_size=6),
    st.integers(TOTAL_BPS + 1, U32_MAX),
    st.lists(u32, max_size=6),
)
def test_entry_too_large_reported_before_sum(before: list[int], big: int, after: list[int]) -> None:
    with pytest.raises(SpecError) as info:
        check_basis_points([*before, big, *after], "split")
    assert info.value.code is SpecErrorCode.BasisPointsEntryTooLarge
    first_big = next(w for w in [*before, big] if w > TOTAL_BPS)
    assert info.value.details == {"value": first_big}


@given(st.integers(2, 64))
def test_huge_values_do_not_overflow(count: int) -> None:
    # A u32 sum wraps long before this; the check must still see every entry as too large.
    with pytest.raises(SpecError) as info:
        check_basis_points([U32_MAX] * count, "split")
    assert info.value.code is SpecErrorCode.BasisPointsEntryTooLarge


def test_sum_that_would_wrap_a_u32_is_not_10000() -> None:
    # Every entry is in range, but the sum is 2**32 + 10000: 10000 in wrapping u32 arithmetic.
    weights = [TOTAL_BPS] * 429_497 + [7_296]
    assert sum(weights) == 2**32 + TOTAL_BPS
    assert sum(weights) % 2**32 == TOTAL_BPS
    with pytest.raises(SpecError) as info:
        check_basis_points(weights, "split")
    assert info.value.code is SpecErrorCode.BasisPointsSum
    assert info.value.details == {"sum": 2**32 + TOTAL_BPS}


@pytest.mark.parametrize(
    ("weights", "code"),
    [
        ([], SpecErrorCode.BasisPointsSum),
        ([10_000], None),
        ([0, 10_000, 0], None),
        ([5_000, 5_000], None),
        ([9_999], SpecErrorCode.BasisPointsSum),
        ([10_001], SpecErrorCode.BasisPointsEntryTooLarge),
        ([10_000, 1], SpecErrorCode.BasisPointsSum),
        ([1, 10_001], SpecErrorCode.BasisPointsEntryTooLarge),
    ],
)
def test_table(weights: list[int], code: SpecErrorCode | None) -> None:
    assert outcome(weights) is code


def test_messages_name_what_was_checked() -> None:
    with pytest.raises(SpecError) as info:
        check_basis_points([1], "revenue_share of deployment X")
    assert str(info.value).startswith("BasisPointsSum: revenue_share of deployment X: ")
    assert info.value.kind == "spec"
