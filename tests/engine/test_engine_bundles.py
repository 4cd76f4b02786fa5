"""Bundle-deployment verbs: customer resolution, add, update, remove, find."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from greentic_deployer.engine.bundles import (
    add_bundle,
    find_deployment,
    remove_bundle,
    resolve_customer_id,
    update_bundle,
)
from greentic_deployer.engine.errors import (
    BundleStillLiveError,
    DeploymentNotFoundError,
    DuplicateDeploymentError,
)
from greentic_deployer.spec.bundle import (
    DeploymentStatus,
    RevenueShareEntry,
    RouteBinding,
    TenantSelector,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError, SpecError, SpecErrorCode
from greentic_deployer.spec.revision import Lifecycle

if TYPE_CHECKING:
    from tests.engine.conftest import EnvBuilder

L = Lifecycle


def add(env: Environment, b: EnvBuilder, n: int = 1, **overrides: Any) -> Environment:
    fields: dict[str, Any] = {
        "deployment_id": b.dep(n),
        "bundle_id": f"bundle-{n}",
        "customer_id": "acme",
        "now": b.NOW,
    }
    fields.update(overrides)
    new_env, _ = add_bundle(env, **fields)
    return new_env


# -- customer id ---------------------------------------------------------------------------


def test_customer_defaults_on_local_only() -> None:
    assert resolve_customer_id("local", None) == "local-dev"
    assert resolve_customer_id("local", "acme") == "acme"
    assert resolve_customer_id("prod", "acme") == "acme"


def test_customer_required_elsewhere() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        resolve_customer_id("prod", None)
    assert info.value.field == "customer_id"
    assert "required for environment `prod`" in info.value.message
    assert "local-dev" in info.value.message


@pytest.mark.parametrize("env_id", ["local", "prod"])
@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_customer_never_blank(env_id: str, blank: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        resolve_customer_id(env_id, blank)
    assert info.value.field == "customer_id"
    assert "blank" in info.value.message


# -- add -----------------------------------------------------------------------------------


def test_add_bundle(builder: EnvBuilder, now: datetime) -> None:
    env = builder.build()
    route = RouteBinding(hosts=["a.example"], tenant_selector=TenantSelector(tenant="t1"))
    share = [
        RevenueShareEntry(party_id="greentic", basis_points=3_000),
        RevenueShareEntry(party_id="partner", basis_points=7_000),
    ]
    new_env, dep = add_bundle(
        env,
        deployment_id=builder.dep(1),
        bundle_id="billing",
        customer_id="acme",
        route_binding=route,
        revenue_share=share,
        authorization_ref="auth/acme.json",
        config_overrides={"pack.a": {"mode": "fast", "n": 3}},
        now=now,
    )
    assert dep.deployment_id == builder.dep(1)
    assert dep.env_id == "staging"
    assert dep.bundle_id == "billing"
    assert dep.customer_id == "acme"
    assert dep.status == DeploymentStatus.active
    assert dep.route_binding == route
    assert dep.revenue_share == share
    assert dep.authorization_ref == "auth/acme.json"
    assert dep.config_overrides == {"pack.a": {"mode": "fast", "n": 3}}
    assert dep.created_at == "2025-03-04T05:06:07Z"
    assert dep.current_revisions == []
    assert new_env.bundles == [dep]
    assert env.bundles == []


def test_add_bundle_defaults(builder: EnvBuilder, now: datetime) -> None:
    _, dep = add_bundle(
        builder.build(), deployment_id=builder.dep(1), bundle_id="b", customer_id="c", now=now
    )
    assert dep.route_binding == RouteBinding()
    assert [(e.party_id, e.basis_points) for e in dep.revenue_share] == [("greentic", 10_000)]
    assert dep.authorization_ref == "auth.json"
    assert dep.config_overrides is None


def test_add_bundle_empty_overrides_are_absent(builder: EnvBuilder, now: datetime) -> None:
    _, dep = add_bundle(
        builder.build(),
        deployment_id=builder.dep(1),
        bundle_id="b",
        customer_id="c",
        config_overrides={},
        now=now,
    )
    assert dep.config_overrides is None


def test_add_bundle_local_defaults_customer(now: datetime) -> None:
    from greentic_deployer.engine.bindings import init_local

    env, _, _ = init_local(None, None)
    _, dep = add_bundle(
        env, deployment_id="01ARZ3NDEKTSV4RRFFQ69G5FAV", bundle_id="b", customer_id=None, now=now
    )
    assert dep.customer_id == "local-dev"


def test_add_bundle_requires_customer_off_local(builder: EnvBuilder, now: datetime) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        add_bundle(
            builder.build(), deployment_id=builder.dep(1), bundle_id="b", customer_id=None, now=now
        )
    assert info.value.field == "customer_id"


@pytest.mark.parametrize("bundle_id", ["", "   "])
def test_add_bundle_needs_bundle_id(builder: EnvBuilder, now: datetime, bundle_id: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        add_bundle(
            builder.build(),
            deployment_id=builder.dep(1),
            bundle_id=bundle_id,
            customer_id="c",
            now=now,
        )
    assert info.value.field == "bundle_id"


def test_add_bundle_duplicate_pair(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder, 1, bundle_id="b", customer_id="acme")
    with pytest.raises(DuplicateDeploymentError) as info:
        add(env, builder, 2, bundle_id="b", customer_id="acme")
    err = info.value
    assert err.kind == "conflict"
    assert err.existing_deployment_id == builder.dep(1)
    assert "bundle `b` is already deployed for customer `acme`" in err.message
    assert "op " not in err.message and not err.same_id  # the CLI names the verb
    # Same bundle for another customer, or another bundle for the same customer, is fine.
    env = add(env, builder, 2, bundle_id="b", customer_id="globex")
    env = add(env, builder, 3, bundle_id="c", customer_id="acme")
    assert len(env.bundles) == 3


def test_add_bundle_duplicate_id(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder, 1)
    with pytest.raises(DuplicateDeploymentError) as info:
        add(env, builder, 1, bundle_id="other")
    assert f"deployment id {builder.dep(1)} already exists" in info.value.message


def test_add_bundle_bad_id(builder: EnvBuilder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        add(builder.build(), builder, deployment_id="zzz")
    assert info.value.field == "deployment_id"


def test_add_bundle_revenue_share_must_sum(builder: EnvBuilder) -> None:
    share = [RevenueShareEntry(party_id="greentic", basis_points=9_999)]
    with pytest.raises(SpecError) as info:
        add(builder.build(), builder, revenue_share=share)
    assert info.value.code == SpecErrorCode.BasisPointsSum


def test_add_bundle_override_caps(builder: EnvBuilder) -> None:
    too_many = {f"pack{n}": {"k": 1} for n in range(33)}
    with pytest.raises(SpecError) as info:
        add(builder.build(), builder, config_overrides=too_many)
    assert info.value.code == SpecErrorCode.ConfigOverridesTooManyPacks


def test_add_bundle_override_values_must_be_json(builder: EnvBuilder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        add(builder.build(), builder, config_overrides={"p": {"k": object()}})
    assert info.value.field.startswith("bundle.config_overrides")


# -- update --------------------------------------------------------------------------------


def test_update_keeps_unspecified_fields(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder, config_overrides={"p": {"k": 1}})
    original = env.bundles[0]
    new_env, dep = update_bundle(env, builder.dep(1), status=DeploymentStatus.paused)
    assert dep.status == DeploymentStatus.paused
    assert dep.model_copy(update={"status": original.status}) == original
    assert new_env.bundles == [dep]


def test_update_sets_fields(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder)
    route = RouteBinding(path_prefixes=["/x"])
    share = [RevenueShareEntry(party_id="p", basis_points=10_000)]
    _, dep = update_bundle(
        env,
        builder.dep(1),
        route_binding=route,
        revenue_share=share,
        config_overrides={"q": {"a": True}},
    )
    assert dep.route_binding == route
    assert dep.revenue_share == share
    assert dep.config_overrides == {"q": {"a": True}}


def test_update_overrides_replace_wholesale(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder, config_overrides={"p": {"k": 1}, "q": {"k": 2}})
    _, dep = update_bundle(env, builder.dep(1), config_overrides={"r": {"k": 3}})
    assert dep.config_overrides == {"r": {"k": 3}}


def test_update_empty_overrides_clear(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder, config_overrides={"p": {"k": 1}})
    _, dep = update_bundle(env, builder.dep(1), config_overrides={})
    assert dep.config_overrides is None


def test_update_rejects_unknown_status(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder)
    with pytest.raises(InvalidArgumentError) as info:
        update_bundle(env, builder.dep(1), status="retired")  # type: ignore[arg-type]
    assert info.value.field == "bundle.status"


def test_update_unknown_deployment(builder: EnvBuilder) -> None:
    with pytest.raises(DeploymentNotFoundError):
        update_bundle(builder.build(), builder.dep(1), status=DeploymentStatus.paused)


def test_update_revalidates(builder: EnvBuilder) -> None:
    env = add(builder.build(), builder)
    with pytest.raises(SpecError) as info:
        update_bundle(
            env, builder.dep(1), revenue_share=[RevenueShareEntry(party_id="p", basis_points=1)]
        )
    assert info.value.code == SpecErrorCode.BasisPointsSum
    with pytest.raises(InvalidArgumentError):
        update_bundle(env, builder.dep(1), config_overrides={"p": {"k": {1, 2}}})


def test_update_override_pack_must_be_in_revisions(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1, pack_ids=["pack.a"]).build()
    _, dep = update_bundle(env, builder.dep(1), config_overrides={"pack.a": {"k": 1}})
    assert dep.config_overrides == {"pack.a": {"k": 1}}
    with pytest.raises(SpecError) as info:
        update_bundle(env, builder.dep(1), config_overrides={"pack.z": {"k": 1}})
    assert info.value.code == SpecErrorCode.ConfigOverridePackNotInRevisions


# -- remove --------------------------------------------------------------------------------


def test_remove_drops_deployment_and_archived_revisions(builder: EnvBuilder) -> None:
    env = (
        builder.deployment(1)
        .deployment(2)
        .revision(1, deployment=1, lifecycle=L.archived)
        .revision(2, deployment=2)
        .revision(3, deployment=1, lifecycle=L.archived)
        .build()
    )
    new_env, removed, compacted = remove_bundle(env, builder.dep(1))
    assert removed == env.bundles[0]
    assert compacted == [builder.rev(1), builder.rev(3)]
    assert [b.deployment_id for b in new_env.bundles] == [builder.dep(2)]
    assert [r.revision_id for r in new_env.revisions] == [builder.rev(2)]


def test_remove_without_revisions(builder: EnvBuilder) -> None:
    _, _, compacted = remove_bundle(builder.deployment().build(), builder.dep(1))
    assert compacted == []


def test_remove_refuses_live_split(builder: EnvBuilder) -> None:
    env = builder.deployment().revision(1).revision(2).split(1, [(1, 10_000)]).build()
    with pytest.raises(BundleStillLiveError) as info:
        remove_bundle(env, builder.dep(1))
    err = info.value
    assert err.kind == "conflict"
    assert (err.split_count, err.revision_count) == (1, 2)
    assert "still live: 1 traffic split(s), 2 non-archived revision(s)" in err.message
    assert "op traffic clear" in err.message


@pytest.mark.parametrize("state", [L.staged, L.warming, L.ready, L.draining, L.failed, L.inactive])
def test_remove_refuses_non_archived_revision(builder: EnvBuilder, state: L) -> None:
    env = builder.deployment().revision(1, lifecycle=L.archived).revision(2, lifecycle=state)
    with pytest.raises(BundleStillLiveError, match="0 traffic split"):
        remove_bundle(env.build(), builder.dep(1))


def test_remove_unknown_deployment(builder: EnvBuilder) -> None:
    with pytest.raises(DeploymentNotFoundError):
        remove_bundle(builder.build(), builder.dep(1))


# -- find ----------------------------------------------------------------------------------


def test_find_deployment(builder: EnvBuilder) -> None:
    env = (
        builder.deployment(1, bundle_id="b", customer_id="acme")
        .deployment(2, bundle_id="b", customer_id="globex")
        .build()
    )
    found = find_deployment(env, "b", "globex")
    assert found is not None
    assert found.deployment_id == builder.dep(2)
    assert find_deployment(env, "b", "initech") is None
    assert find_deployment(env, "c", "acme") is None
