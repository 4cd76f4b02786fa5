"""`op env destroy`: refuses while live, retires the directory whole, audit travels with it."""

from __future__ import annotations

import json

import pytest

from greentic_deployer.ops import env as env_ops
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.deploy import DeployRequest, deploy
from greentic_deployer.ops.init_env import init
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from greentic_deployer.store.errors import EnvNotFoundError
from tests.conftest import EXAMPLE_BUNDLE


def _events(path: object) -> list[dict[str, object]]:
    return [json.loads(line) for line in str(path).splitlines()]


def test_destroy_needs_confirm(ctx: OpContext) -> None:
    init(ctx)
    with pytest.raises(InvalidArgumentError):
        env_ops.destroy(ctx, "local", confirm=False)
    assert ctx.store.exists("local")


def test_destroy_refuses_a_live_environment_and_audits_the_refusal(ctx: OpContext) -> None:
    init(ctx)
    deploy(ctx, DeployRequest(bundle_path=EXAMPLE_BUNDLE))
    before = ctx.store.load("local")
    with pytest.raises(ConflictError, match="still live: 1 traffic split"):
        env_ops.destroy(ctx, "local", confirm=True)
    assert ctx.store.load("local") == before
    log = (ctx.store.root / "local" / "audit" / "events.jsonl").read_text()
    last = _events(log)[-1]
    assert (last["verb"], last["result"]) == (
        "destroy",
        {"outcome": "error", "kind": "conflict", "message": last["result"]["message"]},  # type: ignore[index]
    )


def test_destroy_retires_the_directory_with_its_audit_trail(ctx: OpContext) -> None:
    init(ctx)
    result = env_ops.destroy(ctx, "local", confirm=True)
    retired = ctx.store.root / ".retired"
    moved = next(retired.iterdir())
    assert result["retired_to"] == str(moved)
    assert moved.name.startswith("local.")
    assert (moved / "environment.json").is_file()
    events = _events((moved / "audit" / "events.jsonl").read_text())
    assert [(e["verb"], e["result"]) for e in events] == [
        ("init", {"outcome": "ok"}),
        ("destroy", {"outcome": "ok"}),
    ]
    assert not (ctx.store.root / "local").exists()
    with pytest.raises(EnvNotFoundError):
        env_ops.destroy(ctx, "local", confirm=True)
    assert not (ctx.store.root / "local").exists()  # a failed destroy never recreates it
