"""Bound identity resolution: env var, then dev store, then the in-cluster Secret; fail closed.

Checks: the canonical environment key of a ref; each source in order; no credentials_ref means
ambient; a bound ref with no material refuses (never ambient); the token never appears in a
repr, a str, a report or an error message.
"""

from __future__ import annotations

import base64

import pytest

from greentic_deployer.packs.k8s.cluster import UnconfiguredCluster
from greentic_deployer.packs.k8s.identity import (
    IDENTITY_SECRET,
    BearerToken,
    IdentityUnavailable,
    ResolvedIdentity,
    env_var_key,
    resolve_identity,
)
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig
from greentic_deployer.spec.environment import Environment
from greentic_deployer.testing.memory_cluster import InMemoryCluster
from tests.k8s_live.builders import NAMESPACE, ready_env

REF = "secret://live/default/_/k8s-deployer/deployer_token"
KEY = "GTSEC_LIVE_DEFAULT___K8S_DEPLOYER_DEPLOYER_TOKEN"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.sig-9f8e7d"


class Store:
    """A dev store holding one secret per ref."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, ref: str) -> str | None:
        return self.values.get(ref)


def bound_env() -> Environment:
    return ready_env().model_copy(update={"credentials_ref": REF})


def secret_cluster(token: str = TOKEN) -> InMemoryCluster:
    cluster = InMemoryCluster()
    cluster.seed(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": IDENTITY_SECRET,
                "namespace": NAMESPACE,
                "labels": {"greentic.ai/env": "live"},
            },
            "data": {"bearer": base64.b64encode(token.encode()).decode()},
        }
    )
    return cluster


def test_the_canonical_key_upper_cases_segments_and_maps_other_characters() -> None:
    assert env_var_key(REF) == KEY
    assert env_var_key("secret://prod.eu/acme/team-1/k8s/t") == "GTSEC_PROD_EU_ACME_TEAM_1_K8S_T"


async def test_no_credentials_ref_is_ambient_without_touching_anything() -> None:
    built: list[int] = []
    identity = await resolve_identity(
        ready_env(),
        NAMESPACE,
        environ={KEY: TOKEN},
        dev_store=Store({REF: TOKEN}),
        ambient_cluster=lambda: built.append(1) or UnconfiguredCluster(),  # type: ignore[func-returns-value]
    )
    assert identity == ResolvedIdentity(kind="ambient")
    assert identity.to_json() == "ambient"
    assert built == []


async def test_the_environment_variable_wins() -> None:
    identity = await resolve_identity(
        bound_env(),
        NAMESPACE,
        environ={KEY: f"  {TOKEN}\n"},
        dev_store=Store({REF: "other"}),
        ambient_cluster=UnconfiguredCluster,
    )
    assert identity.kind == "bound"
    assert identity.source == "env"
    assert identity.token is not None
    assert identity.token.reveal() == TOKEN


async def test_the_dev_store_comes_second() -> None:
    identity = await resolve_identity(
        bound_env(),
        NAMESPACE,
        environ={KEY: "   "},
        dev_store=Store({REF: TOKEN}),
        ambient_cluster=UnconfiguredCluster,
    )
    assert (identity.kind, identity.source) == ("bound", "dev-store")
    assert identity.token == BearerToken(TOKEN)


async def test_the_in_cluster_identity_secret_comes_last() -> None:
    cluster = secret_cluster()
    cluster.calls.clear()
    identity = await resolve_identity(
        bound_env(), NAMESPACE, environ={}, dev_store=Store({}), ambient_cluster=lambda: cluster
    )
    assert (identity.kind, identity.source) == ("bound", "cluster-secret")
    assert identity.token == BearerToken(TOKEN)
    assert cluster.calls["get"] == 1


async def test_a_bound_ref_without_material_fails_closed_and_never_goes_ambient() -> None:
    with pytest.raises(IdentityUnavailable) as caught:
        await resolve_identity(
            bound_env(),
            NAMESPACE,
            environ={},
            dev_store=None,
            ambient_cluster=InMemoryCluster,
        )
    message = str(caught.value)
    assert caught.value.kind == "conflict"
    assert REF in message
    assert f"${KEY}" in message
    assert IDENTITY_SECRET in message
    assert "ambient" in message


async def test_an_unreadable_identity_secret_fails_closed() -> None:
    with pytest.raises(IdentityUnavailable, match="no Kubernetes API client is bound"):
        await resolve_identity(
            bound_env(), NAMESPACE, environ={}, dev_store=None, ambient_cluster=UnconfiguredCluster
        )


async def test_the_token_never_shows_in_reprs_reports_or_errors() -> None:
    cluster = secret_cluster()
    identity = await resolve_identity(
        bound_env(), NAMESPACE, environ={}, dev_store=None, ambient_cluster=lambda: cluster
    )
    for shown in (repr(identity), str(identity), repr(identity.token), str(identity.token)):
        assert TOKEN not in shown
    assert TOKEN not in str(identity.to_json())

    garbage = secret_cluster()
    secret = garbage.objects[(NAMESPACE, "Secret", IDENTITY_SECRET)]
    secret["data"]["bearer"] = TOKEN + "!!"  # not base64: the error must not echo it
    with pytest.raises(IdentityUnavailable) as caught:
        await resolve_identity(
            bound_env(), NAMESPACE, environ={}, dev_store=None, ambient_cluster=lambda: garbage
        )
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


def test_a_cluster_config_carrying_the_token_does_not_show_it() -> None:
    """Guards against the bound token leaking through the client config's dataclass repr."""
    config = ClusterConfig(context="prod", token=BearerToken(TOKEN).reveal())
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert config.token == TOKEN
