"""Read-only `op env` use-cases (list, show): no audit chain, payloads or packs on their path."""

from __future__ import annotations

from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.summaries import env_summary
from greentic_deployer.spec.ids import parse_env_id


def list_envs(ctx: OpContext) -> dict[str, Any]:
    """Every readable environment under the store root, sorted by id."""
    return {"environments": [env_summary(env) for env in ctx.store.list()]}


def show(ctx: OpContext, env_id: str) -> dict[str, Any]:
    """The full environment document and its runtime document (or null)."""
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    runtime = ctx.store.load_runtime(env_id)
    return {
        "environment": env.to_json_dict(),
        "runtime": runtime.to_json_dict() if runtime is not None else None,
    }
