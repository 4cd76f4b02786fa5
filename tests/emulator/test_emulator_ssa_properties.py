"""Properties of field ownership (ssa.apply / ssa.update) over generated objects."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from greentic_deployer.testing.kube_emulator import ssa

KEYS = st.sampled_from(["a", "b", "c", "d"])
LEAVES = st.one_of(st.integers(0, 3), st.sampled_from(["x", "y"]), st.lists(st.integers(0, 2)))
TREES: st.SearchStrategy[dict[str, Any]] = st.recursive(
    st.dictionaries(KEYS, LEAVES, max_size=3),
    lambda children: st.dictionaries(KEYS, st.one_of(LEAVES, children), max_size=3),
    max_leaves=8,
)


def config(spec: dict[str, Any]) -> dict[str, Any]:
    """An applied configuration with that spec."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n"}, "spec": spec}


def normal(spec: Any) -> Any:
    """Empty maps removed, as pruning leaves no empty parents."""
    if not isinstance(spec, dict):
        return spec
    kept = {k: normal(v) for k, v in spec.items()}
    return {k: v for k, v in kept.items() if v != {}}


@given(TREES, TREES)
def test_one_manager_ends_with_exactly_its_last_configuration(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    live, owners = ssa.apply(None, {}, "m", config(first), force=False)
    live, owners = ssa.apply(live, owners, "m", config(second), force=False)
    assert normal(live.get("spec", {})) == normal(second)
    assert owners.get("m", set()) == ssa.leaf_paths(config(second))


@given(TREES)
def test_reapplying_is_a_no_op(spec: dict[str, Any]) -> None:
    live, owners = ssa.apply(None, {}, "m", config(spec), force=False)
    again, owners_again = ssa.apply(live, owners, "m", config(spec), force=False)
    assert (again, owners_again) == (live, owners)


@given(TREES, TREES)
def test_force_never_conflicts_and_the_forcing_manager_wins(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    live, owners = ssa.apply(None, {}, "one", config(first), force=False)
    live, owners = ssa.apply(live, owners, "two", config(second), force=True)
    for path in ssa.leaf_paths(config(second)):
        wanted = ssa.get_path(config(second), path)
        if wanted != {}:  # an empty map claims only itself; others may fill it
            assert ssa.get_path(live, path) == wanted
        # Whatever `one` still owns there, it owns with the value `two` set (shared).
        for owned in owners.get("one", ()):
            if ssa.overlaps(owned, path) and wanted != {}:
                assert ssa.get_path(config(first), owned) == ssa.get_path(live, owned)


@given(TREES, TREES)
def test_without_force_a_conflict_changes_nothing_else_every_value_is_set(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    live, owners = ssa.apply(None, {}, "one", config(first), force=False)
    try:
        after, _ = ssa.apply(live, owners, "two", config(second), force=False)
    except ssa.ApplyConflict as conflict:
        assert conflict.conflicts
        assert all(c.manager == "one" for c in conflict.conflicts)
        return
    for path in ssa.leaf_paths(config(second)):
        wanted = ssa.get_path(config(second), path)
        if wanted != {}:
            assert ssa.get_path(after, path) == wanted
