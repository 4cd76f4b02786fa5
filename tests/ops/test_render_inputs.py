"""`env render` hands every declarative deployer its inputs; no renderer is special-cased."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.env_packs import update as rebind
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.payloads import BindingPayload
from greentic_deployer.ops.render import render
from greentic_deployer.packs.builtins import builtin_handlers
from greentic_deployer.packs.contract import JsonObject, RenderInputs
from greentic_deployer.packs.local_process.handler import DESCRIPTOR_PATH
from greentic_deployer.packs.registry import EnvPackRegistry
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError


class EchoRenderer:
    """Renders one object carrying what it was given."""

    def render_environment(
        self, env: Environment, answers: JsonObject | None, inputs: RenderInputs | None = None
    ) -> list[dict[str, Any]]:
        """One ConfigMap naming the env, its answers and a secrets answers lookup."""
        assert inputs is not None and inputs.load_answers is not None
        return [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": env.environment_id},
                "data": {
                    "answers": answers,
                    "secrets": inputs.load_answers("secrets.json"),
                    "dev_store_bytes": inputs.dev_store_bytes,
                },
            }
        ]


def with_echo_renderer(ctx: OpContext) -> OpContext:
    """`ctx`'s store, the local-process deployer given the echo renderer and no file writer."""

    def registry() -> EnvPackRegistry:
        return EnvPackRegistry(
            dataclasses.replace(h, renderer=EchoRenderer())
            if h.descriptor_path == DESCRIPTOR_PATH
            else h
            for h in builtin_handlers()
        )

    return OpContext(store=ctx.store, clock=ctx.clock, registry_factory=registry)


def test_a_third_party_renderer_gets_the_store_backed_answers_loader(ctx: OpContext) -> None:
    init(ctx)
    env_dir = ctx.store.env_dir("local")
    (env_dir / "deployer.json").write_text(json.dumps({"replicas": 2}))
    (env_dir / "secrets.json").write_text(json.dumps({"vault_addr": "https://vault.test"}))
    deployer = next(p for p in ctx.store.load("local").packs if p.slot.value == "deployer")
    rebind(
        ctx,
        BindingPayload(
            environment_id="local",
            slot="deployer",
            kind=deployer.kind,
            pack_ref=deployer.pack_ref,
            answers_ref="deployer.json",
        ),
    )
    result = render(with_echo_renderer(ctx), "local")
    assert result["object_count"] == 1
    assert result["manifests"][0]["data"] == {
        "answers": {"replicas": 2},
        "secrets": {"vault_addr": "https://vault.test"},
        "dev_store_bytes": None,
    }


def test_a_renderer_without_a_file_writer_refuses_an_output_directory(
    ctx: OpContext, tmp_path: Path
) -> None:
    init(ctx)
    (ctx.store.env_dir("local") / "secrets.json").write_text("{}")
    with pytest.raises(ConflictError, match="cannot write manifest files"):
        render(with_echo_renderer(ctx), "local", output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
