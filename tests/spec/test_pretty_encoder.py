"""The fast pretty encoder writes what `json.dumps(indent=2)` would."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from greentic_deployer.spec.documents import EnvironmentRuntime
from greentic_deployer.spec.serde import dumps_pretty


def _json(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )


EXACT = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text()
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def _runtime(discovered: dict[str, Any]) -> EnvironmentRuntime:
    return EnvironmentRuntime(
        environment_id="local",
        discovered=discovered,
        generated_at="2026-01-01T00:00:00Z",
        generated_by="greentic.deployer.local-process@0.1.0",
    )


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json(EXACT), max_size=6))
def test_same_bytes_as_the_standard_encoder(discovered: dict[str, Any]) -> None:
    runtime = _runtime(discovered)
    expected = json.dumps(runtime.to_json_dict(), indent=2, ensure_ascii=False) + "\n"
    assert dumps_pretty(runtime) == expected


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json(EXACT | FLOATS), max_size=6))
def test_floats_keep_their_value(discovered: dict[str, Any]) -> None:
    # A float's spelling may differ (6.1e-05 vs 0.000061); its value never does.
    runtime = _runtime(discovered)
    assert json.loads(dumps_pretty(runtime)) == runtime.to_json_dict()
