"""Label selectors: every requirement form parses, round-trips and matches as the API server
does; anything else is refused before a request."""

from __future__ import annotations

import pytest

from greentic_deployer.packs.k8s.cluster import InvalidManifestError
from greentic_deployer.packs.k8s.label_selector import (
    Requirement,
    encode_selector,
    parse_selector,
    selector_matches,
)

LABELS = {"greentic.ai/env": "staging", "app.kubernetes.io/component": "worker"}


@pytest.mark.parametrize(
    ("selector", "parsed", "matches"),
    [
        ("greentic.ai/env=staging", Requirement("greentic.ai/env", "=", ("staging",)), True),
        ("greentic.ai/env==prod", Requirement("greentic.ai/env", "=", ("prod",)), False),
        ("greentic.ai/env!=prod", Requirement("greentic.ai/env", "!=", ("prod",)), True),
        ("missing!=x", Requirement("missing", "!=", ("x",)), True),
        ("greentic.ai/env", Requirement("greentic.ai/env", "exists"), True),
        ("!greentic.ai/env", Requirement("greentic.ai/env", "!exists"), False),
        (
            "app.kubernetes.io/component in (router, worker)",
            Requirement("app.kubernetes.io/component", "in", ("router", "worker")),
            True,
        ),
        (
            "app.kubernetes.io/component notin (worker)",
            Requirement("app.kubernetes.io/component", "notin", ("worker",)),
            False,
        ),
        ("tier=", Requirement("tier", "=", ("",)), False),
    ],
)
def test_each_requirement_form(selector: str, parsed: Requirement, matches: bool) -> None:
    assert parse_selector(selector) == (parsed,)
    assert selector_matches((parsed,), LABELS) is matches


def test_requirements_are_anded_and_commas_inside_sets_do_not_split() -> None:
    selector = "greentic.ai/env=staging,app.kubernetes.io/component in (router,worker),!legacy"
    requirements = parse_selector(selector)
    assert len(requirements) == 3
    assert encode_selector(requirements) == selector
    assert selector_matches(requirements, LABELS)
    assert not selector_matches(requirements, {**LABELS, "legacy": "1"})


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_selector_selects_everything(empty: str | None) -> None:
    assert parse_selector(empty) == ()
    assert selector_matches((), {})


@pytest.mark.parametrize(
    "bad", ["a in (", "a in ()", "=x", "a=b c", "a in (b,,c)", "a>1", "-a=b", "a=b,,c=d"]
)
def test_malformed_selector_is_refused(bad: str) -> None:
    with pytest.raises(InvalidManifestError, match="label selector"):
        parse_selector(bad)
