"""Loading YAML with bounded alias expansion and nesting, refused while parsing.

An alias bomb (`&a [x, x]`, `&b [*a, *a]`, … nine levels deep) is tiny on disk but expands
to billions of nodes for anything that walks the loaded value. The expanded size is counted
on the parser's event stream, where an alias costs the size of the node it names, so a bomb
is refused after a few thousand events and nothing is ever expanded.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's C parser where available; the pure-Python one otherwise (same results).
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Nodes a document may expand to (each scalar, sequence and mapping counts one; an alias
# counts the whole node it names). Far above any answers file, far below a bomb.
MAX_EXPANDED_NODES = 100_000
# The same bound as for JSON documents (spec/json_bounds.MAX_NESTING).
MAX_YAML_NESTING = 128


class YamlBoundsError(ValueError):
    """A YAML document whose aliasing or nesting exceeds the documented bounds."""


class BoundedSafeLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, refusing past the bounds before it composes a single node."""

    def __init__(self, stream: str | bytes) -> None:
        self._source = stream
        super().__init__(stream)

    def get_single_data(self) -> Any:
        """Check aliasing and nesting on the event stream, then compose and construct."""
        _check_events(self._source)
        return super().get_single_data()


def _check_events(text: str | bytes) -> None:
    """Walk the event stream counting expanded nodes and depth; refuse past the bounds."""
    sizes: dict[str, int] = {}  # anchor → expanded size of the (closed) node it names
    frames: list[list[Any]] = []  # open collections: [expanded size so far, anchor]
    expanded = 0

    def count(size: int) -> None:
        nonlocal expanded
        expanded += size
        if expanded > MAX_EXPANDED_NODES:
            raise YamlBoundsError(
                f"aliases expand the document past {MAX_EXPANDED_NODES} nodes (alias bomb?)"
            )
        if frames:
            frames[-1][0] += size

    for event in yaml.parse(text, Loader=_BASE_LOADER):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(frames) >= MAX_YAML_NESTING:
                raise YamlBoundsError(f"nesting is deeper than {MAX_YAML_NESTING} levels")
            if event.anchor is not None:
                # An alias to a node that is still open would make the value recursive.
                sizes.pop(event.anchor, None)
            count(1)
            frames.append([1, event.anchor])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            size, anchor = frames.pop()
            if anchor is not None:
                sizes[anchor] = size
            if frames:
                frames[-1][0] += size - 1  # the start event already counted the node itself
        elif isinstance(event, yaml.ScalarEvent):
            count(1)
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                raise YamlBoundsError(
                    f"alias *{event.anchor} is undefined or refers to its own enclosing node"
                )
            count(sizes[event.anchor])


def load_yaml_bounded(text: str) -> Any:
    """`yaml.safe_load` that refuses alias bombs, recursive aliases and deep nesting first.

    Raises YamlBoundsError (a ValueError) past the bounds, yaml.YAMLError for bad syntax.
    """
    try:
        return yaml.load(text, Loader=BoundedSafeLoader)
    except RecursionError:
        raise YamlBoundsError(f"nesting is deeper than {MAX_YAML_NESTING} levels") from None
