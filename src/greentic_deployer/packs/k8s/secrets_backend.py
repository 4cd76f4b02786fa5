"""Which secrets backend the workers talk to, from the env's `secrets` binding."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.slots import CapabilitySlot

DEV_STORE_KIND_PATH = "greentic.secrets.dev-store"
VAULT_KIND_PATH = "greentic.secrets.vault"

VAULT_DEFAULT_KV_MOUNT = "secret"
VAULT_DEFAULT_KV_PREFIX = "greentic"
VAULT_DEFAULT_AUTH_MOUNT = "kubernetes"
VAULT_DEFAULT_TRANSIT_MOUNT = "transit"
VAULT_DEFAULT_TRANSIT_KEY = "greentic"

AnswersLoader = Callable[[str], object | None]
"""Loads a binding's answers document given its env-relative `answers_ref` (None = missing)."""


@dataclass(frozen=True)
class DevStore:
    """The dev store: secrets shipped to workers as a base64 Secret (not for production)."""


@dataclass(frozen=True)
class Vault:
    """HashiCorp Vault: workers authenticate with their ServiceAccount; config is non-secret."""

    addr: str
    role: str
    kv_mount: str = VAULT_DEFAULT_KV_MOUNT
    kv_prefix: str = VAULT_DEFAULT_KV_PREFIX
    auth_mount: str = VAULT_DEFAULT_AUTH_MOUNT
    transit_mount: str = VAULT_DEFAULT_TRANSIT_MOUNT
    transit_key: str = VAULT_DEFAULT_TRANSIT_KEY
    namespace: str | None = None


SecretsBackend = DevStore | Vault


def has_secrets_binding(env: Environment) -> bool:
    """Whether the env binds anything in the `secrets` slot."""
    return env.pack_for_slot(CapabilitySlot.secrets) is not None


def no_answers(_answers_ref: str) -> object | None:
    """An answers loader that finds nothing (pure rendering without store access)."""
    return None


def _vault_field(raw: Mapping[str, object], key: str) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dict | list):
        raise ConflictError(f"vault secrets answers: {key}: must be a string")
    if isinstance(value, str):
        return value
    return json.dumps(value)


def parse_vault_answers(raw: object) -> Vault:
    """Vault connection config: `addr` and `role` required, the rest optional, others ignored."""
    if not isinstance(raw, Mapping):
        raise ConflictError(
            "vault secrets answers: expected a JSON object with `addr` and `role`, "
            f"got {'nothing' if raw is None else type(raw).__name__}"
        )
    addr = _vault_field(raw, "addr")
    role = _vault_field(raw, "role")
    if addr is None:
        raise ConflictError("vault secrets answers: addr: required, non-empty")
    if role is None:
        raise ConflictError("vault secrets answers: role: required, non-empty")
    return Vault(
        addr=addr,
        role=role,
        kv_mount=_vault_field(raw, "kv_mount") or VAULT_DEFAULT_KV_MOUNT,
        kv_prefix=_vault_field(raw, "kv_prefix") or VAULT_DEFAULT_KV_PREFIX,
        auth_mount=_vault_field(raw, "auth_mount") or VAULT_DEFAULT_AUTH_MOUNT,
        transit_mount=_vault_field(raw, "transit_mount") or VAULT_DEFAULT_TRANSIT_MOUNT,
        transit_key=_vault_field(raw, "transit_key") or VAULT_DEFAULT_TRANSIT_KEY,
        namespace=_vault_field(raw, "namespace"),
    )


def resolve_secrets_backend(env: Environment, load_answers: AnswersLoader) -> SecretsBackend:
    """No binding or dev-store → DevStore; vault → Vault from its answers; anything else fails."""
    binding = env.pack_for_slot(CapabilitySlot.secrets)
    if binding is None or binding.kind_path == DEV_STORE_KIND_PATH:
        return DevStore()
    if binding.kind_path == VAULT_KIND_PATH:
        if not binding.answers_ref:
            raise ConflictError(
                f"secrets binding `{binding.kind}` records no answers_ref; "
                "the vault backend needs `addr` and `role`"
            )
        return parse_vault_answers(load_answers(binding.answers_ref))
    # Fail closed: rendering dev-store objects for an unknown backend would ship secrets wrongly.
    raise ConflictError(
        f"secrets binding kind `{binding.kind}` is not supported by the k8s deployer "
        f"(supported: {DEV_STORE_KIND_PATH}, {VAULT_KIND_PATH})"
    )
