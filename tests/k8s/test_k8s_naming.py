"""Namespace derivation, object names and labels."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from greentic_deployer.packs.k8s.answers import K8sAnswers
from greentic_deployer.packs.k8s.naming import (
    LABEL_BUNDLE,
    LABEL_COMPONENT,
    LABEL_DEPLOYMENT,
    LABEL_ENV,
    LABEL_MANAGED_BY,
    LABEL_REVISION,
    NETWORK_POLICIES,
    common_labels,
    hash8,
    label_value,
    namespace_for,
    resolve_namespace,
    worker_labels,
    worker_name,
)
from greentic_deployer.spec.revision import Lifecycle

from .conftest import A_READY, BUNDLE_B, DEP_A, DEP_B, revision

RFC1123_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?")
ENV_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
env_ids = st.text(alphabet=ENV_ID_ALPHABET, min_size=1, max_size=120)


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    ("env_id", "expected"),
    [
        ("prod", "gtc-prod"),
        ("local", "gtc-local"),
        ("team-a-2", "gtc-team-a-2"),
        ("a--b", "gtc-a--b"),
        ("0", "gtc-0"),
        ("a" * 59, "gtc-" + "a" * 59),  # exactly 63
        ("a" * 60, "gtc-" + "a" * 50 + "-" + _h("a" * 60)),  # 64 would be too long
        ("Prod", "gtc-prod-" + _h("Prod")),
        ("my_env", "gtc-my-env-" + _h("my_env")),
        ("my.env", "gtc-my-env-" + _h("my.env")),
        ("-lead", "gtc-lead-" + _h("-lead")),
        ("trail-", "gtc-trail-" + _h("trail-")),
        ("__", "gtc-" + _h("__")),
        ("...", "gtc-" + _h("...")),
        ("_A_", "gtc-a-" + _h("_A_")),
        # Truncation at 50 leaves a trailing '-', which is trimmed before the hash.
        ("A" * 49 + "_b", "gtc-" + "a" * 49 + "-" + _h("A" * 49 + "_b")),
    ],
)
def test_namespace_examples(env_id: str, expected: str) -> None:
    assert namespace_for(env_id) == expected
    assert len(expected) <= 63


def test_hash8_is_first_four_bytes_of_sha256() -> None:
    assert hash8("Prod") == hashlib.sha256(b"Prod").digest()[:4].hex()


@given(env_ids)
def test_namespace_is_always_a_valid_label(env_id: str) -> None:
    ns = namespace_for(env_id)
    assert len(ns) <= 63
    assert RFC1123_LABEL.fullmatch(ns), ns
    assert ns.startswith("gtc-")
    assert namespace_for(env_id) == ns  # stable across calls


@given(env_ids, env_ids)
def test_distinct_ids_get_distinct_namespaces(a: str, b: str) -> None:
    assume(a != b)
    # Two ids could only meet through an 8-hex SHA-256 prefix collision (about 1 in 4e9 per
    # pair); the sample is assumed free of those, and of a clean id that happens to spell out
    # another id's `<prefix>-<hash8>` form.
    assume(hash8(a) != hash8(b))
    assume(not namespace_for(a).endswith(hash8(b)) and not namespace_for(b).endswith(hash8(a)))
    assert namespace_for(a) != namespace_for(b)


def test_resolve_namespace_prefers_the_answer() -> None:
    assert resolve_namespace("prod", None) == "gtc-prod"
    assert resolve_namespace("prod", K8sAnswers()) == "gtc-prod"
    assert resolve_namespace("prod", K8sAnswers(namespace="custom")) == "custom"


def test_worker_name_is_lower_cased_ulid() -> None:
    assert worker_name(A_READY) == "gtc-worker-" + A_READY.lower()
    assert len(worker_name(A_READY)) <= 63


def test_network_policy_names() -> None:
    assert NETWORK_POLICIES == (
        "gtc-default-deny",
        "gtc-allow-dns",
        "gtc-allow-router",
        "gtc-allow-workers",
        "gtc-allow-worker-egress",
        "gtc-allow-router-egress",
    )


def test_common_and_worker_labels() -> None:
    assert common_labels("prod", "router") == {
        LABEL_MANAGED_BY: "greentic",
        LABEL_COMPONENT: "router",
        LABEL_ENV: "prod",
    }
    rev = revision(A_READY, DEP_A, "support-bot", 1, Lifecycle.ready)
    assert worker_labels("prod", rev) == {
        "app.kubernetes.io/managed-by": "greentic",
        "app.kubernetes.io/component": "worker",
        "greentic.ai/env": "prod",
        "greentic.ai/revision": A_READY,
        "greentic.ai/deployment": DEP_A,
        "greentic.ai/bundle": "support-bot",
    }


def test_bundle_label_is_sanitized_when_not_a_label_value() -> None:
    rev = revision(A_READY, DEP_B, BUNDLE_B, 1, Lifecycle.ready)
    value = worker_labels("prod", rev)[LABEL_BUNDLE]
    assert value == "acme-Sales-Assistant--EU-" + _h(BUNDLE_B)
    assert LABEL_VALUE.fullmatch(value)
    assert worker_labels("prod", rev)[LABEL_REVISION] == A_READY
    assert worker_labels("prod", rev)[LABEL_DEPLOYMENT] == DEP_B


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("support-bot", "support-bot"),
        ("a.b_c-D9", "a.b_c-D9"),
        ("", ""),
        ("x" * 63, "x" * 63),
        ("x" * 64, "x" * 54 + "-" + _h("x" * 64)),
        ("-x", "x-" + _h("-x")),
        ("_", _h("_")),
        ("a/b", "a-b-" + _h("a/b")),
    ],
)
def test_label_value_examples(raw: str, expected: str) -> None:
    assert label_value(raw) == expected


@given(st.text(max_size=200))
def test_label_value_is_always_valid(raw: str) -> None:
    value = label_value(raw)
    assert len(value) <= 63
    assert LABEL_VALUE.fullmatch(value), value
    if len(raw) <= 63 and LABEL_VALUE.fullmatch(raw):
        assert value == raw


@given(env_ids)
def test_env_label_is_a_valid_label_value(env_id: str) -> None:
    value = common_labels(env_id, "router")[LABEL_ENV]
    assert len(value) <= 63 and LABEL_VALUE.fullmatch(value)
