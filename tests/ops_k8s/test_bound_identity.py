"""Live verbs as the env's bound identity, with the reference's minimum Role (no `list`).

Checks: the token from the env var drives reconcile; a list answered 403 falls back to GETs of
the desired objects and the store's known worker names (pruning still works); granting `list`
restores the one-list read; a bound env without a token fails closed before any write; the
token never appears in results, errors or the audit log.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from greentic_deployer.ops import live
from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.testing.kube_emulator import RunningEmulator
from greentic_deployer.testing.kube_emulator.access import AccessRule
from tests.k8s_live.builders import ENV_ID, NAMESPACE, R1, archived_env, ready_env
from tests.ops_k8s.conftest import (
    MIN_RULES,
    MIN_TOKEN,
    TOKEN_REF,
    TOKEN_VAR,
    audit_lines,
    connect,
    put_env,
)


def bound(env: Environment) -> Environment:
    """The env with a credentials_ref recorded (bound identity)."""
    return env.model_copy(update={"credentials_ref": TOKEN_REF})


def prepare_namespace(ctx: OpContext, running: RunningEmulator) -> None:
    """An admin reconcile (the kubeconfig's token, no credentials_ref) creates the namespace."""
    put_env(ctx, archived_env())
    live.reconcile(ctx, ENV_ID, kubeconfig=running.kubeconfig, connect=connect)
    running.emulator.reset_counters()


def reconcile(ctx: OpContext, running: RunningEmulator, **kw: Any) -> dict[str, Any]:
    return live.reconcile(ctx, ENV_ID, kubeconfig=running.kubeconfig, connect=connect, **kw)


def by_verb(running: RunningEmulator, verb: str) -> dict[str, int]:
    return {r: n for (v, r), n in running.emulator.counters.items() if v == verb and n}


def test_a_minimum_role_without_list_reads_with_gets_and_still_prunes(
    ctx: OpContext, token_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_namespace(ctx, token_emulator)
    monkeypatch.setenv(TOKEN_VAR, MIN_TOKEN)
    put_env(ctx, bound(ready_env()))
    first = reconcile(ctx, token_emulator)
    assert first["identity"] == "bound"
    # A namespace-scoped identity leaves the Namespace out: 12 + 2 - 1.
    assert first["applied_count"] == 13 and first["pruned_count"] == 0
    assert by_verb(token_emulator, "get")  # the fallback read
    assert by_verb(token_emulator, "list")  # each list was tried once and refused

    put_env(ctx, bound(archived_env()))
    token_emulator.emulator.reset_counters()
    second = reconcile(ctx, token_emulator)
    assert second["pruned_count"] == 2
    assert {p["name"] for p in second["pruned"]} == {worker_name(R1)}
    assert token_emulator.emulator.object("deployments", NAMESPACE, worker_name(R1)) is None


def test_granting_list_restores_the_one_list_read(
    ctx: OpContext, token_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_namespace(ctx, token_emulator)
    with_list = (*MIN_RULES, AccessRule(("list",), ("*",), ("*",), (NAMESPACE,)))
    token_emulator.emulator.access.tokens[MIN_TOKEN] = with_list  # type: ignore[index]
    monkeypatch.setenv(TOKEN_VAR, MIN_TOKEN)
    put_env(ctx, bound(ready_env()))
    report = reconcile(ctx, token_emulator)
    assert report["applied_count"] == 13
    assert by_verb(token_emulator, "get") == {}
    assert sum(by_verb(token_emulator, "list").values()) == 5


def test_a_bound_env_without_a_token_fails_closed_and_writes_nothing(
    ctx: OpContext, token_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_namespace(ctx, token_emulator)
    monkeypatch.delenv(TOKEN_VAR, raising=False)
    put_env(ctx, bound(ready_env()))
    with pytest.raises(ConflictError) as caught:
        reconcile(ctx, token_emulator)
    assert TOKEN_VAR in caught.value.message
    assert "Refusing to fall back to the ambient identity" in caught.value.message
    assert by_verb(token_emulator, "patch") == {} and by_verb(token_emulator, "delete") == {}


def test_the_token_never_appears_in_results_errors_or_the_audit_log(
    ctx: OpContext, token_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_namespace(ctx, token_emulator)
    monkeypatch.setenv(TOKEN_VAR, MIN_TOKEN)
    put_env(ctx, bound(ready_env()))
    texts = [json.dumps(reconcile(ctx, token_emulator))]
    texts.append(
        json.dumps(live.diff(ctx, ENV_ID, kubeconfig=token_emulator.kubeconfig, connect=connect))
    )
    token_emulator.emulator.inject_fault(status=403, count=1, verb="patch")
    with pytest.raises(ConflictError) as caught:
        reconcile(ctx, token_emulator)
    texts.append(caught.value.message)
    texts.append(json.dumps(audit_lines(ctx, ENV_ID)))
    assert texts and all(MIN_TOKEN not in text for text in texts)
