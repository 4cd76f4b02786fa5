"""Identifier types and their parsers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from greentic_deployer.spec.checked import Checked
from greentic_deployer.spec.errors import InvalidArgumentError

if TYPE_CHECKING:
    import semantic_version

_ENV_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_DESCRIPTOR_PATH_CHARS = re.compile(r"^[a-z0-9.-]+$")
# Crockford base32, upper case, first char ≤ 7 so the value fits 128 bits.
_CANONICAL_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
_INSTANCE_ID = re.compile(r"^[a-z0-9-]+$")


# The identifier rule (docs/identifiers.md). 128 bytes leaves room for everything the store
# appends to an id inside one 255-byte file name: `.retired/<id>.<26-char stamp>.<n≤1023>`.
MAX_ID_BYTES = 128
# Control characters (C0, DEL, C1), line/paragraph separators and lone surrogates.
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})


def _check_length(value: str, field: str) -> None:
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_ID_BYTES:
        raise InvalidArgumentError(
            field, f"must be at most {MAX_ID_BYTES} bytes in UTF-8 (it has {size})", value
        )


def check_identifier(value: str, field: str) -> str:
    """The one rule for ids that become paths, labels or process arguments.

    Non-empty (not only whitespace), at most MAX_ID_BYTES of UTF-8, no control characters,
    and no leading '-' (it would read as an option where the id becomes a process argument).
    """
    if not value.strip():
        raise InvalidArgumentError(field, "must not be empty or blank (whitespace only)", value)
    _check_length(value, field)
    for ch in value:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise InvalidArgumentError(
                field, f"must not contain control characters (found U+{ord(ch):04X})", value
            )
    if value.startswith("-"):
        raise InvalidArgumentError(
            field, "must not start with '-' (it would read as a command-line option)", value
        )
    return value


# A reference is a few identifier segments; this bounds the whole path, echo and all.
MAX_REF_BYTES = 1024


def check_relative_ref(value: str, field: str) -> str:
    """A relative `/`-separated path: no '.', '..', empty segments or '\\'; each segment an id."""
    rule = "must be a relative path inside the environment directory"
    if not value or value.startswith("/") or "\\" in value:
        raise InvalidArgumentError(field, rule, value)
    if len(value.encode("utf-8", "surrogatepass")) > MAX_REF_BYTES:
        raise InvalidArgumentError(field, f"must be at most {MAX_REF_BYTES} bytes (UTF-8)", value)
    for segment in value.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidArgumentError(field, f"{rule} (no empty, '.' or '..' segments)", value)
        check_identifier(segment, field)
    return value


def parse_env_id(value: str, field: str = "environment_id") -> str:
    """Check the EnvId rule: the identifier rule, then only ASCII letters, digits, '.', '-', '_'."""
    if not value:
        raise InvalidArgumentError(field, "environment id must not be empty", value)
    _check_length(value, field)  # first, so a huge id is refused without scanning it
    if not _ENV_ID.fullmatch(value):
        raise InvalidArgumentError(
            field, "environment id may contain only ASCII letters, digits, '.', '-' and '_'", value
        )
    return check_identifier(value, field)


def parse_ulid(value: str, field: str = "id") -> str:
    """Parse a ULID and return its canonical upper-case rendering."""
    if _CANONICAL_ULID.fullmatch(value):
        return value  # already canonical: skip the pure-Python decode (hot on every load)
    from ulid import ULID  # python-ulid reads its package metadata on import: only when used

    try:
        return str(ULID.from_str(value.strip()))
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(field, "must be a 26-character ULID", value) from exc


def ulid_from_int(value: int) -> str:
    """A deterministic ULID whose 128-bit value is `value` (fixtures and the bench)."""
    from ulid import ULID

    return str(ULID.from_int(value))


def new_ulid() -> str:
    """Mint a fresh ULID string."""
    from ulid import ULID

    return str(ULID())


def parse_idempotency_key(value: str, field: str = "idempotency_key") -> str:
    """An idempotency key is any string that is non-empty after trimming."""
    if not value.strip():
        raise InvalidArgumentError(field, "idempotency key must not be empty", value)
    return value


@dataclass(frozen=True)
class PackDescriptor:
    """A `<path>@<semver>` pack kind; `path` is the registry key."""

    path: str
    version: str

    def __str__(self) -> str:
        return f"{self.path}@{self.version}"

    @property
    def semver(self) -> semantic_version.Version:
        """The parsed version."""
        import semantic_version

        return semantic_version.Version(self.version)


class DescriptorError(InvalidArgumentError):
    """A malformed pack descriptor; `code` is one of the six descriptor error cases."""

    def __init__(self, code: str, rule: str, value: str, field: str = "kind") -> None:
        super().__init__(field, f"{code}: {rule}", value)
        self.code = code


def check_descriptor_path(path: str, value: str, field: str = "kind") -> None:
    """Apply the descriptor-path rules (non-empty, has a '.', only [a-z0-9.-])."""
    if not path:
        raise DescriptorError("EmptyPath", "descriptor path must not be empty", value, field)
    if "." not in path:
        raise DescriptorError("PathMissingDot", "descriptor path must contain a '.'", value, field)
    for ch in path:
        if not _DESCRIPTOR_PATH_CHARS.match(ch):
            raise DescriptorError(
                "InvalidPathChar", f"invalid character {ch!r} in descriptor path", value, field
            )


def parse_pack_descriptor(value: str, field: str = "kind") -> PackDescriptor:
    """Parse `<path>@<semver>` with its six distinct error cases."""
    count = value.count("@")
    if count == 0:
        raise DescriptorError("MissingVersion", "expected <path>@<semver>", value, field)
    if count > 1:
        raise DescriptorError("MultipleAt", "exactly one '@' is allowed", value, field)
    path, version = value.split("@")
    check_descriptor_path(path, value, field)
    # Imported on use: semantic_version reads package metadata at import, which costs every
    # CLI start-up that never parses a version.
    import semantic_version

    try:
        # semantic_version's pattern ends in `$`, which lets a trailing newline through.
        if version != version.strip():
            raise ValueError(f"whitespace around version {version!r}")
        semantic_version.Version(version)
    except ValueError as exc:
        raise DescriptorError("InvalidSemver", "version must be SemVer", value, field) from exc
    return PackDescriptor(path, version)


def check_semver(value: str, field: str = "version") -> str:
    """A SemVer version like `1.2.3` or `1.0.0-dev`; anything else names the field and rule."""
    import semantic_version

    try:
        # semantic_version's pattern ends in `$`, which lets a trailing newline through.
        if value != value.strip():
            raise ValueError(f"whitespace around version {value!r}")
        semantic_version.Version(value)
    except ValueError as exc:
        raise InvalidArgumentError(
            field, "must be SemVer (MAJOR.MINOR.PATCH[-pre][+build])", value
        ) from exc
    return value


def descriptor_path(value: str) -> str:
    """The path part of a descriptor string (before '@')."""
    return value.split("@", 1)[0]


def parse_secret_ref(value: str, field: str = "secret_ref") -> str:
    """`secret://<env>/<rest…>`: scheme, non-empty env segment and rest."""
    prefix = "secret://"
    if not value.startswith(prefix):
        raise InvalidArgumentError(field, "secret ref must start with secret://", value)
    env, _, rest = value[len(prefix) :].partition("/")
    if not env or not rest:
        raise InvalidArgumentError(field, "secret ref must be secret://<env>/<path>", value)
    return value


def secret_ref_env(value: str) -> str:
    """The env segment of a SecretRef."""
    return value.removeprefix("secret://").split("/", 1)[0]


def parse_runtime_ref(value: str, field: str = "runtime_ref") -> str:
    """`runtime://<env>/<path>` with a non-empty env segment."""
    prefix = "runtime://"
    if not value.startswith(prefix):
        raise InvalidArgumentError(field, "runtime ref must start with runtime://", value)
    env, _, _path = value[len(prefix) :].partition("/")
    if not env:
        raise InvalidArgumentError(field, "runtime ref needs a non-empty env segment", value)
    return value


@dataclass(frozen=True)
class ExtensionRef:
    """`ext://<path>[/<instance>]`."""

    path: str
    instance_id: str | None


def check_instance_id(value: str, field: str = "instance_id") -> str:
    """Extension instance ids are non-empty `[a-z0-9-]`."""
    if not _INSTANCE_ID.fullmatch(value):
        raise InvalidArgumentError(field, "instance id must be non-empty [a-z0-9-]", value)
    return value


def parse_extension_ref(value: str, field: str = "extension_ref") -> ExtensionRef:
    """Parse an `ext://` reference."""
    prefix = "ext://"
    if not value.startswith(prefix):
        raise InvalidArgumentError(field, "extension ref must start with ext://", value)
    path, sep, instance = value[len(prefix) :].partition("/")
    check_descriptor_path(path, value, field)
    if sep:
        check_instance_id(instance, field)
        return ExtensionRef(path, instance)
    return ExtensionRef(path, None)


def _pyd(fn: Callable[[str], object]) -> Checked:
    """Wrap a parser so pydantic reports its typed message."""

    def run(value: str) -> str:
        try:
            result = fn(value)
        except InvalidArgumentError as exc:
            raise ValueError(exc.message) from exc
        return result if isinstance(result, str) else value

    return Checked(run)


EnvId = Annotated[str, _pyd(parse_env_id)]
Ulid = Annotated[str, _pyd(parse_ulid)]
DescriptorStr = Annotated[str, _pyd(lambda v: str(parse_pack_descriptor(v)))]
SecretRef = Annotated[str, _pyd(parse_secret_ref)]
RuntimeRef = Annotated[str, _pyd(parse_runtime_ref)]
