"""Env-pack handlers and the registry that resolves bound kinds to them (reference §5.2).

A handler declares the slot it serves, its descriptor path, the versions it implements (a Cargo
`semver` requirement), and optional capabilities: preflight tool checks, a credentials contract
(mandatory for deployers), a wizard spec, a deployer factory and a manifest renderer. Third-party
packs register through the `greentic_deployer.env_packs` entry-point group.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import semantic_version

from greentic_deployer.packs.contract import (
    Deployer,
    InvalidAnswersError,
    JsonObject,
    ManifestRenderer,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, GreenticError, InvalidArgumentError
from greentic_deployer.spec.ids import check_descriptor_path, parse_pack_descriptor
from greentic_deployer.spec.slots import CapabilitySlot

__all__ = [
    "ENTRY_POINT_GROUP",
    "CapabilityProbe",
    "Comparator",
    "CredentialsContract",
    "DeployerMissingCredentialsError",
    "DuplicateRegistrationError",
    "EnvPackHandler",
    "EnvPackRegistry",
    "EnvPackWarning",
    "ManifestRenderer",
    "RegistryError",
    "SlotMismatchError",
    "ToolCheck",
    "UnknownKindError",
    "VersionRequirement",
    "VersionUnsupportedError",
    "WizardQuestion",
    "WizardSpec",
    "credentials_requirements",
    "doctor_bindings",
    "load_entry_point_handlers",
    "parse_requirement",
]

ENTRY_POINT_GROUP = "greentic_deployer.env_packs"


# -- version requirements (Cargo `semver` semantics) -------------------------------------------
#
# semantic-version parses versions and orders pre-releases, but its specs let a pre-release
# satisfy any range it falls into (`1.1.0-dev` matches `>=1.0.0-dev, <2.0.0`). The reference
# uses the Rust `semver` crate, where a pre-release version only matches when some comparator
# has the same major.minor.patch and a pre-release of its own. So requirements are parsed and
# matched comparator by comparator, as the crate does.

_COMPARATOR = re.compile(
    r"""^(?P<op>>=|<=|=|>|<|~|\^)?\s*
    (?P<major>\d+|[*xX])
    (?:\.(?P<minor>\d+|[*xX]))?
    (?:\.(?P<patch>\d+|[*xX]))?
    (?:-(?P<pre>[0-9A-Za-z.-]+))?
    (?:\+(?P<build>[0-9A-Za-z.-]+))?$""",
    re.VERBOSE,
)
_WILDCARDS = frozenset({"*", "x", "X"})

_PreKey = tuple[int, tuple[tuple[int, int | str], ...]]


def _pre_key(pre: Iterable[str]) -> _PreKey:
    """SemVer precedence: no pre-release sorts highest; numeric ids sort below alphanumeric."""
    ids = tuple(pre)
    if not ids:
        return (1, ())
    return (0, tuple((0, int(p)) if p.isdigit() else (1, p) for p in ids))


class Op(StrEnum):
    """A comparator operator (a bare version means caret; `1.*` is a wildcard)."""

    exact = "="
    greater = ">"
    greater_eq = ">="
    less = "<"
    less_eq = "<="
    tilde = "~"
    caret = "^"
    wildcard = "*"


@dataclass(frozen=True)
class Comparator:
    """One comparator; `minor`/`patch` are None when the version was partial."""

    op: Op
    major: int
    minor: int | None
    patch: int | None
    pre: tuple[str, ...]

    def matches(self, v: semantic_version.Version) -> bool:
        """Whether `v` satisfies this comparator alone (the pre-release opt-in aside)."""
        if self.op in (Op.exact, Op.wildcard):
            return self._exact(v)
        if self.op is Op.greater:
            return self._order(v) > 0
        if self.op is Op.greater_eq:
            return self._exact(v) or self._order(v) > 0
        if self.op is Op.less:
            return self._order(v) < 0
        if self.op is Op.less_eq:
            return self._exact(v) or self._order(v) < 0
        if self.op is Op.tilde:
            return self._tilde(v)
        return self._caret(v)

    def admits_prerelease_of(self, v: semantic_version.Version) -> bool:
        """A pre-release comparator on exactly `v`'s major.minor.patch opts pre-releases in."""
        return bool(self.pre) and (self.major, self.minor, self.patch) == (
            v.major,
            v.minor,
            v.patch,
        )

    def _pre_cmp(self, v: semantic_version.Version) -> int:
        theirs, ours = _pre_key(v.prerelease), _pre_key(self.pre)
        return (theirs > ours) - (theirs < ours)

    def _order(self, v: semantic_version.Version) -> int:
        """-1/0/+1 of `v` against this comparator; a missing part compares equal (0)."""
        for ours, theirs in ((self.major, v.major), (self.minor, v.minor), (self.patch, v.patch)):
            if ours is None:
                return 0
            if theirs != ours:
                return 1 if theirs > ours else -1
        return self._pre_cmp(v)

    def _exact(self, v: semantic_version.Version) -> bool:
        if v.major != self.major:
            return False
        if self.minor is not None and v.minor != self.minor:
            return False
        if self.patch is not None and v.patch != self.patch:
            return False
        return self._pre_cmp(v) == 0

    def _tilde(self, v: semantic_version.Version) -> bool:
        if v.major != self.major:
            return False
        if self.minor is not None and v.minor != self.minor:
            return False
        if self.patch is not None and v.patch != self.patch:
            return bool(v.patch > self.patch)
        return self._pre_cmp(v) >= 0

    def _caret(self, v: semantic_version.Version) -> bool:
        if v.major != self.major:
            return False
        if self.minor is None:
            return True
        if self.patch is None:
            return bool(v.minor >= self.minor) if self.major > 0 else v.minor == self.minor
        if self.major > 0:
            if v.minor != self.minor:
                return bool(v.minor > self.minor)
            if v.patch != self.patch:
                return bool(v.patch > self.patch)
        elif self.minor > 0:
            if v.minor != self.minor:
                return False
            if v.patch != self.patch:
                return bool(v.patch > self.patch)
        elif (v.minor, v.patch) != (self.minor, self.patch):
            return False
        return self._pre_cmp(v) >= 0


@dataclass(frozen=True)
class VersionRequirement:
    """Comma-separated comparators that must all match; `*` has none and matches releases."""

    text: str
    comparators: tuple[Comparator, ...]

    def __str__(self) -> str:
        return self.text

    def matches(self, version: str | semantic_version.Version) -> bool:
        """Cargo semantics; an unparseable version string never matches."""
        if isinstance(version, str):
            try:
                version = semantic_version.Version(version)
            except ValueError:
                return False
        if not all(c.matches(version) for c in self.comparators):
            return False
        if not version.prerelease:
            return True
        return any(c.admits_prerelease_of(version) for c in self.comparators)


def _number(part: str | None, text: str, requirement: str, field_name: str) -> int | None:
    if part is None:
        return None
    if len(part) > 1 and part.startswith("0"):
        raise InvalidArgumentError(
            field_name, f"leading zero in version number {part!r} of {text!r}", requirement
        )
    return int(part)


def _parse_comparator(text: str, requirement: str, field_name: str) -> Comparator:
    match = _COMPARATOR.match(text)
    if match is None:
        raise InvalidArgumentError(field_name, f"invalid comparator {text!r}", requirement)
    raw_op, pre = match["op"], match["pre"]
    parts: list[str | None] = [match["major"], match["minor"], match["patch"]]
    wild = next((i for i, p in enumerate(parts) if p in _WILDCARDS), None)
    if wild is not None:
        if wild == 0:
            raise InvalidArgumentError(
                field_name, "a bare `*` must be the whole requirement", requirement
            )
        if any(p is not None and p not in _WILDCARDS for p in parts[wild:]):
            raise InvalidArgumentError(
                field_name, f"a number follows a wildcard in {text!r}", requirement
            )
        parts = parts[:wild] + [None] * (3 - wild)
    if (pre is not None or match["build"] is not None) and None in parts:
        raise InvalidArgumentError(
            field_name,
            f"a pre-release or build suffix needs a full major.minor.patch in {text!r}",
            requirement,
        )
    if pre is not None:
        try:  # semantic-version checks the identifiers (none empty, no leading zeros)
            semantic_version.Version(f"0.0.0-{pre}")
        except ValueError as exc:
            raise InvalidArgumentError(
                field_name, f"invalid pre-release {pre!r} in {text!r}", requirement
            ) from exc
    major, minor, patch = (_number(p, text, requirement, field_name) for p in parts)
    assert major is not None  # the regex requires a major and a wildcard there was rejected
    # As in the crate, a wildcard only changes a bare comparator: `>=1.*` means `>=1`.
    op = Op(raw_op) if raw_op else Op.wildcard if wild is not None else Op.caret
    return Comparator(op, major, minor, patch, tuple(pre.split(".")) if pre else ())


def parse_requirement(text: str, field_name: str = "supported_versions") -> VersionRequirement:
    """Parse `^0.1.0`, `>=1.0.0-dev, <2.0.0`, `~1.2`, `1.*`, `*` … like the semver crate."""
    stripped = text.strip()
    if not stripped:
        raise InvalidArgumentError(field_name, "version requirement must not be empty", text)
    if stripped in _WILDCARDS:
        return VersionRequirement(text, ())
    pieces = [p.strip() for p in stripped.split(",")]
    if not all(pieces):
        raise InvalidArgumentError(field_name, "empty comparator in version requirement", text)
    return VersionRequirement(text, tuple(_parse_comparator(p, text, field_name) for p in pieces))


_cached_requirement = lru_cache(maxsize=256)(parse_requirement)


# -- handler capabilities ------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCheck:
    """One external tool a pack needs on the operator's machine, and whether it was found."""

    tool: str
    found: bool
    detail: str


@dataclass(frozen=True)
class CapabilityProbe:
    """The result of probing one credential capability."""

    id: str
    passed: bool
    detail: str


class CredentialsContract(Protocol):
    """What a deployer needs to run: probed capabilities, material, bootstrap support."""

    def capabilities(self) -> list[str]:
        """The capability ids `probe` reports, in order."""
        ...

    @property
    def requires_material(self) -> bool:
        """Whether the env must bind credential material (`credentials_ref`)."""
        ...

    @property
    def bootstrap_supported(self) -> bool:
        """Whether `op credentials bootstrap` can provision credentials for this pack."""
        ...

    async def probe(self, env: Environment, env_dir: Path) -> list[CapabilityProbe]:
        """Probe every capability against `env`, whose store directory is `env_dir`."""
        ...


@dataclass(frozen=True)
class WizardQuestion:
    """One wizard question; answers are recorded on the binding keyed by `id`."""

    id: str
    required: bool = False
    default: str | None = None
    help: str = ""
    pattern: str | None = None
    check: Callable[[str], None] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The question as the CLI shows it (optional fields omitted)."""
        shown: dict[str, Any] = {"id": self.id, "required": self.required, "help": self.help}
        if self.default is not None:
            shown["default"] = self.default
        if self.pattern is not None:
            shown["pattern"] = self.pattern
        return shown


@dataclass(frozen=True)
class WizardSpec:
    """A pack's wizard (QA spec): an id and its questions."""

    id: str
    questions: tuple[WizardQuestion, ...]
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The spec as the CLI shows it."""
        return {
            "id": self.id,
            "title": self.title,
            "questions": [q.to_dict() for q in self.questions],
        }

    def resolve(self, answers: object) -> JsonObject:
        """Validate answers (unknown keys rejected) and fill defaults; InvalidAnswersError."""
        if answers is None:
            answers = {}
        if not isinstance(answers, dict):
            raise InvalidAnswersError(
                f"wizard `{self.id}`: answers must be a JSON object, got {type(answers).__name__}"
            )
        known = {q.id for q in self.questions}
        for key in sorted(answers):
            if key not in known:
                raise InvalidAnswersError(
                    f"wizard `{self.id}`: unknown answer key `{key}` "
                    f"(known: {', '.join(sorted(known)) or 'none'})"
                )
        resolved: JsonObject = {}
        for question in self.questions:
            value = answers.get(question.id)
            if value is None or value == "":
                if question.default is None:
                    if question.required:
                        raise InvalidAnswersError(
                            f"wizard `{self.id}`: `{question.id}` is required"
                        )
                    continue
                value = question.default
            text = value if isinstance(value, str) else str(value)
            if question.pattern is not None and not re.fullmatch(question.pattern, text):
                raise InvalidAnswersError(
                    f"wizard `{self.id}`: `{question.id}` = {text!r} does not match "
                    f"{question.pattern}"
                )
            if question.check is not None:
                question.check(text)
            resolved[question.id] = text
        return resolved


def _no_preflight() -> list[ToolCheck]:
    """Packs that shell out to nothing need no tools."""
    return []


@dataclass
class EnvPackHandler:
    """What one env-pack kind (descriptor path) provides to the control plane."""

    slot: CapabilitySlot
    descriptor_path: str
    supported_versions: str
    preflight: Callable[[], list[ToolCheck]] = field(default=_no_preflight)
    credentials: CredentialsContract | None = None
    wizard_spec: WizardSpec | None = None
    deployer_factory: Callable[[], Deployer] | None = None
    renderer: ManifestRenderer | None = None

    def __post_init__(self) -> None:
        check_descriptor_path(self.descriptor_path, self.descriptor_path, "descriptor_path")
        _cached_requirement(self.supported_versions)

    @property
    def requirement(self) -> VersionRequirement:
        """The parsed `supported_versions`."""
        return _cached_requirement(self.supported_versions)

    def supports(self, version: str) -> bool:
        """Whether `version` satisfies `supported_versions` (Cargo semver rules)."""
        return self.requirement.matches(version)

    def new_deployer(self) -> Deployer:
        """A fresh deployer of this pack; ConflictError when the pack is not a deployer."""
        if self.deployer_factory is None:
            raise ConflictError(f"env-pack `{self.descriptor_path}` does not provide a deployer")
        return self.deployer_factory()


# -- registry errors ----------------------------------------------------------------------------


class RegistryError(ConflictError):
    """Base of registration and resolution failures (CLI kind `conflict`)."""


class DuplicateRegistrationError(RegistryError):
    """A handler is already registered for this descriptor path."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"an env-pack handler is already registered for path `{path}` "
            "(handlers never shadow each other)"
        )
        self.path = path


class DeployerMissingCredentialsError(RegistryError):
    """A deployer-slot handler was registered without a credentials contract."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"deployer env-pack `{path}` does not ship a credentials contract "
            "(every deployer-slot handler must)"
        )
        self.path = path


class UnknownKindError(RegistryError):
    """No handler is registered for the kind's descriptor path."""

    def __init__(self, pack_kind: str) -> None:
        super().__init__(f"no env-pack handler registered for `{pack_kind}`")
        self.pack_kind = pack_kind


class VersionUnsupportedError(RegistryError):
    """The kind's version does not satisfy its handler's supported versions."""

    def __init__(self, pack_kind: str, requested: str, supported: str) -> None:
        super().__init__(
            f"env-pack `{pack_kind}` pins version `{requested}` but the handler implements "
            f"`{supported}`"
        )
        self.pack_kind = pack_kind
        self.requested = requested
        self.supported = supported

    def to_dict(self) -> dict[str, str]:
        """`{kind, requested, supported}` as `op env doctor` reports it."""
        return {"kind": self.pack_kind, "requested": self.requested, "supported": self.supported}


class SlotMismatchError(RegistryError):
    """The kind resolves, but its handler serves another slot than the one it is bound to."""

    def __init__(
        self, pack_kind: str, bound_slot: CapabilitySlot, handler_slot: CapabilitySlot
    ) -> None:
        super().__init__(
            f"env-pack `{pack_kind}` is a `{handler_slot.value}` handler but was bound to the "
            f"`{bound_slot.value}` slot"
        )
        self.pack_kind = pack_kind
        self.bound_slot = bound_slot
        self.handler_slot = handler_slot

    def to_dict(self) -> dict[str, str]:
        """`{kind, bound_slot, handler_slot}` as `op env doctor` reports it."""
        return {
            "kind": self.pack_kind,
            "bound_slot": self.bound_slot.value,
            "handler_slot": self.handler_slot.value,
        }


# -- the registry ---------------------------------------------------------------------------------


class EnvPackRegistry:
    """Descriptor path → handler; resolution checks version and slot."""

    def __init__(self, handlers: Iterable[EnvPackHandler] = ()) -> None:
        self._handlers: dict[str, EnvPackHandler] = {}
        for handler in handlers:
            self.register(handler)

    def register(self, handler: EnvPackHandler) -> None:
        """Add a handler; duplicates and credential-less deployers are refused."""
        path = handler.descriptor_path
        if path in self._handlers:
            raise DuplicateRegistrationError(path)
        if handler.slot is CapabilitySlot.deployer and handler.credentials is None:
            raise DeployerMissingCredentialsError(path)
        self._handlers[path] = handler

    def handlers(self) -> list[EnvPackHandler]:
        """Every registered handler, in registration order."""
        return list(self._handlers.values())

    def get(self, path: str) -> EnvPackHandler | None:
        """The handler registered for a descriptor path, if any."""
        return self._handlers.get(path)

    def __len__(self) -> int:
        return len(self._handlers)

    def __contains__(self, path: object) -> bool:
        return path in self._handlers

    def resolve(self, kind: str) -> EnvPackHandler:
        """`<path>@<version>` → handler (UnknownKindError, VersionUnsupportedError)."""
        descriptor = parse_pack_descriptor(kind)
        handler = self._handlers.get(descriptor.path)
        if handler is None:
            raise UnknownKindError(kind)
        if not handler.supports(descriptor.version):
            raise VersionUnsupportedError(kind, descriptor.version, handler.supported_versions)
        return handler

    def resolve_for_slot(self, slot: CapabilitySlot, kind: str) -> EnvPackHandler:
        """`resolve`, then require the handler to serve `slot` (SlotMismatchError)."""
        handler = self.resolve(kind)
        if handler.slot is not slot:
            raise SlotMismatchError(kind, slot, handler.slot)
        return handler


# -- third-party packs ---------------------------------------------------------------------------


class EnvPackWarning(UserWarning):
    """A third-party env-pack entry point could not be loaded or registered."""


def _entry_point_handlers(loaded: object, name: str) -> list[EnvPackHandler]:
    """Call an entry point's factory and check it returned handlers."""
    if not callable(loaded):
        raise TypeError(f"entry point `{name}` does not load to a callable")
    produced = loaded()
    items = list(produced) if isinstance(produced, list | tuple) else [produced]
    for item in items:
        if not isinstance(item, EnvPackHandler):
            raise TypeError(
                f"entry point `{name}` returned {type(item).__name__}, expected EnvPackHandler"
            )
    return items


def load_entry_point_handlers(registry: EnvPackRegistry) -> list[str]:
    """Register handlers from the `greentic_deployer.env_packs` group; problems are warnings."""
    problems: list[str] = []
    try:
        entry_points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:  # a broken distribution must not take the CLI down
        entry_points = []
        problems.append(f"cannot list `{ENTRY_POINT_GROUP}` entry points: {exc}")
    for entry_point in sorted(entry_points, key=lambda ep: (ep.name, ep.value)):
        label = f"{entry_point.name} = {entry_point.value}"
        try:
            handlers = _entry_point_handlers(entry_point.load(), label)
        except Exception as exc:
            problems.append(f"env-pack entry point `{label}` failed to load: {exc}")
            continue
        for handler in handlers:
            try:
                registry.register(handler)
            except GreenticError as exc:
                problems.append(f"env-pack entry point `{label}` was not registered: {exc}")
    for problem in problems:
        warnings.warn(problem, EnvPackWarning, stacklevel=2)
    return problems


# -- reports ------------------------------------------------------------------------------------


def _classify(
    bindings: Iterable[tuple[CapabilitySlot, str]], registry: EnvPackRegistry
) -> JsonObject:
    """Sort bindings into unknown kinds, slot mismatches and version skew."""
    unknown: list[str] = []
    mismatches: list[dict[str, str]] = []
    skew: list[dict[str, str]] = []
    for slot, kind in bindings:
        try:
            registry.resolve_for_slot(slot, kind)
        except (UnknownKindError, InvalidArgumentError):
            unknown.append(kind)
        except VersionUnsupportedError as exc:
            skew.append(exc.to_dict())
        except SlotMismatchError as exc:
            mismatches.append(exc.to_dict())
    return {"unknown_kinds": unknown, "slot_mismatches": mismatches, "version_skew": skew}


def doctor_bindings(env: Environment, registry: EnvPackRegistry) -> JsonObject:
    """Resolve every binding (and extension) against the registry, as `op env doctor` reports."""
    core = _classify(((b.slot, b.kind) for b in env.packs), registry)
    extensions = _classify(((CapabilitySlot.extension, e.kind) for e in env.extensions), registry)
    return {**core, "extensions": {"count": len(env.extensions), **extensions}}


async def credentials_requirements(
    handler: EnvPackHandler, env: Environment, env_dir: Path
) -> JsonObject:
    """Probe a deployer's credential capabilities, as `op credentials requirements` reports."""
    if handler.credentials is None:
        raise ConflictError(
            f"env-pack `{handler.descriptor_path}` has no credentials contract to probe"
        )
    binding = env.pack_for_slot(CapabilitySlot.deployer)
    deployer_kind = (
        binding.kind
        if binding is not None and binding.kind_path == handler.descriptor_path
        else handler.descriptor_path
    )
    probes = await handler.credentials.probe(env, env_dir)
    return {
        "environment_id": env.environment_id,
        "deployer_kind": deployer_kind,
        "requires_material": handler.credentials.requires_material,
        "capabilities": [
            {"id": p.id, "status": "pass" if p.passed else "fail", "detail": p.detail}
            for p in probes
        ],
        "all_passed": all(p.passed for p in probes),
    }
