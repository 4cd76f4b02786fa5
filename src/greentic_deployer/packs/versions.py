"""Pack version requirements with Cargo semver semantics, on semantic-version.

Cargo syntax (`^0.1.0`, `>=1.0.0-dev, <2.0.0`, `~1.2`, `1.*`, a bare version meaning caret)
is translated to npm range syntax, whose pre-release rule is Cargo's: a pre-release only
matches when some comparator on the same major.minor.patch carries a pre-release itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import semantic_version

from greentic_deployer.spec.errors import InvalidArgumentError

_WILDCARDS = frozenset({"*", "x", "X"})
_NUMBER = re.compile(r"^(0|[1-9]\d*)$")
_PIECE = re.compile(r"^(?P<op>\^|~|=|>=|<=|>|<)?\s*(?P<version>\d[0-9A-Za-z.*-]*)$")


@dataclass(frozen=True)
class VersionRequirement:
    """A parsed requirement; `matches` never raises."""

    text: str
    spec: semantic_version.NpmSpec
    prerelease_bases: frozenset[tuple[int, int, int]]

    def __str__(self) -> str:
        return self.text

    def matches(self, version: str | semantic_version.Version) -> bool:
        """Whether `version` satisfies the requirement (unparseable versions never do)."""
        if isinstance(version, str):
            try:
                version = semantic_version.Version(version)
            except ValueError:
                return False
        if not self.spec.match(version):
            return False
        # The library lets `<1.2.3` admit `1.2.3-rc.1`; Cargo requires an explicit opt-in.
        base = (version.major, version.minor, version.patch)
        return not version.prerelease or base in self.prerelease_bases


def _translate(piece: str, text: str, field: str) -> tuple[str, tuple[int, int, int] | None]:
    match = _PIECE.match(piece)
    if match is None:
        raise InvalidArgumentError(field, f"invalid comparator {piece!r}", text)
    op, version = match["op"] or "", match["version"]
    parts = version.split(".")
    wild = next((i for i, p in enumerate(parts) if p in _WILDCARDS), None)
    if wild is not None:
        if any(p not in _WILDCARDS for p in parts[wild:]):
            raise InvalidArgumentError(field, f"a number follows a wildcard in {piece!r}", text)
        version, op = ".".join(parts[:wild]), op or "="  # `1.*` means `=1`, `>=1.*` means `>=1`
    elif not op:
        op = "^"  # Cargo's default operator
    core, dash, _pre = version.partition("-")
    numbers = core.split(".") if core else []
    if not 1 <= len(numbers) <= 3 or not all(_NUMBER.match(n) for n in numbers):
        raise InvalidArgumentError(field, f"invalid version in {piece!r}", text)
    base: tuple[int, int, int] | None = None
    if dash:
        if len(numbers) != 3:
            raise InvalidArgumentError(
                field, f"a pre-release needs major.minor.patch: {piece!r}", text
            )
        try:  # semantic-version checks the identifiers (none empty, no leading zeros)
            semantic_version.Version(version)
        except ValueError as exc:
            raise InvalidArgumentError(field, f"invalid pre-release in {piece!r}", text) from exc
        base = (int(numbers[0]), int(numbers[1]), int(numbers[2]))
    return f"{op}{version}", base


def parse_requirement(text: str, field: str = "supported_versions") -> VersionRequirement:
    """Parse a Cargo-style requirement; malformed text is an InvalidArgumentError on `field`."""
    stripped = text.strip()
    if not stripped:
        raise InvalidArgumentError(field, "version requirement must not be empty", text)
    if stripped in _WILDCARDS:
        return VersionRequirement(text, semantic_version.NpmSpec("*"), frozenset())
    pieces = [p.strip() for p in stripped.split(",")]
    if not all(pieces):
        raise InvalidArgumentError(field, "empty comparator in version requirement", text)
    translated = [_translate(p, text, field) for p in pieces]
    try:
        spec = semantic_version.NpmSpec(" ".join(t for t, _ in translated))
    except ValueError as exc:
        raise InvalidArgumentError(field, f"invalid version requirement ({exc})", text) from exc
    bases = frozenset(b for _, b in translated if b is not None)
    return VersionRequirement(text, spec, bases)


cached_requirement = lru_cache(maxsize=256)(parse_requirement)
