"""Live k8s use-cases through ops, against the emulator over real HTTP on 127.0.0.1.

The store is a real one in a temp dir; the cluster client is the production lightkube client
built from the emulator's kubeconfig, with its retry backoff's sleep injected so nothing waits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.k8s.cluster import K8sCluster
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig, LightkubeCluster
from greentic_deployer.spec.clock import fixed_clock
from greentic_deployer.spec.environment import Environment
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.testing.kube_emulator import RunningEmulator, run_emulator
from greentic_deployer.testing.kube_emulator.access import AccessRule

MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN_TOKEN = "admin-token-0000"
MIN_TOKEN = "min-token-s3cr3t-value"
TOKEN_REF = "secret://live/default/_/k8s-deployer/deployer_token"
TOKEN_VAR = "GTSEC_LIVE_DEFAULT___K8S_DEPLOYER_DEPLOYER_TOKEN"
ADMIN_RULES = (AccessRule(("*",), ("*",), ("*",)),)
# The reference's minimum Role (packs/k8s/credentials.py OPERATIONS): get/create/patch(/delete),
# no list. Namespaced to the env's namespace.
MIN_RULES = (
    AccessRule(("get", "create", "patch", "delete"), ("apps",), ("deployments",), ("gtc-live",)),
    AccessRule(("get", "create", "patch", "delete"), ("",), ("services",), ("gtc-live",)),
    AccessRule(("get", "create", "patch"), ("",), ("configmaps",), ("gtc-live",)),
    AccessRule(("get", "create", "patch", "delete"), ("",), ("secrets",), ("gtc-live",)),
    AccessRule(("get", "create", "patch"), ("",), ("serviceaccounts",), ("gtc-live",)),
    AccessRule(("get", "create", "patch"), ("policy",), ("poddisruptionbudgets",), ("gtc-live",)),
    AccessRule(
        ("get", "create", "patch"), ("networking.k8s.io",), ("networkpolicies",), ("gtc-live",)
    ),
)


async def no_sleep(_seconds: float) -> None:
    """Retry backoff without waiting."""
    await asyncio.sleep(0)


def connect(config: ClusterConfig) -> K8sCluster:
    """The production client, with a short retry bound and no real sleeping."""
    return LightkubeCluster(replace(config, max_retries=3), sleep=no_sleep)


@pytest.fixture
def ctx(tmp_path: Path) -> OpContext:
    """A fresh store and a clock that never moves."""
    return OpContext(store=LocalFileStore(tmp_path / "store"), clock=fixed_clock(MOMENT))


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    """An emulator without tokens (everyone is admin); rollouts complete at once."""
    with run_emulator(tmp_path / "emu", rollout_delay=0) as running:
        yield running


@pytest.fixture
def token_emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    """An emulator with an admin token (in the kubeconfig) and the minimum-Role token."""
    tokens = {ADMIN_TOKEN: ADMIN_RULES, MIN_TOKEN: MIN_RULES}
    with run_emulator(tmp_path / "emu", token=ADMIN_TOKEN, tokens=tokens) as running:
        yield running


def put_env(ctx: OpContext, env: Environment) -> None:
    """Create the env in the store, or replace its document."""
    if ctx.store.exists(env.environment_id):
        ctx.store.transact(env.environment_id, lambda _old: (env, None))
    else:
        ctx.store.create(env)


def env_document(ctx: OpContext, env_id: str) -> str:
    """The env's stored document, for "the store did not change" checks."""
    return (ctx.store.env_dir(env_id) / "environment.json").read_text(encoding="utf-8")


def audit_lines(ctx: OpContext, env_id: str) -> list[dict[str, Any]]:
    """The env's audit events."""
    path = ctx.store.env_dir(env_id) / "audit" / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def writes(running: RunningEmulator) -> dict[str, int]:
    """Requests that could change the cluster, by verb (patch, post, put, delete)."""
    totals = running.emulator.requests_by_verb()
    return {v: n for v, n in totals.items() if v in ("patch", "create", "update", "delete") and n}
