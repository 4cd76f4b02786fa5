"""`Environment.validate()`: the ordered checks, first failure wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from greentic_deployer.spec.bindings import local_default_bindings
from greentic_deployer.spec.environment import ENVIRONMENT_SCHEMA, Environment
from greentic_deployer.spec.errors import SpecError, SpecErrorCode
from greentic_deployer.spec.ids import parse_extension_ref
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.slots import CapabilitySlot

from .conftest import (
    D1,
    D2,
    D3,
    D9,
    DEPLOYER_KIND,
    ENV,
    EP1,
    EP2,
    EP3,
    EXT_KIND,
    OTHER_ENV,
    R1,
    R2,
    R3,
    R4,
    R9,
    SECRETS_KIND,
    deployment,
    endpoint,
    environment,
    evolve,
    extension,
    host_config,
    pack_binding,
    revision,
    split,
    valid_env,
    validation_error,
)

Code = SpecErrorCode


def test_valid_env_passes_and_is_not_mutated(env: Environment) -> None:
    before = env.to_json_dict()
    env.validate()
    assert env.to_json_dict() == before


def test_minimal_env_passes() -> None:
    environment().validate()
    environment("local", packs=local_default_bindings()).validate()


def test_environment_is_frozen(env: Environment) -> None:
    with pytest.raises(ValidationError):
        env.name = "renamed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        env.revisions[0].lifecycle = Lifecycle.failed  # type: ignore[misc]


# -- 1. schema -----------------------------------------------------------------------


def test_1_schema_mismatch(env: Environment) -> None:
    err = validation_error(evolve(env, schema_="greentic.environment.v2"))
    assert err.code is Code.SchemaMismatch
    assert err.details == {"expected": ENVIRONMENT_SCHEMA, "actual": "greentic.environment.v2"}
    assert str(err).startswith("SchemaMismatch: ")


# -- 2. host_config env id -----------------------------------------------------------


def test_2_host_config_env_mismatch(env: Environment) -> None:
    err = validation_error(evolve(env, host_config=host_config(OTHER_ENV)))
    assert err.code is Code.EnvIdMismatch
    assert err.details == {"context": "host_config", "expected": ENV, "actual": OTHER_ENV}


# -- 3. public base url --------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://x.example", "https://x.example/path", ""])
def test_3_public_url_invalid(env: Environment, url: str) -> None:
    err = validation_error(evolve(env, host_config=host_config(public_base_url=url)))
    assert err.code is Code.InvalidPublicBaseUrl
    assert str(err).startswith("InvalidPublicBaseUrl: public_base_url: ")


@pytest.mark.parametrize("addr", ["not-a-socket-addr", "localhost:8080", "[::1]", "::1:80"])
def test_3_malformed_listen_addr_is_a_spec_error(env: Environment, addr: str) -> None:
    """A stored listen_addr that is not a socket address used to validate and load."""
    err = validation_error(evolve(env, host_config=host_config(listen_addr=addr)))
    assert err.code is Code.InvalidListenAddr
    assert str(err).startswith("InvalidListenAddr: host_config.listen_addr: ")
    assert err.details["listen_addr"] == addr


def test_3_socket_listen_addrs_validate(env: Environment) -> None:
    for addr in ("127.0.0.1:8080", "0.0.0.0:9000", "[::1]:8080"):
        evolve(env, host_config=host_config(listen_addr=addr)).validate()


def test_3_public_url_absent_or_trailing_slash_is_fine(env: Environment) -> None:
    evolve(env, host_config=host_config()).validate()
    evolve(env, host_config=host_config(public_base_url=" https://x.example/ ")).validate()


# -- 4. slot uniqueness --------------------------------------------------------------


def test_4_duplicate_slot(env: Environment) -> None:
    dup = pack_binding(CapabilitySlot.secrets, "greentic.secrets.vault@1.0.0")
    err = validation_error(evolve(env, packs=[*env.packs, dup]))
    assert err.code is Code.DuplicateCapabilitySlot
    assert err.details == {"slot": "secrets"}


def test_4_same_kind_in_different_slots_is_fine() -> None:
    environment(
        packs=[
            pack_binding(CapabilitySlot.sessions, "greentic.memory@0.1.0"),
            pack_binding(CapabilitySlot.state, "greentic.memory@0.1.0"),
        ]
    ).validate()


# -- 5. credentials_ref --------------------------------------------------------------


def test_5_cross_env_credentials_ref(env: Environment) -> None:
    ref = f"secret://{OTHER_ENV}/deployer/credentials"
    err = validation_error(evolve(env, credentials_ref=ref))
    assert err.code is Code.CrossEnvRef
    assert err.details == {"reference": ref}


def test_5_credentials_ref_env_segment_must_match_exactly(env: Environment) -> None:
    err = validation_error(evolve(env, credentials_ref=f"secret://{ENV}x/creds"))
    assert err.code is Code.CrossEnvRef
    evolve(env, credentials_ref=None).validate()


# -- 6. revisions --------------------------------------------------------------------


def test_6_revision_schema_mismatch(env: Environment) -> None:
    bad = evolve(revision(R4), schema_="greentic.revision.v0")
    err = validation_error(evolve(env, revisions=[*env.revisions, bad]))
    assert err.code is Code.SchemaMismatch
    assert err.details == {"expected": "greentic.revision.v1", "actual": "greentic.revision.v0"}


def test_6_revision_env_mismatch(env: Environment) -> None:
    err = validation_error(evolve(env, revisions=[*env.revisions, revision(R4, env_id="dev")]))
    assert err.code is Code.EnvIdMismatch
    assert err.details["context"] == f"revision {R4}"
    assert err.details["actual"] == "dev"


def test_6_revision_schema_checked_before_env() -> None:
    bad = evolve(revision(R1, env_id="dev"), schema_="x")
    assert validation_error(environment(revisions=[bad])).code is Code.SchemaMismatch


# -- 7. bundle deployments -----------------------------------------------------------


def with_bundles(env: Environment, *bundles: Any) -> Environment:
    return evolve(env, bundles=list(bundles))


def test_7_bundle_env_mismatch(env: Environment) -> None:
    err = validation_error(with_bundles(env, env.bundles[0], deployment(D2, env_id="dev")))
    assert err.code is Code.EnvIdMismatch
    assert err.details["context"] == f"bundle deployment {D2}"


def test_7_bundle_schema_mismatch(env: Environment) -> None:
    bad = evolve(env.bundles[1], schema_="greentic.bundle-deployment.v9")
    err = validation_error(with_bundles(env, env.bundles[0], bad))
    assert err.code is Code.SchemaMismatch


@pytest.mark.parametrize(
    ("revenue", "code"),
    [
        ((("greentic", 5_000), ("acme", 4_999)), Code.BasisPointsSum),
        ((("greentic", 5_000), ("acme", 5_001)), Code.BasisPointsSum),
        ((), Code.BasisPointsSum),
        ((("greentic", 10_001),), Code.BasisPointsEntryTooLarge),
        ((("greentic", 20_000), ("acme", 0)), Code.BasisPointsEntryTooLarge),
    ],
)
def test_7_revenue_share(
    env: Environment, revenue: tuple[tuple[str, int], ...], code: Code
) -> None:
    bad = deployment(D2, bundle_id="b2", revenue=revenue)
    assert validation_error(with_bundles(env, env.bundles[0], bad)).code is code


def test_7_revenue_share_split_between_parties_is_fine(env: Environment) -> None:
    ok = deployment(D2, bundle_id="b2", revenue=(("greentic", 2_500), ("acme", 7_500), ("x", 0)))
    with_bundles(env, env.bundles[0], ok).validate()


def test_7_revenue_share_sum_detail(env: Environment) -> None:
    bad = deployment(D2, bundle_id="b2", revenue=(("greentic", 6_000), ("acme", 6_000)))
    err = validation_error(with_bundles(env, env.bundles[0], bad))
    assert err.details == {"sum": 12_000}


def overrides_env(overrides: dict[str, dict[str, Any]]) -> Environment:
    """One deployment with overrides and no revisions (the pack union is empty)."""
    return environment(bundles=[deployment(config_overrides=overrides)])


def test_7_config_override_caps_at_the_limit_pass() -> None:
    overrides_env({f"p.{i}": {"k": i} for i in range(32)}).validate()
    overrides_env({"p.x": {f"k{i}": i for i in range(64)}}).validate()
    overhead = len('{"p.x":{"k":""}}')
    overrides_env({"p.x": {"k": "a" * (16 * 1024 - overhead)}}).validate()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({f"p.{i}": {"k": i} for i in range(33)}, Code.ConfigOverridesTooManyPacks),
        ({"p.x": {f"k{i}": i for i in range(65)}}, Code.ConfigOverridesTooManyKeysForPack),
        (
            {"p.x": {"k": "a" * (16 * 1024 - len('{"p.x":{"k":""}}') + 1)}},
            Code.ConfigOverridesTooLarge,
        ),
        ({"p.x": {"k": "é" * 8200}}, Code.ConfigOverridesTooLarge),  # bytes, not chars
        ({"p.x": {f"k{i}": "v" * 300 for i in range(60)}}, Code.ConfigOverridesTooLarge),
        ({"": {"k": 1}}, Code.ConfigOverrideEmptyPackId),
        ({"p.x": {"k": 1}, "": {}}, Code.ConfigOverrideEmptyPackId),
        ({"p.x": {"": 1}}, Code.ConfigOverrideEmptyKey),
    ],
)
def test_7_config_override_caps(overrides: dict[str, dict[str, Any]], code: Code) -> None:
    assert validation_error(overrides_env(overrides)).code is code


def test_7_too_large_reports_the_byte_size() -> None:
    err = validation_error(overrides_env({"p.x": {"k": "é" * 8200}}))
    assert err.details == {"size": len('{"p.x":{"k":""}}') + 16_400}


def test_7_current_revisions_known_and_matching_pass(env: Environment) -> None:
    bundles = [evolve(env.bundles[0], current_revisions=[R1, R2]), env.bundles[1]]
    evolve(env, bundles=bundles).validate()


@pytest.mark.parametrize(
    ("current", "code"),
    [
        (R9, Code.UnknownRevision),
        (R3, Code.BundleRevisionWrongDeployment),  # R3 is a revision of D2
        (R4, Code.BundleRevisionWrongBundle),  # R4 is of D1 but bundle "other"
    ],
)
def test_7_current_revisions(env: Environment, current: str, code: Code) -> None:
    extra = revision(R4, bundle_id="other", sequence=3)
    bundles = [evolve(env.bundles[0], current_revisions=[R1, current]), env.bundles[1]]
    err = validation_error(evolve(env, bundles=bundles, revisions=[*env.revisions, extra]))
    assert err.code is code
    assert err.details == {"revision_id": current}


def packs_env(
    overrides: dict[str, dict[str, Any]], *revisions: Any, extra_bundles: Any = ()
) -> Environment:
    return environment(
        bundles=[deployment(config_overrides=overrides), *extra_bundles],
        revisions=list(revisions),
    )


def test_7_override_pack_in_a_revision_passes() -> None:
    packs_env(
        {"greentic.a": {"k": 1}, "greentic.b": {"k": 2}},
        revision(R1, packs=["greentic.a"]),
        revision(R2, packs=["greentic.b"], lifecycle=Lifecycle.staged),
    ).validate()


def test_7_override_pack_not_in_revisions() -> None:
    err = validation_error(
        packs_env(
            {"greentic.a": {"k": 1}, "greentic.c": {"k": 1}}, revision(R1, packs=["greentic.a"])
        )
    )
    assert err.code is Code.ConfigOverridePackNotInRevisions
    assert err.details == {"pack_id": "greentic.c"}


def test_7_override_pack_empty_union_is_forward_accepted() -> None:
    packs_env({"greentic.c": {"k": 1}}).validate()
    packs_env({"greentic.c": {"k": 1}}, revision(R1, packs=[])).validate()


def test_7_override_pack_archived_revisions_do_not_count() -> None:
    err = validation_error(
        packs_env(
            {"greentic.c": {"k": 1}},
            revision(R1, packs=["greentic.a"]),
            revision(R2, packs=["greentic.c"], lifecycle=Lifecycle.archived),
        )
    )
    assert err.code is Code.ConfigOverridePackNotInRevisions
    # With only archived revisions the union is empty again: forward-accepted.
    packs_env(
        {"greentic.c": {"k": 1}}, revision(R2, packs=["greentic.a"], lifecycle=Lifecycle.archived)
    ).validate()


@pytest.mark.parametrize(
    "lifecycle", [s for s in Lifecycle if s is not Lifecycle.archived], ids=str
)
def test_7_override_pack_every_non_archived_state_counts(lifecycle: Lifecycle) -> None:
    packs_env(
        {"greentic.c": {"k": 1}},
        revision(R1, packs=["greentic.a"]),
        revision(R2, packs=["greentic.c"], lifecycle=lifecycle),
    ).validate()


def test_7_override_pack_other_deployments_do_not_count() -> None:
    err = validation_error(
        packs_env(
            {"greentic.c": {"k": 1}},
            revision(R1, packs=["greentic.a"]),
            revision(R3, D2, bundle_id="b2", packs=["greentic.c"]),
            extra_bundles=[deployment(D2, bundle_id="b2")],
        )
    )
    assert err.code is Code.ConfigOverridePackNotInRevisions


def test_7_empty_config_overrides_are_absent() -> None:
    dep = deployment(config_overrides={})
    assert dep.config_overrides is None
    assert "config_overrides" not in dep.to_json_dict()
    packs_env({}, revision(R1, packs=["greentic.a"])).validate()


def test_7_first_bundle_fully_checked_before_the_second(env: Environment) -> None:
    first = deployment(config_overrides={"": {"k": 1}})
    second = deployment(D2, bundle_id="b2", env_id="dev")
    assert validation_error(with_bundles(env, first, second)).code is Code.ConfigOverrideEmptyPackId


def test_7_bundle_order_env_then_validate_then_current_then_overrides() -> None:
    both_env_and_share = deployment(env_id="dev", revenue=(("x", 1),))
    assert validation_error(environment(bundles=[both_env_and_share])).code is Code.EnvIdMismatch
    share_and_unknown = deployment(revenue=(("x", 1),), current_revisions=[R9])
    assert validation_error(environment(bundles=[share_and_unknown])).code is Code.BasisPointsSum
    schema_and_share = evolve(deployment(revenue=(("x", 1),)), schema_="x")
    assert validation_error(environment(bundles=[schema_and_share])).code is Code.SchemaMismatch
    unknown_and_packs = deployment(
        current_revisions=[R9], config_overrides={"greentic.c": {"k": 1}}
    )
    err = validation_error(
        environment(bundles=[unknown_and_packs], revisions=[revision(R1, packs=["greentic.a"])])
    )
    assert err.code is Code.UnknownRevision


# -- 8. traffic splits ---------------------------------------------------------------


def with_split(env: Environment, new: Any) -> Environment:
    return evolve(env, traffic_splits=[env.traffic_splits[0], new])


def test_8_split_env_mismatch(env: Environment) -> None:
    err = validation_error(with_split(env, split(D2, [(R3, 10_000)], bundle_id="b2", env_id="dev")))
    assert err.code is Code.EnvIdMismatch
    assert err.details["context"] == f"traffic split of {D2}"


def test_8_split_schema_mismatch(env: Environment) -> None:
    bad = evolve(split(D2, [(R3, 10_000)], bundle_id="b2"), schema_="greentic.traffic-split.v0")
    assert validation_error(with_split(env, bad)).code is Code.SchemaMismatch


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([(R3, 9_999)], Code.BasisPointsSum),
        ([], Code.BasisPointsSum),
        ([(R3, 10_001)], Code.BasisPointsEntryTooLarge),
        ([(R3, 2**32 - 1), (R9, 0)], Code.BasisPointsEntryTooLarge),
    ],
)
def test_8_split_basis_points(env: Environment, entries: list[tuple[str, int]], code: Code) -> None:
    bad = split(D2, entries, bundle_id="b2")
    assert validation_error(with_split(env, bad)).code is code


def test_8_zero_weight_entries_allowed(env: Environment) -> None:
    rev = revision(R4, D2, bundle_id="b2", sequence=2)
    ok = split(D2, [(R3, 10_000), (R4, 0)], bundle_id="b2")
    evolve(
        env, revisions=[*env.revisions, rev], traffic_splits=[env.traffic_splits[0], ok]
    ).validate()


def test_8_split_unknown_deployment(env: Environment) -> None:
    err = validation_error(with_split(env, split(D9, [(R3, 10_000)], bundle_id="b2")))
    assert err.code is Code.UnknownDeployment
    assert err.details == {"deployment_id": D9}


def test_8_split_deployment_bundle_mismatch(env: Environment) -> None:
    err = validation_error(with_split(env, split(D2, [(R3, 10_000)], bundle_id="b1")))
    assert err.code is Code.SplitDeploymentBundleMismatch
    assert err.details == {"deployment_id": D2}


def test_8_split_unknown_revision(env: Environment) -> None:
    err = validation_error(with_split(env, split(D2, [(R3, 5_000), (R9, 5_000)], bundle_id="b2")))
    assert err.code is Code.UnknownRevision
    assert err.details == {"revision_id": R9}


def test_8_split_revision_wrong_deployment(env: Environment) -> None:
    err = validation_error(with_split(env, split(D2, [(R3, 5_000), (R1, 5_000)], bundle_id="b2")))
    assert err.code is Code.SplitRevisionWrongDeployment
    assert err.details == {"revision_id": R1}


def test_8_split_revision_wrong_bundle(env: Environment) -> None:
    odd = revision(R4, D2, bundle_id="other", sequence=2)
    bad = split(D2, [(R3, 5_000), (R4, 5_000)], bundle_id="b2")
    err = validation_error(evolve(with_split(env, bad), revisions=[*env.revisions, odd]))
    assert err.code is Code.SplitRevisionWrongBundle
    assert err.details == {"revision_id": R4}


def test_8_duplicate_revision_in_one_split(env: Environment) -> None:
    """Duplicate revision ids in one split are rejected."""
    bad = split(D2, [(R3, 5_000), (R3, 5_000)], bundle_id="b2")
    err = validation_error(with_split(env, bad))
    assert err.code is Code.DuplicateSplitRevision
    assert err.details == {"revision_id": R3}


def test_8_duplicate_revision_checked_after_basis_points(env: Environment) -> None:
    bad = split(D2, [(R3, 5_000), (R3, 4_000)], bundle_id="b2")
    assert validation_error(with_split(env, bad)).code is Code.BasisPointsSum


@pytest.mark.parametrize("lifecycle", list(Lifecycle), ids=str)
def test_8_lifecycle_is_not_checked(env: Environment, lifecycle: Lifecycle) -> None:
    revisions = [evolve(r, lifecycle=lifecycle) for r in env.revisions]
    evolve(env, revisions=revisions).validate()


def test_8_split_order_env_validate_deployment_bundle_revisions(env: Environment) -> None:
    cases: list[tuple[Any, Code]] = [
        (split(D9, [(R9, 1)], env_id="dev"), Code.EnvIdMismatch),
        (split(D9, [(R9, 1)]), Code.BasisPointsSum),
        (split(D9, [(R9, 10_000)], bundle_id="zzz"), Code.UnknownDeployment),
        (split(D2, [(R9, 10_000)], bundle_id="zzz"), Code.SplitDeploymentBundleMismatch),
        (split(D2, [(R1, 5_000), (R9, 5_000)], bundle_id="b2"), Code.SplitRevisionWrongDeployment),
        (split(D2, [(R9, 5_000), (R1, 5_000)], bundle_id="b2"), Code.UnknownRevision),
    ]
    for new, code in cases:
        assert validation_error(with_split(env, new)).code is code


# -- 9. messaging endpoints ----------------------------------------------------------


def with_endpoints(env: Environment, *endpoints: Any) -> Environment:
    return evolve(env, messaging_endpoints=list(endpoints))


def test_9_two_distinct_endpoints_pass(env: Environment) -> None:
    with_endpoints(
        env,
        endpoint(linked=["b1", "b2"], welcome=("b2", "greentic.flows.main", "hello")),
        endpoint(EP2, provider_type="slack", provider_id="bot-1", linked=[]),
        endpoint(EP3, provider_type="telegram", provider_id="bot-2"),
    ).validate()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"schema_": "greentic.messaging-endpoint.v0"}, Code.SchemaMismatch),
        ({"provider_id": ""}, Code.EmptyMessagingProviderId),
        ({"provider_id": "  "}, Code.EmptyMessagingProviderId),
        ({"provider_type": ""}, Code.EmptyMessagingProviderType),
        (
            {"welcome_flow": {"bundle_id": "b1", "pack_id": "p", "flow_id": ""}},
            Code.EmptyWelcomeFlowId,
        ),
        (
            {"welcome_flow": {"bundle_id": "b2", "pack_id": "p", "flow_id": "f"}},
            Code.WelcomeFlowBundleNotLinked,
        ),
        ({"env_id": OTHER_ENV}, Code.EnvIdMismatch),
        ({"linked_bundles": ["b1", "ghost"]}, Code.MessagingEndpointBundleNotLinked),
    ],
)
def test_9_endpoint_rules(env: Environment, changes: dict[str, Any], code: Code) -> None:
    bad = evolve(endpoint(), **changes)
    assert validation_error(with_endpoints(env, bad)).code is code


def test_9_env_mismatch_context(env: Environment) -> None:
    err = validation_error(with_endpoints(env, endpoint(env_id=OTHER_ENV)))
    assert err.details["context"] == f"messaging endpoint {EP1}"


def test_9_duplicate_endpoint_id(env: Environment) -> None:
    again = endpoint(provider_type="slack", provider_id="other")
    err = validation_error(with_endpoints(env, endpoint(), again))
    assert err.code is Code.DuplicateMessagingEndpoint


def test_9_duplicate_provider_instance(env: Environment) -> None:
    err = validation_error(with_endpoints(env, endpoint(), endpoint(EP2)))
    assert err.code is Code.DuplicateProviderInstance


def test_9_order_document_env_id_provider_linked(env: Environment) -> None:
    assert (
        validation_error(with_endpoints(env, endpoint(provider_id="", env_id=OTHER_ENV))).code
        is Code.EmptyMessagingProviderId
    )
    assert (
        validation_error(with_endpoints(env, endpoint(env_id=OTHER_ENV, linked=["ghost"]))).code
        is Code.EnvIdMismatch
    )
    assert (
        validation_error(with_endpoints(env, endpoint(), endpoint(linked=["ghost"]))).code
        is Code.DuplicateMessagingEndpoint
    )
    assert (
        validation_error(with_endpoints(env, endpoint(), endpoint(EP2, linked=["ghost"]))).code
        is Code.DuplicateProviderInstance
    )


# -- 10. extensions ------------------------------------------------------------------


@pytest.mark.parametrize("instance", ["", "EU", "eu_1", "eu.1", "eu 1"])
def test_10_invalid_instance_id(env: Environment, instance: str) -> None:
    err = validation_error(evolve(env, extensions=[extension(instance_id=instance)]))
    assert err.code is Code.InvalidExtensionInstanceId


def test_10_duplicate_extension_by_path_and_instance(env: Environment) -> None:
    newer = EXT_KIND.replace("@0.2.0", "@0.3.0")
    for dup in (extension(newer), extension(newer, instance_id="eu-1")):
        err = validation_error(evolve(env, extensions=[*env.extensions, dup]))
        assert err.code is Code.DuplicateExtension


def test_10_none_and_named_instances_coexist(env: Environment) -> None:
    exts = [extension(), extension(instance_id="eu-1"), extension(instance_id="us-1")]
    checked = evolve(env, extensions=exts)
    checked.validate()
    assert checked.extension_for("greentic.ext.observer", None) == exts[0]
    ref = parse_extension_ref("ext://greentic.ext.observer/us-1")
    assert checked.extension_for(ref.path, ref.instance_id) == exts[2]
    assert checked.extension_for("greentic.ext.observer", "ap-1") is None
    assert exts[2].display == "greentic.ext.observer/us-1"
    assert exts[0].display == "greentic.ext.observer"


def test_10_invalid_instance_checked_before_duplicates(env: Environment) -> None:
    exts = [extension(), extension(), extension(instance_id="BAD")]
    assert validation_error(evolve(env, extensions=exts)).code is Code.DuplicateExtension
    exts = [extension(instance_id="BAD"), extension(instance_id="BAD")]
    assert validation_error(evolve(env, extensions=exts)).code is Code.InvalidExtensionInstanceId


# -- lookups -------------------------------------------------------------------------


def test_lookups(env: Environment) -> None:
    deployer = env.pack_for_slot(CapabilitySlot.deployer)
    assert deployer is not None
    assert deployer.kind == DEPLOYER_KIND
    assert deployer.kind_path == "greentic.deployer.k8s"
    secrets = env.pack_for_slot(CapabilitySlot.secrets)
    assert secrets is not None
    assert secrets.kind == SECRETS_KIND
    assert env.pack_for_slot(CapabilitySlot.revocation) is None
    rev = env.revision(R3)
    assert rev is not None
    assert rev.deployment_id == D2
    assert env.revision(R9) is None
    dep = env.deployment(D2)
    assert dep is not None
    assert dep.bundle_id == "b2"
    assert env.deployment(D9) is None
    found = env.split_for(D1)
    assert found is not None
    assert [e.revision_id for e in found.entries] == [R1, R2]
    assert env.split_for(D9) is None


# -- ordering across checks ----------------------------------------------------------

Breaker = Callable[[Environment], Environment]


def _b1(env: Environment) -> Environment:
    return evolve(env, schema_="greentic.environment.v0")


def _b2(env: Environment) -> Environment:
    return evolve(env, host_config=evolve(env.host_config, env_id=OTHER_ENV))


def _b3(env: Environment) -> Environment:
    return evolve(env, host_config=evolve(env.host_config, public_base_url="ftp://x.example"))


def _b4(env: Environment) -> Environment:
    return evolve(env, packs=[*env.packs, pack_binding()])


def _b5(env: Environment) -> Environment:
    return evolve(env, credentials_ref=f"secret://{OTHER_ENV}/creds")


def _b6(env: Environment) -> Environment:
    return evolve(env, revisions=[*env.revisions, revision(R4, env_id=OTHER_ENV, sequence=9)])


def _b7(env: Environment) -> Environment:
    bad = deployment(D3, bundle_id="b3", revenue=(("greentic", 1),))
    return evolve(env, bundles=[*env.bundles, bad])


def _b8(env: Environment) -> Environment:
    bad = split(D9, [(R9, 10_000)], bundle_id="ghost")
    return evolve(env, traffic_splits=[*env.traffic_splits, bad])


def _b9(env: Environment) -> Environment:
    dup = endpoint(provider_type="slack", provider_id="x")
    return evolve(env, messaging_endpoints=[*env.messaging_endpoints, dup])


def _b10(env: Environment) -> Environment:
    return evolve(env, extensions=[*env.extensions, extension()])


BREAKERS: list[tuple[Breaker, Code, str | None]] = [
    (_b1, Code.SchemaMismatch, None),
    (_b2, Code.EnvIdMismatch, "host_config"),
    (_b3, Code.InvalidPublicBaseUrl, None),
    (_b4, Code.DuplicateCapabilitySlot, None),
    (_b5, Code.CrossEnvRef, None),
    (_b6, Code.EnvIdMismatch, f"revision {R4}"),
    (_b7, Code.BasisPointsSum, None),
    (_b8, Code.UnknownDeployment, None),
    (_b9, Code.DuplicateMessagingEndpoint, None),
    (_b10, Code.DuplicateExtension, None),
]


@pytest.mark.parametrize("index", range(len(BREAKERS)), ids=lambda i: f"check{i + 1}")
def test_each_breaker_alone(index: int) -> None:
    breaker, code, context = BREAKERS[index]
    err = validation_error(breaker(valid_env()))
    assert err.code is code
    if context is not None:
        assert err.details["context"] == context


@pytest.mark.parametrize("index", range(len(BREAKERS)), ids=lambda i: f"check{i + 1}")
def test_earliest_broken_check_wins(index: int) -> None:
    """Break check `index` and every later one at once: check `index` must be reported."""
    env = valid_env()
    for breaker, _, _ in BREAKERS[index:]:
        env = breaker(env)
    _, code, context = BREAKERS[index]
    err = validation_error(env)
    assert err.code is code
    if context is not None:
        assert err.details["context"] == context


@pytest.mark.parametrize("index", range(len(BREAKERS) - 1), ids=lambda i: f"check{i + 1}")
def test_earlier_wins_in_reverse_construction_order(index: int) -> None:
    """Pairs of adjacent checks, broken in the opposite order, still report the earlier."""
    env = valid_env()
    env = BREAKERS[index + 1][0](env)
    env = BREAKERS[index][0](env)
    assert validation_error(env).code is BREAKERS[index][1]


def test_spec_error_is_a_spec_kind(env: Environment) -> None:
    err = validation_error(_b4(env))
    assert isinstance(err, SpecError)
    assert err.kind == "spec"
    assert str(err) == err.message
    assert err.message.startswith("DuplicateCapabilitySlot: ")


def test_other_envs_ids_are_untouched_by_validation() -> None:
    env = environment(
        bundles=[deployment(), deployment(D2, bundle_id="b2")],
        revisions=[revision(R1), revision(R2, sequence=2), revision(R3, D2, bundle_id="b2")],
        traffic_splits=[split(D1, [(R2, 10_000)]), split(D2, [(R3, 10_000)], bundle_id="b2")],
        messaging_endpoints=[endpoint(EP2, linked=["b1", "b2"])],
    )
    dumped = env.to_json_dict()
    env.validate()
    assert env.to_json_dict() == dumped
    assert Environment.model_validate(dumped) == env
