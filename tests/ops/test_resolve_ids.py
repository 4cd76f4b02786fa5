"""Typed ids: unique ULID prefixes, bundle ids for deployments, wrong-kind and ambiguity errors."""

from __future__ import annotations

import pytest

from greentic_deployer.engine.errors import DeploymentNotFoundError, RevisionNotFoundError
from greentic_deployer.ops.bundles import add_deployment
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.init_env import init
from greentic_deployer.ops.resolve import resolve_deployment_id, resolve_revision_id
from greentic_deployer.spec.bundle import RouteBinding
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, Revision

MOMENT = "2026-01-01T00:00:00Z"


def _revision(env: Environment, rid: str, deployment_id: str) -> Revision:
    return Revision(
        revision_id=rid,
        env_id=env.environment_id,
        bundle_id="hello",
        deployment_id=deployment_id,
        sequence=1,
        created_at=MOMENT,
        bundle_digest="sha256:" + "0" * 64,
        lifecycle=Lifecycle.staged,
    )


@pytest.fixture
def env(ctx: OpContext) -> Environment:
    """`local` with deployments of `hello` (two customers) and `shop`, and three revisions."""
    init(ctx)
    ids = []
    for bundle, customer in (("hello", "local-dev"), ("hello", "acme"), ("shop", "local-dev")):
        added = add_deployment(
            ctx, "local", bundle_id=bundle, customer_id=customer, route_binding=RouteBinding()
        )
        ids.append(added["deployment_id"])
    loaded = ctx.store.load("local")
    # Revisions sharing a long prefix, so that only a longer prefix is unique.
    revisions = [_revision(loaded, ulid_from_int((7 << 100) + n), ids[0]) for n in (1, 2, 1 << 60)]
    return loaded.model_copy(update={"revisions": revisions})


def test_a_unique_revision_prefix_resolves_case_insensitively(env: Environment) -> None:
    target = env.revisions[2].revision_id
    assert resolve_revision_id(env, target[:16].lower()) == target
    assert resolve_revision_id(env, target) == target


def test_an_ambiguous_revision_prefix_lists_the_candidates(env: Environment) -> None:
    first, second = env.revisions[0].revision_id, env.revisions[1].revision_id
    with pytest.raises(InvalidArgumentError) as caught:
        resolve_revision_id(env, first[:20])
    assert first in caught.value.message and second in caught.value.message
    assert caught.value.kind == "invalid-argument"


def test_short_or_foreign_text_is_left_for_the_ulid_check(env: Environment) -> None:
    assert resolve_revision_id(env, "01a") == "01a"
    assert resolve_revision_id(env, "not-a-ulid") == "not-a-ulid"
    ghost = ulid_from_int(99)
    assert resolve_revision_id(env, ghost) == ghost  # the verb reports it not found


def test_an_unmatched_prefix_is_not_found(env: Environment) -> None:
    with pytest.raises(RevisionNotFoundError):
        resolve_revision_id(env, "7ZZZZZ")


def test_a_deployment_id_given_as_a_revision_says_so(env: Environment) -> None:
    deployment_id = env.bundles[0].deployment_id
    with pytest.raises(InvalidArgumentError, match="is deployment"):
        resolve_revision_id(env, deployment_id)


def test_a_bundle_id_names_its_only_deployment(env: Environment) -> None:
    shop = env.bundles[2].deployment_id
    assert resolve_deployment_id(env, "shop") == shop
    assert resolve_deployment_id(env, "shop", bundles_only=True) == shop


def test_a_bundle_deployed_for_two_customers_is_ambiguous_and_lists_them(
    env: Environment,
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        resolve_deployment_id(env, "hello", "--bundle", bundles_only=True)
    assert "customer local-dev" in caught.value.message
    assert "customer acme" in caught.value.message


def test_an_unknown_bundle_is_not_found(env: Environment) -> None:
    with pytest.raises(DeploymentNotFoundError, match="of bundle `nope`"):
        resolve_deployment_id(env, "nope", bundles_only=True)


def test_a_revision_id_given_as_a_deployment_names_its_deployment(env: Environment) -> None:
    """Guards the bug where a revision id passed as --deployment said 'has no traffic split'."""
    revision = env.revisions[0]
    with pytest.raises(InvalidArgumentError) as caught:
        resolve_deployment_id(env, revision.revision_id)
    assert f"is a revision of deployment {revision.deployment_id}" in caught.value.message


def test_a_deployment_prefix_resolves(env: Environment) -> None:
    shop = env.bundles[2].deployment_id
    others = [b.deployment_id for b in env.bundles[:2]]
    length = next(n for n in range(4, 27) if not any(o.startswith(shop[:n]) for o in others))
    assert resolve_deployment_id(env, shop[:length].lower()) == shop
