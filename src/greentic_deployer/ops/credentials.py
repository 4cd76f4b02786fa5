"""`op credentials requirements`: probe what the bound deployer needs."""

from __future__ import annotations

from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.provider import BoundDeployer, query_provider
from greentic_deployer.packs.registry import credentials_requirements
from greentic_deployer.spec.ids import parse_env_id


def requirements(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """Resolve the deployer binding and run each capability probe (pass/fail, never skipped)."""
    parse_env_id(env_id)

    async def probe(bound: BoundDeployer) -> dict[str, Any]:
        return await credentials_requirements(bound.handler, bound.env, bound.env_dir)

    return query_provider(ctx, env_id, probe)
