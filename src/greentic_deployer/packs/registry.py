"""Env-pack handlers and the registry that resolves bound kinds to them.

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
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from greentic_deployer.packs.contract import (
    Deployer,
    InvalidAnswersError,
    JsonObject,
    ManifestRenderer,
    ManifestWriter,
)
from greentic_deployer.packs.versions import (
    VersionRequirement,
    cached_requirement,
    parse_requirement,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import (
    ConflictError,
    EnvPackWarning,
    GreenticError,
    InvalidArgumentError,
)
from greentic_deployer.spec.ids import check_descriptor_path, parse_pack_descriptor
from greentic_deployer.spec.slots import CapabilitySlot

__all__ = [
    "ENTRY_POINT_GROUP",
    "CapabilityProbe",
    "CredentialsContract",
    "DeployerMissingCredentialsError",
    "DuplicateRegistrationError",
    "EnvPackHandler",
    "EnvPackRegistry",
    "EnvPackWarning",
    "ManifestRenderer",
    "ManifestWriter",
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
    manifest_writer: ManifestWriter | None = None

    def __post_init__(self) -> None:
        check_descriptor_path(self.descriptor_path, self.descriptor_path, "descriptor_path")
        cached_requirement(self.supported_versions)

    @property
    def requirement(self) -> VersionRequirement:
        """The parsed `supported_versions`."""
        return cached_requirement(self.supported_versions)

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
