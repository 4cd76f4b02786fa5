"""`op credentials requirements`: probe what the bound deployer needs."""

from __future__ import annotations

import asyncio
from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.registry import credentials_requirements
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.ids import parse_env_id
from greentic_deployer.spec.slots import CapabilitySlot


def requirements(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """Resolve the deployer binding and run each capability probe (pass/fail, never skipped)."""
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    binding = env.pack_for_slot(CapabilitySlot.deployer)
    if binding is None:
        raise ConflictError(
            f"environment `{env_id}` has no deployer binding; bind one with "
            "`gtc op env-packs add --slot deployer`"
        )
    handler = ctx.registry.resolve_for_slot(CapabilitySlot.deployer, binding.kind)
    return asyncio.run(credentials_requirements(handler, env, ctx.store.env_dir(env_id)))
