"""Typed errors shared by every layer; each carries the CLI error kind it surfaces as."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class GreenticError(Exception):
    """Base of every error the project raises on purpose; `kind` is the CLI error kind.

    `message` says what went wrong in neutral words; `hint`, when set, tells the user which
    command to run next and is filled in at the edge (the CLI), which knows its verbs.
    """

    kind: ClassVar[str] = "store"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint: str | None = None

    def __str__(self) -> str:
        return self.message


# An offending value is quoted at most this long in a message: a 10,000-character id must not
# flood the terminal or the audit log.
MAX_QUOTED_CHARS = 80


def shorten(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote_value(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """`repr(value)`, cut to `limit` characters with an ellipsis when longer."""
    return shorten(repr(value), limit)


class InvalidArgumentError(GreenticError):
    """Malformed input: names the field and the rule it broke (the value quoted, truncated)."""

    kind = "invalid-argument"

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        shown = "" if value is None else f" (got {quote_value(value)})"
        super().__init__(f"{field}: {rule}{shown}")
        self.field = field
        self.rule = rule
        self.value = value


class NotFoundError(GreenticError):
    """A referenced environment or entity does not exist."""

    kind = "not-found"


class ConflictError(GreenticError):
    """The request is well-formed but clashes with current state."""

    kind = "conflict"


class DeployerError(GreenticError):
    """Base of every error a Deployer verb raises on purpose.

    Defined here, below `engine`, so the one revision/split not-found class (in `engine.errors`)
    is also a `DeployerError`: the env-pack contract (`packs.contract`) re-exports this class.
    """

    kind = "conflict"


class NotYetImplementedError(GreenticError):
    """A verb that exists but is not available in this release."""

    kind = "not-yet-implemented"


class SpecErrorCode(StrEnum):
    """The spec error catalogue."""

    BasisPointsSum = "BasisPointsSum"
    BasisPointsEntryTooLarge = "BasisPointsEntryTooLarge"
    RevenuePolicyVersionZero = "RevenuePolicyVersionZero"
    DuplicateCapabilitySlot = "DuplicateCapabilitySlot"
    InvalidLifecycleTransition = "InvalidLifecycleTransition"
    SchemaMismatch = "SchemaMismatch"
    EnvIdMismatch = "EnvIdMismatch"
    UnknownDeployment = "UnknownDeployment"
    UnknownRevision = "UnknownRevision"
    SplitRevisionWrongDeployment = "SplitRevisionWrongDeployment"
    SplitRevisionWrongBundle = "SplitRevisionWrongBundle"
    BundleRevisionWrongDeployment = "BundleRevisionWrongDeployment"
    BundleRevisionWrongBundle = "BundleRevisionWrongBundle"
    SplitDeploymentBundleMismatch = "SplitDeploymentBundleMismatch"
    CrossEnvRef = "CrossEnvRef"
    DuplicateMessagingEndpoint = "DuplicateMessagingEndpoint"
    DuplicateProviderInstance = "DuplicateProviderInstance"
    MessagingEndpointBundleNotLinked = "MessagingEndpointBundleNotLinked"
    WelcomeFlowBundleNotLinked = "WelcomeFlowBundleNotLinked"
    EmptyMessagingProviderId = "EmptyMessagingProviderId"
    EmptyMessagingProviderType = "EmptyMessagingProviderType"
    EmptyWelcomeFlowId = "EmptyWelcomeFlowId"
    DuplicateExtension = "DuplicateExtension"
    InvalidExtensionInstanceId = "InvalidExtensionInstanceId"
    ConfigOverridesTooManyPacks = "ConfigOverridesTooManyPacks"
    ConfigOverridesTooManyKeysForPack = "ConfigOverridesTooManyKeysForPack"
    ConfigOverridesTooLarge = "ConfigOverridesTooLarge"
    ConfigOverrideEmptyPackId = "ConfigOverrideEmptyPackId"
    ConfigOverrideEmptyKey = "ConfigOverrideEmptyKey"
    ConfigOverridePackNotInRevisions = "ConfigOverridePackNotInRevisions"
    InvalidPublicBaseUrl = "InvalidPublicBaseUrl"
    DuplicateSplitRevision = "DuplicateSplitRevision"
    InvalidListenAddr = "InvalidListenAddr"


class SpecError(GreenticError):
    """A spec invariant failed; `code` is the catalogue entry, `details` the offending values."""

    kind = "spec"

    def __init__(self, code: SpecErrorCode, message: str, **details: Any) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.details = details


class DocumentError(GreenticError):
    """A JSON/YAML document does not have the expected shape (names the field path)."""

    kind = "invalid-argument"


def check_schema(actual: str, expected: str, context: str = "") -> None:
    """Reject a mismatching `schema` discriminator (there is no automatic migration)."""
    if actual != expected:
        prefix = f"{context}: " if context else ""
        raise SpecError(
            SpecErrorCode.SchemaMismatch,
            f"{prefix}expected schema {expected!r}, got {actual!r}",
            expected=expected,
            actual=actual,
        )


class EnvPackWarning(UserWarning):
    """A third-party env-pack entry point could not be loaded or registered.

    Defined here, not in `packs`, so the CLI can format these warnings without importing the
    env-pack registry on every command.
    """
