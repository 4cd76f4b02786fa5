"""The k8s wizard answers parser: every key, every rule, fail closed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from greentic_deployer.packs.contract import InvalidAnswersError
from greentic_deployer.packs.k8s.answers import (
    ANSWER_KEYS,
    DEFAULT_RUNTIME_IMAGE,
    WIZARD_QUESTIONS,
    K8sAnswers,
    coerce_answers,
    parse_answers,
)


def _rejects(raw: object, fragment: str) -> InvalidAnswersError:
    with pytest.raises(InvalidAnswersError) as info:
        parse_answers(raw)
    assert info.value.kind == "conflict"
    assert str(info.value).startswith("invalid answers: ")
    assert fragment in str(info.value), str(info.value)
    return info.value


def test_defaults_for_absent_answers() -> None:
    expected = K8sAnswers(
        kubeconfig_context=None,
        namespace=None,
        runtime_image=DEFAULT_RUNTIME_IMAGE,
        router_replicas=2,
        tunnel="off",
        oci_insecure_registries=(),
    )
    assert parse_answers(None) == expected
    assert parse_answers({}) == expected
    assert K8sAnswers() == expected
    assert DEFAULT_RUNTIME_IMAGE == "ghcr.io/greenticai/greentic-start-distroless:latest"


@pytest.mark.parametrize("blank", [None, ""])
def test_null_and_empty_string_mean_default(blank: object) -> None:
    raw = dict.fromkeys(ANSWER_KEYS, blank)
    assert parse_answers(raw) == K8sAnswers()


def test_every_key_parsed() -> None:
    parsed = parse_answers(
        {
            "kubeconfig_context": "kind-greentic",
            "namespace": "team-a",
            "runtime_image": "registry.local:5000/greentic/start@sha256:abc",
            "router_replicas": "3",
            "tunnel": "cloudflared",
            "oci_insecure_registries": " registry.local:5000 , ,localhost:5001,",
        }
    )
    assert parsed == K8sAnswers(
        kubeconfig_context="kind-greentic",
        namespace="team-a",
        runtime_image="registry.local:5000/greentic/start@sha256:abc",
        router_replicas=3,
        tunnel="cloudflared",
        oci_insecure_registries=("registry.local:5000", "localhost:5001"),
    )
    assert parsed.cloudflared


def test_non_object_rejected() -> None:
    for raw in (["namespace"], "namespace=x", 3, True):
        _rejects(raw, "must be a JSON object")


def test_unknown_key_rejected_fail_closed() -> None:
    error = _rejects({"namespace": "ok", "replicas": 3}, "unknown answer key `replicas`")
    assert str(error) == "invalid answers: unknown answer key `replicas`"


def test_non_string_values_are_stringified() -> None:
    parsed = parse_answers({"kubeconfig_context": 123, "namespace": 42, "tunnel": "off"})
    assert parsed.kubeconfig_context == "123"
    assert parsed.namespace == "42"
    assert parse_answers({"kubeconfig_context": True}).kubeconfig_context == "true"
    assert parse_answers({"kubeconfig_context": 1.5}).kubeconfig_context == "1.5"
    # YAML answer files may produce dates; they stringify too.
    day = datetime.date(2026, 1, 2)
    assert parse_answers({"kubeconfig_context": day}).kubeconfig_context == '"2026-01-02"'
    # A stringified value still has to pass the key's rule.
    _rejects({"tunnel": 1}, "tunnel: must be one of cloudflared, off, none")
    _rejects({"runtime_image": {"a": 1}}, "runtime_image: must be non-empty")


@pytest.mark.parametrize("namespace", ["a", "gtc-prod", "0abc", "a" * 63, "a-b-c9"])
def test_namespace_accepts_rfc1123_labels(namespace: str) -> None:
    assert parse_answers({"namespace": namespace}).namespace == namespace


@pytest.mark.parametrize(
    "namespace", ["-a", "a-", "A", "a_b", "a.b", "a b", "a" * 64, "ümlaut", " a"]
)
def test_namespace_rejects_non_labels(namespace: str) -> None:
    _rejects({"namespace": namespace}, "namespace: must be an RFC 1123 label")


@pytest.mark.parametrize(
    "image", ["busybox", "ghcr.io/a/b:1.0", "r:5000/a/b@sha256:0f", "a_b.c-d/e"]
)
def test_runtime_image_charset_accepted(image: str) -> None:
    assert parse_answers({"runtime_image": image}).runtime_image == image


@pytest.mark.parametrize("image", ["Ghcr.io/a", "a b", "a;rm -rf", "img\n", "a$b"])
def test_runtime_image_charset_rejected(image: str) -> None:
    _rejects({"runtime_image": image}, "runtime_image: must be non-empty and use only")


@pytest.mark.parametrize(
    ("raw", "expected"), [("2", 2), ("10", 10), (3, 3), ("007", 7), (2**32 - 1, 2**32 - 1)]
)
def test_router_replicas_accepted(raw: object, expected: int) -> None:
    assert parse_answers({"router_replicas": raw}).router_replicas == expected


@pytest.mark.parametrize("raw", [0, 1, "1", "0"])
def test_router_replicas_below_two_rejected(raw: object) -> None:
    _rejects({"router_replicas": raw}, "router_replicas: must be >= 2")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("two", "string of digits"),
        ("+3", "string of digits"),
        (" 3", "string of digits"),
        ("-3", "string of digits"),
        ("3.0", "string of digits"),
        (3.0, "JSON integer"),
        (True, "JSON integer"),
        ([3], "JSON integer"),
        (-3, "unsigned 32-bit"),
        (2**32, "unsigned 32-bit"),
        (str(2**32), "unsigned 32-bit"),
    ],
)
def test_router_replicas_malformed_rejected(raw: object, fragment: str) -> None:
    error = _rejects({"router_replicas": raw}, fragment)
    assert str(error).startswith("invalid answers: router_replicas: ")


@pytest.mark.parametrize("tunnel", ["cloudflared", "off", "none"])
def test_tunnel_values(tunnel: str) -> None:
    parsed = parse_answers({"tunnel": tunnel})
    assert parsed.tunnel == tunnel
    assert parsed.cloudflared == (tunnel == "cloudflared")


@pytest.mark.parametrize("tunnel", ["on", "Cloudflared", "ngrok", "false"])
def test_tunnel_rejects_other_values(tunnel: str) -> None:
    _rejects({"tunnel": tunnel}, "tunnel: must be one of cloudflared, off, none")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a:5000", ("a:5000",)),
        ("a:5000,b", ("a:5000", "b")),
        (" a , , b ,", ("a", "b")),
        (",,", ()),
        (["a:5000", " b ", "", "  "], ("a:5000", "b")),
        ([], ()),
        ("[::1]:5000", ("[::1]:5000",)),
    ],
)
def test_oci_insecure_registries(raw: object, expected: tuple[str, ...]) -> None:
    assert parse_answers({"oci_insecure_registries": raw}).oci_insecure_registries == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ([1], "array entries must be strings"),
        (["a", None], "array entries must be strings"),
        ({"a": 1}, "got an object"),
        (["a,b"], "without whitespace or commas"),
        (["a b"], "without whitespace or commas"),
        ("a b", "without whitespace or commas"),
    ],
)
def test_oci_insecure_registries_rejected(raw: object, fragment: str) -> None:
    error = _rejects({"oci_insecure_registries": raw}, fragment)
    assert str(error).startswith("invalid answers: oci_insecure_registries: ")


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(InvalidAnswersError, match="router_replicas"):
        K8sAnswers(router_replicas=1)
    with pytest.raises(InvalidAnswersError, match="namespace"):
        K8sAnswers(namespace="Bad")
    with pytest.raises(InvalidAnswersError, match="runtime_image"):
        K8sAnswers(runtime_image="")


def test_round_trip_through_json_dict() -> None:
    answers = K8sAnswers(
        namespace="ns",
        router_replicas=4,
        tunnel="cloudflared",
        oci_insecure_registries=("a:1",),
    )
    assert parse_answers(answers.to_json_dict()) == answers
    assert K8sAnswers().to_json_dict() == {}


def test_coerce_passes_parsed_answers_through() -> None:
    answers = K8sAnswers(router_replicas=3)
    assert coerce_answers(answers) is answers
    assert coerce_answers(None) == K8sAnswers()
    raw: dict[str, Any] = {"router_replicas": 5}
    assert coerce_answers(raw).router_replicas == 5


def test_wizard_lists_every_key_including_tunnel() -> None:
    keys = [q.id for q in WIZARD_QUESTIONS]
    assert keys == [
        "kubeconfig_context",
        "namespace",
        "runtime_image",
        "router_replicas",
        "tunnel",
        "oci_insecure_registries",
    ]
    assert all(q.help for q in WIZARD_QUESTIONS)
    assert set(keys) == ANSWER_KEYS
