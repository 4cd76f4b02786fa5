"""Verb payloads: inline flags or an `--answers` JSON/YAML file, never both."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from greentic_deployer.spec.errors import GreenticError, InvalidArgumentError
from greentic_deployer.spec.json_bounds import NestingTooDeepError, check_nesting, loads_bounded
from greentic_deployer.spec.parse import describe_validation_error
from greentic_deployer.store.files import MAX_DOCUMENT_BYTES, FileRefusedError, read_regular_file

P = TypeVar("P", bound=BaseModel)


class AnswersParseError(GreenticError):
    """An `--answers` file that is not valid JSON or YAML."""

    kind = "answers-parse"


class PayloadIoError(GreenticError):
    """An input file that cannot be read."""

    kind = "io"


def load_answers_file(path: Path) -> Any:
    """Read `.json` as JSON, `.yaml`/`.yml` as YAML, anything else JSON then YAML.

    The path must name a regular file (a FIFO or device is refused, never read); nesting and
    YAML alias expansion are bounded while parsing.
    """
    label = f"--answers file {str(path)!r}"
    try:
        raw = read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES, follow_symlinks=True)
        text = raw.decode("utf-8")
    except FileNotFoundError as exc:
        raise PayloadIoError(f"{label} does not exist") from exc
    except FileRefusedError as exc:
        raise PayloadIoError(f"{label} {exc.problem}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PayloadIoError(f"{label} cannot be read: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json(text, path)
    if suffix in (".yaml", ".yml"):
        return _yaml(text, path)
    try:
        return loads_bounded(text)
    except NestingTooDeepError as exc:
        raise AnswersParseError(f"{path}: invalid JSON: {exc}") from exc
    except json.JSONDecodeError:
        return _yaml(text, path)


def _json(text: str, path: Path) -> Any:
    try:
        return loads_bounded(text)
    except ValueError as exc:  # JSONDecodeError or NestingTooDeepError
        raise AnswersParseError(f"{path}: invalid JSON: {exc}") from exc


def _yaml(text: str, path: Path) -> Any:
    import yaml

    from greentic_deployer.spec.yaml_bounds import load_yaml_bounded

    try:
        value = load_yaml_bounded(text)
        check_nesting(value)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: the nesting/alias bounds
        raise AnswersParseError(f"{path}: invalid YAML: {exc}") from exc
    return value


def resolve_payload(
    inline: dict[str, Any],
    answers: Path | None,
    *,
    required_inline: tuple[str, ...] = (),
    label: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """Inline flags xor an answers file; partial inline input names what is missing.

    `label` turns a payload field into what the caller typed for it (a CLI flag name).
    """
    given = {k: v for k, v in inline.items() if v is not None and v not in ([], ())}
    if given and answers is not None:
        raise InvalidArgumentError(
            "--answers", "give either inline flags or --answers, not both", sorted(given)
        )
    if answers is not None:
        data = load_answers_file(answers)
        if not isinstance(data, dict):
            raise InvalidArgumentError(
                "--answers", "the payload must be a JSON/YAML object", type(data).__name__
            )
        return data
    if not given:
        raise InvalidArgumentError(
            "payload", "no payload provided: pass the inline flags or --answers FILE"
        )
    missing = [name for name in required_inline if name not in given]
    if missing:
        names = ", ".join(label(name) if label else name for name in missing)
        raise InvalidArgumentError(
            "payload",
            f"partial inline input: missing {names} (or pass every field with --answers)",
        )
    return given


def parse_payload(model: type[P], data: dict[str, Any]) -> P:
    """Validate a payload strictly; the error names the field and the rule."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidArgumentError("payload", describe_validation_error(exc)) from exc
