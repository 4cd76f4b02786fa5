"""`clone`: the deep copy the cluster client and the emulator use for JSON-shaped objects."""

from __future__ import annotations

import copy
from typing import Any

from greentic_deployer.packs.k8s.clone import clone


def sample() -> dict[str, Any]:
    """A Deployment-like object with nesting, lists and every JSON scalar type."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "w", "labels": {"a": "b"}, "generation": 3},
        "spec": {
            "replicas": 2,
            "paused": False,
            "template": {"spec": {"containers": [{"name": "c", "args": ["x", "y"]}]}},
            "ratio": 0.5,
            "none": None,
        },
    }


def test_clone_equals_the_original_and_shares_nothing_with_it() -> None:
    original = sample()
    copied = clone(original)
    assert copied == original == sample()
    copied["metadata"]["labels"]["a"] = "changed"
    copied["spec"]["template"]["spec"]["containers"][0]["args"].append("z")
    assert original == sample()


def test_clone_keeps_shared_sub_objects_shared_as_deepcopy_does() -> None:
    shared = {"k": "v"}
    original = {"first": shared, "second": shared}
    for copied in (clone(original), copy.deepcopy(original)):
        assert copied["first"] is copied["second"] and copied["first"] is not shared
