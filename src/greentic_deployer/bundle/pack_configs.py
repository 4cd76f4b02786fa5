"""Pack-config inputs (`state/pack-configs/*.json`) turned into a revision's PackConfig docs.

Input format `greentic.pack-config-input.v1` (strict: unknown keys are refused):

    {"schema": "greentic.pack-config-input.v1", "pack_id": "<pinned pack>",
     "env_id"?: "<env>", "bundle_id"?: "<bundle>",
     "non_secret"?: {key: JSON}, "secret_refs"?: {key: "secret://<env>/<bundle>/<pack>/<key>"},
     "runtime_refs"?: {key: "runtime://<env>/<path>"}}

An input whose `env_id` or `bundle_id` is present and differs from the target is
for another environment or bundle and is skipped. An applicable input must name a
pinned pack, use each key in only one map, reference exactly its own scoped
secret, and reference runtime values of the target environment only.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from greentic_deployer.bundle.errors import PackConfigError
from greentic_deployer.bundle.json_file import read_json_object
from greentic_deployer.spec.documents import PackConfig
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import parse_runtime_ref

PACK_CONFIG_INPUT_SCHEMA = "greentic.pack-config-input.v1"
PACK_CONFIGS_DIR = ("state", "pack-configs")
# A configuration document, not a payload: anything larger is a mistake or an attack.
MAX_INPUT_BYTES = 1024 * 1024


class PackConfigInput(BaseModel):
    """One `state/pack-configs/*.json` input (strict: no unknown keys, no type coercion)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, validate_by_alias=True, validate_by_name=False
    )

    schema_: str = Field(alias="schema")
    pack_id: str = Field(min_length=1)
    env_id: str | None = Field(default=None, min_length=1)
    bundle_id: str | None = Field(default=None, min_length=1)
    non_secret: dict[str, JsonValue] = Field(default_factory=dict)
    secret_refs: dict[str, str] = Field(default_factory=dict)
    runtime_refs: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class PackConfigSource:
    """A parsed input and where it came from (`<bundle label>: <path inside the bundle>`)."""

    subject: str
    config: PackConfigInput


def expected_secret_ref(env_id: str, bundle_id: str, pack_id: str, key: str) -> str:
    """The only secret ref a pack-config key may use."""
    return f"secret://{env_id}/{bundle_id}/{pack_id}/{key}"


def load_pack_config_inputs(bundle_root: Path, label: str = "bundle") -> list[PackConfigSource]:
    """Parse every `state/pack-configs/*.json` of an extracted bundle, sorted by file name."""
    directory = bundle_root
    for index, part in enumerate(PACK_CONFIGS_DIR):
        directory = directory / part
        try:
            mode = directory.lstat().st_mode
        except FileNotFoundError:
            return []
        if not stat.S_ISDIR(mode):
            raise PackConfigError(
                f"{label}: {'/'.join(PACK_CONFIGS_DIR[: index + 1])}",
                "must be a real directory (symlinks are not followed)",
            )
    sources: list[PackConfigSource] = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        subject = f"{label}: {'/'.join((*PACK_CONFIGS_DIR, name))}"
        sources.append(PackConfigSource(subject, _parse(directory / name, subject)))
    return sources


def materialize_pack_configs(
    sources: list[PackConfigSource],
    *,
    env_id: str,
    bundle_id: str,
    revision_id: str,
    pack_ids: set[str],
) -> list[PackConfig]:
    """The PackConfig docs for the inputs scoped to this env and bundle, sorted by pack id."""
    chosen: dict[str, str] = {}
    configs: list[PackConfig] = []
    for source in sources:
        data = source.config
        if data.env_id not in (None, env_id) or data.bundle_id not in (None, bundle_id):
            continue
        subject = source.subject
        if data.pack_id not in pack_ids:
            raise PackConfigError(
                f"{subject}: pack_id",
                f"{data.pack_id!r} is not a pinned pack of this bundle "
                f"(pinned: {', '.join(sorted(pack_ids))})",
            )
        if data.pack_id in chosen:
            raise PackConfigError(
                subject,
                f"configures pack {data.pack_id!r}, which {chosen[data.pack_id]!r} already "
                f"configures for environment {env_id!r} and bundle {bundle_id!r}",
            )
        chosen[data.pack_id] = subject
        _check_keys(data, subject)
        for key, ref in data.secret_refs.items():
            expected = expected_secret_ref(env_id, bundle_id, data.pack_id, key)
            if ref != expected:
                raise PackConfigError(
                    f"{subject}: secret_refs.{key}", f"must be exactly {expected!r} (got {ref!r})"
                )
        for key, ref in data.runtime_refs.items():
            _check_runtime_ref(ref, env_id, f"{subject}: runtime_refs.{key}")
        try:
            configs.append(
                PackConfig(
                    pack_id=data.pack_id,
                    revision_id=revision_id,
                    non_secret=data.non_secret,
                    secret_refs=data.secret_refs,
                    runtime_refs=data.runtime_refs,
                )
            )
        except ValidationError as exc:
            raise PackConfigError(subject, _first_error(exc)) from exc
    configs.sort(key=lambda config: config.pack_id)
    return configs


def _parse(path: Path, subject: str) -> PackConfigInput:
    document = read_json_object(path, subject, MAX_INPUT_BYTES, PackConfigError)
    schema = document.get("schema")
    if schema != PACK_CONFIG_INPUT_SCHEMA:
        raise PackConfigError(
            f"{subject}: schema", f"must be {PACK_CONFIG_INPUT_SCHEMA!r} (got {schema!r})"
        )
    try:
        return PackConfigInput.model_validate(document)
    except ValidationError as exc:
        raise PackConfigError(subject, _first_error(exc)) from exc


def _check_keys(data: PackConfigInput, subject: str) -> None:
    owner: dict[str, str] = {}
    for map_name, keys in (
        ("non_secret", data.non_secret),
        ("secret_refs", data.secret_refs),
        ("runtime_refs", data.runtime_refs),
    ):
        for key in keys:
            if not key.strip():
                raise PackConfigError(f"{subject}: {map_name}", "keys must not be empty")
            if key in owner:
                raise PackConfigError(
                    f"{subject}: {map_name}.{key}",
                    f"key is also set in {owner[key]}; a key belongs to one map only",
                )
            owner[key] = map_name


def _check_runtime_ref(ref: str, env_id: str, subject: str) -> None:
    try:
        parse_runtime_ref(ref, subject)
    except InvalidArgumentError as exc:
        raise PackConfigError(subject, exc.rule + f" (got {ref!r})") from exc
    ref_env = ref.removeprefix("runtime://").split("/", 1)[0]
    if ref_env != env_id:
        raise PackConfigError(
            subject, f"must reference environment {env_id!r} (runtime://{env_id}/...), got {ref!r}"
        )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"]) or "document"
    if error["type"] == "extra_forbidden":
        return f"unknown key {location!r} (the input format is strict)"
    return f"{location}: {error['msg']}"
