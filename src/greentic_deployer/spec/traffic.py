"""Traffic splits in basis points."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from pydantic import Field

from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.clock import Timestamp
from greentic_deployer.spec.errors import (
    InvalidArgumentError,
    SpecError,
    SpecErrorCode,
    check_schema,
)
from greentic_deployer.spec.ids import EnvId, Ulid
from greentic_deployer.spec.serde import SpecModel

TRAFFIC_SPLIT_SCHEMA = "greentic.traffic-split.v1"
TOTAL_BPS = 10_000


_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def percent_to_bps(value: object, field: str = "weight_percent", *, shown: object = None) -> int:
    """The one percent rule, for `--answers` numbers and inline `N%` text alike.

    A percent is read as an IEEE double, exactly as a JSON or YAML number is, so both forms
    agree on every numeral (excess digits a double cannot hold are absorbed the same way).
    It must be finite, within 0..100, and its shortest decimal form a whole number of basis
    points (0.01 % steps): `12.34` is 1234 bps, `12.345` is refused. Errors quote `shown`
    (the input as the user typed it) when given.
    """
    quoted = value if shown is None else shown
    out_of_range = InvalidArgumentError(field, "percent must be between 0 and 100", quoted)
    number: float
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = float(value)  # a numeral too big for a double becomes inf: out of range
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any double
            raise out_of_range from None
        if not math.isfinite(number):
            raise InvalidArgumentError(
                field, "percent must be a finite number (not NaN or Infinity)", quoted
            )
    else:
        raise InvalidArgumentError(field, "percent must be a decimal number", quoted)
    if not 0 <= number <= 100:
        raise out_of_range
    bps = Decimal(repr(number)) * 100
    if bps != bps.to_integral_value():
        raise InvalidArgumentError(
            field, "percent must be a whole number of basis points (0.01% steps)", quoted
        )
    return int(bps)


class TrafficEntry(SpecModel):
    """One revision's share of a deployment's traffic."""

    revision_id: Ulid
    weight_bps: int = Field(ge=0, le=U32_MAX)


def check_basis_points(weights: list[int], what: str) -> None:
    """Each weight ≤ 10000 and the (unbounded-integer, so ≥ 64-bit) sum exactly 10000."""
    for weight in weights:
        if weight > TOTAL_BPS:
            raise SpecError(
                SpecErrorCode.BasisPointsEntryTooLarge,
                f"{what}: entry of {weight} bps exceeds {TOTAL_BPS}",
                value=weight,
            )
    total = sum(weights)
    if total != TOTAL_BPS:
        raise SpecError(
            SpecErrorCode.BasisPointsSum,
            f"{what}: weights sum to {total} bps, must be exactly {TOTAL_BPS}",
            sum=total,
        )


class TrafficSplit(SpecModel):
    """How one deployment's sessions are split across its revisions."""

    schema_: str = Field(default=TRAFFIC_SPLIT_SCHEMA, alias="schema")
    env_id: EnvId
    deployment_id: Ulid
    bundle_id: str
    generation: int = Field(default=0, ge=0)
    entries: list[TrafficEntry] = Field(default_factory=list)
    updated_at: Timestamp
    updated_by: str = "operator"
    idempotency_key: str
    authorization_ref: str = "auth.json"
    previous_split_ref: str | None = None

    def validate(self) -> None:  # type: ignore[override]
        """Discriminator, per-entry cap, exact sum, and no revision listed twice."""
        check_schema(self.schema_, TRAFFIC_SPLIT_SCHEMA)
        check_basis_points(
            [e.weight_bps for e in self.entries],
            f"traffic split of deployment {self.deployment_id}",
        )
        seen: set[str] = set()
        for entry in self.entries:
            if entry.revision_id in seen:
                raise SpecError(
                    SpecErrorCode.DuplicateSplitRevision,
                    f"revision {entry.revision_id} appears more than once in the split of "
                    f"deployment {self.deployment_id}",
                    revision_id=entry.revision_id,
                )
            seen.add(entry.revision_id)
