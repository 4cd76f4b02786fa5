"""`op env init`: idempotent bootstrap of the `local` environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greentic_deployer.engine.bindings import init_local
from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.spec.documents import EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import descriptor_path
from greentic_deployer.spec.local import LOCAL_ENV_ID
from greentic_deployer.spec.slots import CapabilitySlot

LOCAL_PROCESS_PATH = "greentic.deployer.local-process"


def init(
    ctx: OpContext, public_url: str | None = None, *, answers: Path | None = None
) -> dict[str, Any]:
    """Create `local` with the default bindings, heal missing slots, or leave it untouched."""
    if answers is not None:
        raise InvalidArgumentError(
            "--answers", "`env init` takes no payload file; use --public-url"
        )

    def transform(
        existing: Environment | None,
    ) -> tuple[Environment, tuple[Environment, str, list[CapabilitySlot]]]:
        env, outcome, added = init_local(existing, public_url)
        return env, (env, outcome, added)

    env, outcome, added = audited(
        ctx,
        LOCAL_ENV_ID,
        "env",
        "init",
        {"environment_id": LOCAL_ENV_ID},
        lambda: ctx.store.transact_new(LOCAL_ENV_ID, transform),
    )
    _refresh_runtime_stub(ctx, env, bump=outcome != "untouched")
    result: dict[str, Any] = {
        "environment_id": env.environment_id,
        "bound_slots": [p.slot.value for p in env.packs],
        "pack_count": len(env.packs),
        "public_base_url": env.host_config.public_base_url,
        # Trust roots and signed revenue policies are a later capability (docs/decisions.md).
        "trust_root": None,
        "outcome": outcome,
    }
    if outcome == "healed":
        result["added_slots"] = [s.value for s in added]
    return result


def _refresh_runtime_stub(ctx: OpContext, env: Environment, *, bump: bool) -> None:
    """Keep `runtime.json` `discovered.listen_addr` current for local-process envs."""
    deployer = env.pack_for_slot(CapabilitySlot.deployer)
    if deployer is None or descriptor_path(deployer.kind) != LOCAL_PROCESS_PATH:
        return
    listen_addr = env.host_config.resolved_listen_addr()
    current = ctx.store.load_runtime(env.environment_id)
    stale = current is None or current.discovered.get("listen_addr") != listen_addr
    if current is not None and not stale and not bump:
        return
    discovered: dict[str, Any] = dict(current.discovered) if current is not None else {}
    discovered["listen_addr"] = listen_addr
    generation = (current.generation + 1) if current is not None else 0
    ctx.store.save_runtime(
        EnvironmentRuntime(
            environment_id=env.environment_id,
            discovered=discovered,
            generated_at=ctx.timestamp(),
            generated_by=deployer.kind,
            generation=generation,
        )
    )
