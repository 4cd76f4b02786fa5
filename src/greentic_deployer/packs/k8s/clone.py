"""A deep copy of JSON-shaped Kubernetes objects, several times faster than `copy.deepcopy`."""

from __future__ import annotations

import pickle
from typing import TypeVar

T = TypeVar("T")


def clone(obj: T) -> T:
    """A deep copy of `obj` (plain dicts, lists and scalars), via a pickle round trip.

    Same result as `copy.deepcopy` for such data (shared sub-objects stay shared within the
    copy), at a fraction of its cost: manifests and live objects are copied on every apply.
    """
    copied: T = pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
    return copied
