"""The one path from a verb to the environment's bound deployer (provider effects).

Every verb that asks a deployer env-pack to act goes through `run_provider_verb` (mutating) or
`query_provider` (read-only, e.g. credential probes). Both resolve the env's `deployer` binding
through the registry carried on the `OpContext` and run the provider coroutine on one event loop.

Order of a mutating provider verb (also recorded in docs/decisions.md):

1. **Provider effect first.** The deployer acts on the environment as loaded; lifecycle state
   is owned by the store, so the provider never sees a half-recorded change.
2. **Then `store.transact` records the result**, with the pure engine transform given by the
   verb, re-checked on the locked copy.
3. **Then audit**: exactly one audit line, `ok` with the verb's target.

A failed provider effect records one failed audit line and changes nothing in the store, with one
documented exception: when the verb passes `record_failure` (warm does), that transform sees the
failure and raises the engine's committed-on-error error (`HealthGateFailed`, the revision flipped
to `failed`), which the store persists and which is then the error the verb reports (audited as
committed). An exception a provider raises that is not one of ours is reported as a
`ProviderError`, never as a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from greentic_deployer.ops.audit import audited
from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.contract import Deployer, ProviderError
from greentic_deployer.packs.registry import EnvPackHandler
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, GreenticError, InvalidArgumentError
from greentic_deployer.spec.slots import CapabilitySlot

R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True)
class BoundDeployer:
    """An environment as loaded, its deployer binding and the handler that serves it."""

    env: Environment
    binding: EnvPackBinding
    handler: EnvPackHandler
    env_dir: Path

    def deployer(self) -> Deployer:
        """A fresh deployer of the bound pack (ConflictError when the pack has none)."""
        return self.handler.new_deployer()


def bound_deployer(ctx: OpContext, env_id: str) -> BoundDeployer:
    """Load the environment and resolve its deployer binding through the context's registry."""
    env = ctx.store.load(env_id)
    binding = env.pack_for_slot(CapabilitySlot.deployer)
    if binding is None:
        raise ConflictError(
            f"environment `{env_id}` has no deployer binding; bind one with "
            "`gtc op env-packs add --slot deployer`"
        )
    handler = ctx.registry.resolve_for_slot(CapabilitySlot.deployer, binding.kind)
    return BoundDeployer(
        env=env, binding=binding, handler=handler, env_dir=ctx.store.env_dir(env_id)
    )


def _run_effect(effect: Callable[[BoundDeployer], Awaitable[R]], bound: BoundDeployer) -> R:
    async def main() -> R:
        return await effect(bound)

    try:
        return asyncio.run(main())
    except GreenticError:
        raise
    except Exception as exc:  # a provider library's own error: typed, never a traceback
        raise ProviderError(f"{type(exc).__name__}: {exc}") from exc


def query_provider(
    ctx: OpContext, env_id: str, effect: Callable[[BoundDeployer], Awaitable[R]]
) -> R:
    """Run a read-only provider call (no store change, no audit line)."""
    return _run_effect(effect, bound_deployer(ctx, env_id))


def run_provider_verb(
    ctx: OpContext,
    env_id: str,
    *,
    noun: str,
    verb: str,
    target: dict[str, Any],
    effect: Callable[[BoundDeployer], Awaitable[R]],
    record: Callable[[Environment, R], tuple[Environment, T]],
    record_failure: Callable[[Environment, GreenticError], tuple[Environment, T]] | None = None,
    idempotency_key: str | None = None,
) -> T:
    """Provider effect, then `store.transact(record)`, then one audit line (see module doc)."""

    def action() -> T:
        if ctx.dry_run:
            # A deployer acts on real infrastructure; a dry run must not, and cannot guess.
            raise InvalidArgumentError(
                "--dry-run", f"`{noun} {verb}` asks the deployer to act; it cannot be previewed"
            )
        bound = bound_deployer(ctx, env_id)
        try:
            outcome = _run_effect(effect, bound)
        except GreenticError as exc:
            if record_failure is None:
                raise
            _record_failure(ctx, env_id, record_failure, exc)
            raise
        return ctx.store.transact(env_id, lambda env: record(env, outcome))

    return audited(ctx, env_id, noun, verb, target, action, idempotency_key=idempotency_key)


def run_then_commit(
    ctx: OpContext,
    env_id: str,
    *,
    noun: str,
    verb: str,
    target: dict[str, Any],
    effect: Callable[[BoundDeployer], Awaitable[R]],
    commit: Callable[[R], T],
) -> T:
    """Provider effect, then `commit`: a store verb that records and audits itself.

    For verbs whose record step is a whole use-case (a keyed `traffic set`); a failed effect
    appends one failed audit line and changes nothing in the store.
    """

    def effect_only() -> R:
        if ctx.dry_run:
            raise InvalidArgumentError(
                "--dry-run", f"`{noun} {verb}` asks the deployer to act; it cannot be previewed"
            )
        return _run_effect(effect, bound_deployer(ctx, env_id))

    outcome = audited(ctx, env_id, noun, verb, target, effect_only, audit_success=False)
    return commit(outcome)


def _record_failure(
    ctx: OpContext,
    env_id: str,
    record_failure: Callable[[Environment, GreenticError], tuple[Environment, T]],
    failure: GreenticError,
) -> None:
    # The committed-on-error path: the transform raises the engine's CommitOnError (warm's
    # HealthGateFailed), which the store persists and marks committed before it propagates.
    ctx.store.transact(env_id, lambda env: record_failure(env, failure))
