"""Identifier parsers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from greentic_deployer.spec.errors import GreenticError, InvalidArgumentError
from greentic_deployer.spec.ids import (
    DescriptorError,
    ExtensionRef,
    PackDescriptor,
    check_instance_id,
    descriptor_path,
    new_ulid,
    parse_env_id,
    parse_extension_ref,
    parse_idempotency_key,
    parse_pack_descriptor,
    parse_runtime_ref,
    parse_secret_ref,
    parse_ulid,
    secret_ref_env,
    ulid_from_int,
)
from greentic_deployer.spec.revision import Revision

from .conftest import R1, revision

# -- EnvId ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["local", "prod", "Prod-EU_1.2", "a", "0", "A.b-C_d", "..x"])
def test_env_id_accepts_ascii_letters_digits_dot_dash_underscore(value: str) -> None:
    assert parse_env_id(value) == value


@pytest.mark.parametrize(
    "value",
    ["a/b", "a\\b", "a:b", "a b", " local", "local ", "local\n", "a\x00b", "é", "prod!", "a+b"],
)
def test_env_id_rejects_other_characters(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_env_id(value)
    assert info.value.field == "environment_id"
    assert "ASCII letters" in info.value.rule
    assert str(info.value).startswith("environment_id: ")


def test_env_id_rejects_empty_and_names_the_field() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_env_id("", field="env")
    assert info.value.field == "env"
    assert "empty" in info.value.rule
    assert str(info.value).startswith("env: ")
    assert info.value.kind == "invalid-argument"


def test_env_id_is_enforced_on_documents() -> None:
    with pytest.raises(ValidationError) as info:
        revision(R1, env_id="bad/env")
    assert info.value.errors()[0]["loc"] == ("env_id",)


# -- ULIDs ---------------------------------------------------------------------------

CANONICAL = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def test_ulid_canonical_rendering_is_upper_case() -> None:
    assert parse_ulid(CANONICAL) == CANONICAL
    assert parse_ulid(CANONICAL.lower()) == CANONICAL
    assert parse_ulid("01arZ3ndEKTSV4rrffq69g5fav") == CANONICAL


def test_ulid_documents_store_the_canonical_form() -> None:
    rev = revision(CANONICAL.lower(), deployment_id=CANONICAL.lower())
    assert rev.revision_id == CANONICAL
    assert rev.to_json_dict()["deployment_id"] == CANONICAL


@pytest.mark.parametrize(
    "value",
    [
        "",
        "01ARZ3NDEKTSV4RRFFQ69G5FA",  # 25 chars
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX",  # 27 chars
        "81ARZ3NDEKTSV4RRFFQ69G5FAV",  # overflows 128 bits
        "01ARZ3NDEKTSV4RRFFQ69G5FAU",  # U is not Crockford base32
        "01ARZ3NDEKTSV4RRFFQ69G5F-V",
        "not-a-ulid",
    ],
)
def test_ulid_rejects_invalid(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_ulid(value, field="revision_id")
    assert info.value.field == "revision_id"
    assert "ULID" in info.value.rule
    assert str(info.value).startswith("revision_id: ")


def test_ulid_helpers() -> None:
    assert ulid_from_int(0) == "0" * 26
    assert ulid_from_int(1) == "0" * 25 + "1"
    assert ulid_from_int(2**128 - 1) == "7" + "Z" * 25
    minted = new_ulid()
    assert parse_ulid(minted) == minted
    assert minted != new_ulid()


def test_revision_rejects_bad_ulid_naming_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        revision("nope")
    errors = info.value.errors()
    assert errors[0]["loc"] == ("revision_id",)
    assert "ULID" in errors[0]["msg"]


# -- PackDescriptor ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "path", "version"),
    [
        ("greentic.deployer.k8s@1.0.0", "greentic.deployer.k8s", "1.0.0"),
        ("greentic.deployer.local-process@0.1.0", "greentic.deployer.local-process", "0.1.0"),
        ("a.b@1.0.0-dev", "a.b", "1.0.0-dev"),
        ("a.b@1.1.0-dev.27671069765", "a.b", "1.1.0-dev.27671069765"),
        ("a.b@2.0.0-rc.1+build.5", "a.b", "2.0.0-rc.1+build.5"),
        ("x9.y-z@10.20.30", "x9.y-z", "10.20.30"),
    ],
)
def test_descriptor_accepts(value: str, path: str, version: str) -> None:
    parsed = parse_pack_descriptor(value)
    assert parsed == PackDescriptor(path, version)
    assert str(parsed) == value
    assert descriptor_path(value) == path


def test_descriptor_prerelease_orders_before_release() -> None:
    assert parse_pack_descriptor("a.b@1.0.0-dev").semver < parse_pack_descriptor("a.b@1.0.0").semver


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("greentic.deployer.k8s", "MissingVersion"),
        ("", "MissingVersion"),
        ("a.b@1.0.0@2.0.0", "MultipleAt"),
        ("a.b@@1.0.0", "MultipleAt"),
        ("@1.0.0", "EmptyPath"),
        ("@", "EmptyPath"),
        ("greentic@1.0.0", "PathMissingDot"),
        ("Greentic.deployer@1.0.0", "InvalidPathChar"),
        ("greentic.deploy_er@1.0.0", "InvalidPathChar"),
        ("greentic/deployer.k8s@1.0.0", "InvalidPathChar"),
        ("a.b@1.0", "InvalidSemver"),
        ("a.b@v1.0.0", "InvalidSemver"),
        ("a.b@01.0.0", "InvalidSemver"),
        ("a.b@", "InvalidSemver"),
        ("a.b@1.0.0\n", "InvalidSemver"),
        ("a.b@ 1.0.0", "InvalidSemver"),
    ],
)
def test_descriptor_error_cases(value: str, code: str) -> None:
    with pytest.raises(DescriptorError) as info:
        parse_pack_descriptor(value)
    err = info.value
    assert err.code == code
    assert isinstance(err, InvalidArgumentError)
    assert err.field == "kind"
    assert str(err).startswith(f"kind: {code}: ")


def test_descriptor_invalid_path_char_names_the_char() -> None:
    with pytest.raises(DescriptorError) as info:
        parse_pack_descriptor("greentic.Deployer@1.0.0")
    assert "'D'" in info.value.rule


def test_descriptor_error_names_a_custom_field() -> None:
    with pytest.raises(DescriptorError) as info:
        parse_pack_descriptor("nodot@1.0.0", field="packs[0].kind")
    assert str(info.value).startswith("packs[0].kind: PathMissingDot: ")


# -- SecretRef / RuntimeRef / ExtensionRef ------------------------------------------


@pytest.mark.parametrize(
    ("value", "env"),
    [
        ("secret://prod/deployer/credentials", "prod"),
        ("secret://local/x", "local"),
        ("secret://a.b/c/d/e", "a.b"),
    ],
)
def test_secret_ref_accepts_and_exposes_env_segment(value: str, env: str) -> None:
    assert parse_secret_ref(value) == value
    assert secret_ref_env(value) == env


@pytest.mark.parametrize(
    "value", ["", "prod/x", "secrets://prod/x", "secret://", "secret:///x", "secret://prod"]
)
def test_secret_ref_rejects(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_secret_ref(value, field="credentials_ref")
    assert info.value.field == "credentials_ref"
    assert "secret://" in info.value.rule


@pytest.mark.parametrize("value", ["runtime://prod/listen_addr", "runtime://local/a/b/c"])
def test_runtime_ref_accepts(value: str) -> None:
    assert parse_runtime_ref(value) == value


@pytest.mark.parametrize(
    "value", ["", "runtime:/prod/x", "secret://prod/x", "runtime://", "runtime:///x"]
)
def test_runtime_ref_rejects(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_runtime_ref(value)
    assert info.value.field == "runtime_ref"
    assert "runtime" in info.value.rule


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ext://greentic.ext.observer", ExtensionRef("greentic.ext.observer", None)),
        ("ext://greentic.ext.observer/eu-1", ExtensionRef("greentic.ext.observer", "eu-1")),
        ("ext://a.b/0", ExtensionRef("a.b", "0")),
    ],
)
def test_extension_ref_accepts(value: str, expected: ExtensionRef) -> None:
    assert parse_extension_ref(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "greentic.ext.observer",
        "ext:/greentic.ext.observer",
        "ext://",
        "ext://nodot",
        "ext://Greentic.ext",
        "ext://greentic.ext.observer@1.0.0",
        "ext://greentic.ext.observer/",
        "ext://greentic.ext.observer/EU",
        "ext://greentic.ext.observer/eu_1",
        "ext://greentic.ext.observer/a/b",
        "ext://greentic.ext.observer/eu-1\n",
    ],
)
def test_extension_ref_rejects(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_extension_ref(value)
    assert info.value.field == "extension_ref"


@pytest.mark.parametrize("value", ["a", "eu-1", "0-z", "---"])
def test_instance_id_accepts(value: str) -> None:
    assert check_instance_id(value) == value


@pytest.mark.parametrize("value", ["", "EU", "eu_1", "eu.1", "eu 1", "eu-1\n", "é"])
def test_instance_id_rejects(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        check_instance_id(value)
    assert info.value.field == "instance_id"
    assert "[a-z0-9-]" in info.value.rule


# -- IdempotencyKey ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["k", " k ", CANONICAL, "op-2024-05-06"])
def test_idempotency_key_accepts_non_blank(value: str) -> None:
    assert parse_idempotency_key(value) == value


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
def test_idempotency_key_rejects_blank(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_idempotency_key(value)
    assert info.value.field == "idempotency_key"
    assert "empty" in info.value.rule


def test_every_id_error_is_an_invalid_argument() -> None:
    failures: list[GreenticError] = []
    for call in (
        lambda: parse_env_id(""),
        lambda: parse_ulid("x"),
        lambda: parse_pack_descriptor("x"),
        lambda: parse_secret_ref("x"),
        lambda: parse_runtime_ref("x"),
        lambda: parse_extension_ref("x"),
        lambda: check_instance_id("X"),
        lambda: parse_idempotency_key(" "),
    ):
        with pytest.raises(InvalidArgumentError) as info:
            call()
        failures.append(info.value)
    for err in failures:
        assert isinstance(err, InvalidArgumentError)
        assert err.kind == "invalid-argument"
        assert err.field and err.rule
        assert str(err).startswith(f"{err.field}: {err.rule}")


def test_descriptor_enforced_on_documents() -> None:
    data = revision(R1).to_json_dict()
    assert Revision.model_validate(data).revision_id == R1
    from greentic_deployer.spec.bindings import EnvPackBinding

    with pytest.raises(ValidationError) as info:
        EnvPackBinding.model_validate({"slot": "deployer", "kind": "nodot@1", "pack_ref": "b"})
    err = info.value.errors()[0]
    assert err["loc"] == ("kind",)
    assert "PathMissingDot" in err["msg"]
