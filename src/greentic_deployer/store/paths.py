"""The on-disk layout of one environment and the path-safety rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import parse_env_id, parse_ulid
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.errors import UnsafeEnvIdError

ENVIRONMENT_FILE = "environment.json"
RUNTIME_FILE = "runtime.json"
RUNTIME_CONFIG_FILE = "runtime-config.json"
TRUST_ROOT_FILE = "trust-root.json"
IDEMPOTENCY_FILE = "idempotency.json"
LOCK_FILE = ".lock"
BACKUPS_DIR = "backups"
SNAPSHOTS_DIR = "snapshots"
REVISIONS_DIR = "revisions"
MESSAGING_DIR = "messaging"
AUDIT_LOG = "audit/events.jsonl"
# Retired environments move here, beside the live ones; it never holds an environment.json.
RETIRED_DIR = ".retired"
DEV_SECRETS_FILES = (".greentic/dev/.dev.secrets.env", ".greentic/state/dev/.dev.secrets.env")
# Temp files of atomic writes carry this prefix so no reader mistakes them for documents.
TEMP_PREFIX = ".tmp-"

_UNSAFE_CHARS = ("/", "\\", ":", "\0")


def check_env_id(env_id: str) -> str:
    """Path safety first (UnsafeEnvIdError), then the EnvId character rules."""
    if env_id in ("", ".", "..") or any(ch in env_id for ch in _UNSAFE_CHARS):
        raise UnsafeEnvIdError(env_id)
    if env_id == RETIRED_DIR:
        raise UnsafeEnvIdError(
            env_id, f"`{RETIRED_DIR}` is reserved by the store for retired environments"
        )
    return parse_env_id(env_id)


def pack_answers_rel(slot: CapabilitySlot | str) -> str:
    """`env-packs/<slot>/answers.json`; the slot must be a known capability slot."""
    try:
        value = CapabilitySlot(slot)
    except ValueError as exc:
        known = ", ".join(s.value for s in CapabilitySlot)
        raise InvalidArgumentError("slot", f"must be one of {known}", slot) from exc
    return f"env-packs/{value.value}/answers.json"


def is_normal_relative(rel: str) -> bool:
    """True when `rel` is relative and made only of normal components (no '.', '..', '\\')."""
    if not rel or "\\" in rel or "\0" in rel:
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


# Newest backups kept per document unless `<root>/store.json` says otherwise.
DEFAULT_BACKUP_RETENTION = 100


@dataclass(frozen=True)
class EnvLayout:
    """Paths of one environment directory, and how many backups per document it keeps."""

    env_id: str
    env_dir: Path
    # None keeps every backup (the reference's behaviour).
    backup_retention: int | None = DEFAULT_BACKUP_RETENTION

    @property
    def environment_json(self) -> Path:
        """The source-of-truth compose view."""
        return self.env_dir / ENVIRONMENT_FILE

    @property
    def runtime_json(self) -> Path:
        """The optional EnvironmentRuntime document."""
        return self.env_dir / RUNTIME_FILE

    @property
    def runtime_config_json(self) -> Path:
        """The materialized routing projection."""
        return self.env_dir / RUNTIME_CONFIG_FILE

    @property
    def idempotency_json(self) -> Path:
        """The bounded history of idempotency keys (a side file, not in the reference)."""
        return self.env_dir / IDEMPOTENCY_FILE

    @property
    def lock_file(self) -> Path:
        """The per-env exclusive lock (never deleted)."""
        return self.env_dir / LOCK_FILE

    @property
    def audit_log(self) -> Path:
        """The append-only audit log."""
        return self.env_dir / AUDIT_LOG

    @property
    def snapshots_dir(self) -> Path:
        """Where whole-env snapshots live."""
        return self.env_dir / SNAPSHOTS_DIR

    @property
    def messaging_dir(self) -> Path:
        """The messaging endpoint projection directory."""
        return self.env_dir / MESSAGING_DIR

    def pack_answers(self, slot: CapabilitySlot | str) -> Path:
        """Per-slot wizard answers."""
        return self.env_dir / pack_answers_rel(slot)

    def revision_dir(self, revision_id: str) -> Path:
        """`revisions/<rid>` for a ULID revision id (canonical upper-case form)."""
        return self.env_dir / REVISIONS_DIR / parse_ulid(revision_id, "revision_id")

    def backup_dir_for(self, path: Path) -> Path:
        """Backups mirror the file's directory under `backups/` (`backups/env-packs/<slot>`)."""
        return self.env_dir / BACKUPS_DIR / path.relative_to(self.env_dir).parent


def contained_path(base: Path, rel_path: str, field: str) -> Path:
    """Resolve `rel_path` under `base`: no '..', not absolute, must exist, no symlink escape."""
    if not rel_path or "\0" in rel_path:
        raise InvalidArgumentError(field, "must be a non-empty relative path", rel_path)
    candidate = PurePosixPath(rel_path.replace("\\", "/"))
    if candidate.is_absolute() or Path(rel_path).is_absolute():
        raise InvalidArgumentError(field, "must be relative to the environment directory", rel_path)
    if ".." in candidate.parts:
        raise InvalidArgumentError(field, "must not contain '..' components", rel_path)
    root = base.resolve()
    try:
        resolved = (root / candidate).resolve(strict=True)
    except FileNotFoundError as exc:
        raise InvalidArgumentError(
            field, f"does not exist under the environment directory {root}", rel_path
        ) from exc
    except (OSError, RuntimeError) as exc:
        raise InvalidArgumentError(field, f"cannot be resolved ({exc})", rel_path) from exc
    if not resolved.is_relative_to(root):
        raise InvalidArgumentError(
            field, "resolves outside the environment directory (symlink escape)", rel_path
        )
    return resolved
