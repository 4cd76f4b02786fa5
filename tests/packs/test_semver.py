"""Version requirements follow Cargo's semver rules."""

from __future__ import annotations

import pytest

from greentic_deployer.packs.registry import EnvPackHandler, parse_requirement
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.slots import CapabilitySlot

K8S_RANGE = ">=1.0.0-dev, <2.0.0"


@pytest.mark.parametrize(
    ("requirement", "version", "expected"),
    [
        # The k8s handler's range: releases 1.x, and pre-releases of 1.0.0 only.
        (K8S_RANGE, "1.0.0-dev", True),
        (K8S_RANGE, "1.0.0-dev.5", True),
        (K8S_RANGE, "1.0.0-alpha", False),  # below the `dev` pre-release
        (K8S_RANGE, "1.0.0", True),
        (K8S_RANGE, "1.1.0", True),
        (K8S_RANGE, "1.99.7", True),
        (K8S_RANGE, "1.1.0-dev", False),  # pre-release of another major.minor.patch
        (K8S_RANGE, "1.1.0-dev.27671069765", False),
        (K8S_RANGE, "2.0.0", False),
        (K8S_RANGE, "2.0.0-rc.1", False),
        (K8S_RANGE, "0.9.9", False),
        (">=1.0.0-dev,<2.0.0", "1.0.0-dev.5", True),  # whitespace is optional
        # Caret (also the default operator).
        ("^0.1.0", "0.1.0", True),
        ("^0.1.0", "0.1.7", True),
        ("^0.1.0", "0.2.0", False),
        ("^0.1.0", "1.0.0", False),
        ("^0.1.0", "0.1.1-dev", False),
        ("^0.1.0", "0.0.9", False),
        ("0.1.0", "0.1.5", True),
        ("^1.2.3", "1.9.0", True),
        ("^1.2.3", "1.2.2", False),
        ("^1.2.3", "2.0.0", False),
        ("^0.0.3", "0.0.3", True),
        ("^0.0.3", "0.0.4", False),
        ("^0.0", "0.0.9", True),
        ("^0.0", "0.1.0", False),
        ("^0", "0.9.9", True),
        ("^1.2", "1.9.9", True),
        ("^1.2", "1.1.0", False),
        ("^1.2.3-alpha.1", "1.2.3-alpha.2", True),
        ("^1.2.3-alpha.1", "1.2.3-alpha.1", True),
        ("^1.2.3-alpha.2", "1.2.3-alpha.10", True),  # numeric identifiers compare numerically
        ("^1.2.3-alpha.1", "1.2.3-alpha", False),
        ("^1.2.3-alpha.1", "1.2.3", True),
        ("^1.2.3-alpha.1", "1.2.4-alpha.1", False),
        # Tilde.
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("~1.2", "1.2.0", True),
        ("~1", "1.9.0", True),
        ("~1", "2.0.0", False),
        # Exact and comparisons, partial versions included.
        ("=1.2.3", "1.2.3", True),
        ("=1.2.3", "1.2.4", False),
        ("=1.2", "1.2.9", True),
        ("=1.2", "1.2.9-beta", False),
        (">1.2", "1.2.9", False),
        (">1.2", "1.3.0", True),
        (">=1.2", "1.2.0", True),
        ("<1.2", "1.1.9", True),
        ("<1.2", "1.2.0", False),
        ("<=1.2", "1.2.9", True),
        ("<=1.2.3", "1.2.3", True),
        ("<1.2.3", "1.2.3-rc.1", False),  # pre-release needs an opt-in on 1.2.3 itself
        # Wildcards.
        ("*", "9.9.9", True),
        ("*", "1.0.0-dev", False),
        ("1.*", "1.4.2", True),
        ("1.*", "2.0.0", False),
        ("1.2.x", "1.2.7", True),
        ("1.2.x", "1.3.0", False),
        (">=1.*", "1.0.0", True),  # an explicit operator keeps its meaning: `>=1`
        (">1.*", "1.9.0", False),
        (">1.*", "2.0.0", True),
        # Build metadata never takes part in matching.
        ("^1.0.0", "1.0.1+build.7", True),
    ],
)
def test_matching(requirement: str, version: str, expected: bool) -> None:
    assert parse_requirement(requirement).matches(version) is expected


@pytest.mark.parametrize(
    "requirement",
    [
        "",
        "  ",
        "abc",
        ">=1.0.0,",
        ",<2",
        "^01.2.3",
        "1.2-alpha",
        "1.2+build",
        "1.2.3-01",
        "1.2.3-a..b",
        "*.1",
        "1.*.3",
        "~>1.2",
        "1.2.3 2.0.0",
    ],
)
def test_malformed_requirements_are_rejected(requirement: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_requirement(requirement)
    assert caught.value.field == "supported_versions"


def test_unparseable_versions_never_match() -> None:
    assert not parse_requirement("*").matches("1.2")


def test_handler_supports_uses_the_same_rules() -> None:
    handler = EnvPackHandler(
        slot=CapabilitySlot.extension,
        descriptor_path="acme.ext.thing",
        supported_versions=K8S_RANGE,
    )
    assert handler.supports("1.0.0-dev.5")
    assert handler.supports("1.42.0")
    assert not handler.supports("1.1.0-dev")
    assert str(handler.requirement) == K8S_RANGE


def test_handler_with_a_bad_requirement_is_rejected_at_construction() -> None:
    with pytest.raises(InvalidArgumentError, match="supported_versions"):
        EnvPackHandler(
            slot=CapabilitySlot.extension, descriptor_path="acme.ext.thing", supported_versions="^x"
        )
