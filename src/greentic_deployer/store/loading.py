"""Reading stored documents: typed errors name the file and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import JsonValue

from greentic_deployer.spec.documents import ENVIRONMENT_RUNTIME_SCHEMA, EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import DocumentError, SpecError
from greentic_deployer.spec.json_bounds import NestingTooDeepError, loads_bounded
from greentic_deployer.spec.parse import parse_document
from greentic_deployer.spec.serde import SpecModel
from greentic_deployer.store.errors import (
    CorruptDocumentError,
    EnvIdMismatchError,
    EnvNotFoundError,
)
from greentic_deployer.store.files import MAX_DOCUMENT_BYTES, FileRefusedError, read_regular_file
from greentic_deployer.store.paths import EnvLayout

M = TypeVar("M", bound=SpecModel)

# A missing file, or a path component that is a file rather than a directory.
_ABSENT = (FileNotFoundError, NotADirectoryError)


def read_json(path: Path) -> JsonValue:
    """Parse a JSON file; absence propagates as FileNotFoundError/NotADirectoryError.

    A store document must be a regular file: a symlink (even one pointing inside the store),
    FIFO or device is refused without being opened for reading, and nesting is bounded.
    """
    try:
        raw = read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES)
    except _ABSENT:
        raise
    except FileRefusedError as exc:
        raise CorruptDocumentError.at(path, exc.problem) from exc
    except OSError as exc:
        raise CorruptDocumentError.at(path, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        value: JsonValue = loads_bounded(raw)
    except NestingTooDeepError as exc:
        raise CorruptDocumentError.at(path, f"not a usable JSON document ({exc})") from exc
    except ValueError as exc:
        raise CorruptDocumentError.at(path, f"not valid UTF-8 JSON ({exc})") from exc
    return value


def read_document(path: Path, model: type[M]) -> M:
    """Parse a JSON file as `model`; absence propagates as FileNotFoundError/NotADirectoryError."""
    data = read_json(path)
    try:
        return parse_document(model, data, path.name)
    except DocumentError as exc:
        raise CorruptDocumentError.at(path, exc.message) from exc


def load_environment_or_none(layout: EnvLayout) -> Environment | None:
    """The validated environment, or None when `environment.json` is absent."""
    path = layout.environment_json
    try:
        env = read_document(path, Environment)
    except _ABSENT:
        return None
    if env.environment_id != layout.env_id:
        raise EnvIdMismatchError.between(layout.env_id, env.environment_id, str(path))
    try:
        env.validate()
    except SpecError as exc:
        raise CorruptDocumentError.at(path, exc.message) from exc
    return env


def load_environment(layout: EnvLayout, root: Path) -> Environment:
    """The validated environment; EnvNotFoundError when `environment.json` is absent."""
    env = load_environment_or_none(layout)
    if env is None:
        raise EnvNotFoundError.for_env(layout.env_id, root)
    return env


def load_runtime(layout: EnvLayout) -> EnvironmentRuntime | None:
    """`runtime.json`, or None when absent; schema and environment id are checked."""
    path = layout.runtime_json
    try:
        runtime = read_document(path, EnvironmentRuntime)
    except _ABSENT:
        return None
    if runtime.schema_ != ENVIRONMENT_RUNTIME_SCHEMA:
        raise CorruptDocumentError.at(
            path, f"expected schema {ENVIRONMENT_RUNTIME_SCHEMA!r}, got {runtime.schema_!r}"
        )
    if runtime.environment_id != layout.env_id:
        raise EnvIdMismatchError.between(layout.env_id, runtime.environment_id, str(path))
    return runtime


def load_json_or_none(path: Path) -> JsonValue | None:
    """Any JSON value stored at `path`, or None when absent."""
    try:
        return read_json(path)
    except _ABSENT:
        return None
