"""`op env doctor`: re-validate an environment and resolve its bindings against the registry."""

from __future__ import annotations

from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.env import validate_status
from greentic_deployer.packs.registry import doctor_bindings
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import GreenticError
from greentic_deployer.spec.ids import parse_env_id
from greentic_deployer.spec.parse import parse_document
from greentic_deployer.spec.slots import CORE_SLOTS
from greentic_deployer.store.errors import CorruptDocumentError, EnvNotFoundError
from greentic_deployer.store.loading import read_json


def doctor(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """Report validation, missing core slots, registry problems and stale revisions."""
    parse_env_id(env_id)
    env_dir = ctx.store.env_dir(env_id)
    path = env_dir / "environment.json"
    # Parse without the store's validation so a broken document is diagnosed, not refused;
    # the read itself refuses symlinks, FIFOs and devices like every store read.
    try:
        data = read_json(path)
    except (FileNotFoundError, NotADirectoryError):
        raise EnvNotFoundError.for_env(env_id, ctx.store.root) from None
    try:
        env = parse_document(Environment, data, str(path))
    except GreenticError as exc:
        raise CorruptDocumentError.at(path, f"cannot be parsed: {exc}") from exc
    bound = [p.slot for p in env.packs]
    report = doctor_bindings(env, ctx.registry)
    stale = [
        r.revision_id
        for r in env.revisions
        if r.pack_list_lock_ref and not (env_dir / r.pack_list_lock_ref).is_file()
    ]
    return {
        "environment_id": env_id,
        "validate": validate_status(env),
        "bound_slots": [s.value for s in bound],
        "missing_slots": [s.value for s in CORE_SLOTS if s not in bound],
        "unknown_kinds": report["unknown_kinds"],
        "slot_mismatches": report["slot_mismatches"],
        "version_skew": report["version_skew"],
        "extensions": report["extensions"],
        "stale_revisions": stale,
        "has_runtime": (env_dir / "runtime.json").is_file(),
        "checked_at": ctx.timestamp(),
    }
