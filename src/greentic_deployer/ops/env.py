"""`op env …` use-cases that write: create, update, set-public-url, destroy (reads: env_queries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greentic_deployer.ops.audit import audited, success_event
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.payloads import CreateEnvPayload, UpdateEnvPayload
from greentic_deployer.ops.summaries import env_summary
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError, SpecError
from greentic_deployer.spec.host import (
    EnvironmentHostConfig,
    check_socket_addr,
    parse_public_base_url,
)
from greentic_deployer.spec.ids import parse_env_id

NOUN = "env"


def _url(value: str | None) -> str | None:
    return None if value is None else parse_public_base_url(value)


def create(ctx: OpContext, payload: CreateEnvPayload) -> dict[str, Any]:
    """Create an empty environment; never overwrites an existing or corrupt one."""
    env_id = parse_env_id(payload.environment_id)
    ctx.store.env_dir(env_id)
    if payload.listen_addr is not None:
        check_socket_addr(payload.listen_addr)
    url = _url(payload.public_base_url)
    env = Environment(
        environment_id=env_id,
        name=payload.name,
        host_config=EnvironmentHostConfig(
            env_id=env_id,
            region=payload.region,
            tenant_org_id=payload.tenant_org_id,
            listen_addr=payload.listen_addr,
            public_base_url=url,
        ),
    )
    env.validate()

    def action() -> Environment:
        ctx.store.create(env)
        return env

    created = audited(ctx, env_id, NOUN, "create", {"environment_id": env_id}, action)
    return env_summary(created)


def update(ctx: OpContext, payload: UpdateEnvPayload) -> dict[str, Any]:
    """Change only the given fields (name, region, tenant, listen address, URL); never clears."""
    env_id = parse_env_id(payload.environment_id)
    if all(
        v is None
        for v in (
            payload.name,
            payload.region,
            payload.tenant_org_id,
            payload.listen_addr,
            payload.public_base_url,
        )
    ):
        raise InvalidArgumentError(
            "payload",
            "nothing to update: give --name, --region, --tenant-org, --listen-addr or --public-url",
        )
    ctx.store.env_dir(env_id)
    if payload.listen_addr is not None:
        check_socket_addr(payload.listen_addr)
    url = _url(payload.public_base_url)

    def transform(env: Environment) -> tuple[Environment, Environment]:
        host = env.host_config.model_copy(
            update={
                k: v
                for k, v in {
                    "region": payload.region,
                    "tenant_org_id": payload.tenant_org_id,
                    "listen_addr": payload.listen_addr,
                    "public_base_url": url,
                }.items()
                if v is not None
            }
        )
        new = env.model_copy(update={"name": payload.name or env.name, "host_config": host})
        return new, new

    updated = audited(
        ctx,
        env_id,
        NOUN,
        "update",
        {"environment_id": env_id},
        lambda: ctx.store.transact(env_id, transform),
    )
    return env_summary(updated)


def set_public_url(ctx: OpContext, env_id: str, url: str) -> dict[str, Any]:
    """Validate and set `host_config.public_base_url`."""
    parse_env_id(env_id)
    ctx.store.env_dir(env_id)
    canonical = parse_public_base_url(url)

    def transform(env: Environment) -> tuple[Environment, Environment]:
        host = env.host_config.model_copy(update={"public_base_url": canonical})
        new = env.model_copy(update={"host_config": host})
        return new, new

    updated = audited(
        ctx,
        env_id,
        NOUN,
        "set-public-url",
        {"environment_id": env_id, "public_base_url": canonical},
        lambda: ctx.store.transact(env_id, transform),
    )
    return {
        "environment_id": env_id,
        "host_config": updated.host_config.to_json_dict(),
    }


def destroy(ctx: OpContext, env_id: str, *, confirm: bool) -> dict[str, Any]:
    """Retire an environment with nothing live: its directory moves to `<root>/.retired/`."""
    parse_env_id(env_id)
    ctx.store.env_dir(env_id)
    if not confirm:
        raise InvalidArgumentError(
            "--confirm", f"destroying `{env_id}` takes it out of the store; pass --confirm"
        )
    target = {"environment_id": env_id}

    def refuse_if_live(env: Environment) -> None:
        live = [r for r in env.revisions if r.lifecycle.is_live]
        if env.traffic_splits or live:
            raise ConflictError(
                f"environment `{env_id}` is still live: {len(env.traffic_splits)} traffic "
                f"split(s), {len(live)} revision(s) not archived; clear traffic "
                "(`op traffic clear`) and archive revisions first"
            )

    def action() -> Path:
        return ctx.store.retire(
            env_id,
            guard=refuse_if_live,
            audit=lambda: success_event(ctx, env_id, NOUN, "destroy", target),
        )

    retired = audited(ctx, env_id, NOUN, "destroy", target, action, audit_success=False)
    return {"environment_id": env_id, "destroyed": True, "retired_to": str(retired)}


def validate_status(env: Environment) -> dict[str, Any]:
    """`{status: ok}` or `{status: error, message}` for an environment document."""
    try:
        env.validate()
    except SpecError as exc:
        return {"status": "error", "message": exc.message}
    return {"status": "ok"}
