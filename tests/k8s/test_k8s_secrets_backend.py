"""Secrets backend resolution from the env's `secrets` binding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from greentic_deployer.packs.k8s.secrets_backend import (
    DevStore,
    Vault,
    has_secrets_binding,
    parse_vault_answers,
    resolve_secrets_backend,
)
from greentic_deployer.spec.errors import ConflictError

from .conftest import SECRETS_ANSWERS_REF, VAULT_KIND, EnvFactory


def _never(_ref: str) -> object | None:
    raise AssertionError("answers must not be loaded")


def test_no_binding_is_dev_store(env_factory: EnvFactory) -> None:
    env = env_factory(secrets_kind=None)
    assert not has_secrets_binding(env)
    assert resolve_secrets_backend(env, _never) == DevStore()


@pytest.mark.parametrize(
    "kind", ["greentic.secrets.dev-store@0.1.0", "greentic.secrets.dev-store@1.0.0"]
)
def test_dev_store_binding_any_version(env_factory: EnvFactory, kind: str) -> None:
    env = env_factory(secrets_kind=kind)
    assert has_secrets_binding(env)
    assert resolve_secrets_backend(env, _never) == DevStore()


def test_vault_binding_reads_its_answers(
    env_factory: EnvFactory, vault_loader: Callable[[str], object | None]
) -> None:
    seen: list[str] = []

    def loader(ref: str) -> object | None:
        seen.append(ref)
        return vault_loader(ref)

    backend = resolve_secrets_backend(env_factory(secrets_kind=VAULT_KIND), loader)
    assert seen == [SECRETS_ANSWERS_REF]
    assert backend == Vault(
        addr="https://vault.example.com:8200",
        role="greentic-worker",
        kv_mount="kv",
        namespace="team-a",
    )


def test_vault_without_answers_fails_closed(env_factory: EnvFactory) -> None:
    with pytest.raises(ConflictError, match="vault secrets answers"):
        resolve_secrets_backend(env_factory(secrets_kind=VAULT_KIND), lambda _ref: None)


def test_other_secrets_kind_fails_closed(env_factory: EnvFactory) -> None:
    env = env_factory(secrets_kind="greentic.secrets.aws-sm@0.1.0")
    with pytest.raises(ConflictError, match="not supported") as info:
        resolve_secrets_backend(env, _never)
    assert info.value.kind == "conflict"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"role": "r"}, "addr: required"),
        ({"addr": "", "role": "r"}, "addr: required"),
        ({"addr": "https://v"}, "role: required"),
        ({"addr": "https://v", "role": None}, "role: required"),
        ({"addr": ["x"], "role": "r"}, "addr: must be a string"),
        ("addr=x", "expected a JSON object"),
    ],
)
def test_vault_answers_rules(raw: object, fragment: str) -> None:
    with pytest.raises(ConflictError, match=fragment):
        parse_vault_answers(raw)


def test_vault_answers_defaults_and_unrelated_keys() -> None:
    raw: dict[str, Any] = {"addr": "http://vault:8200", "role": "w", "bootstrap": {"x": 1}}
    assert parse_vault_answers(raw) == Vault(addr="http://vault:8200", role="w")
