"""Registration and resolution rules of the env-pack registry."""

from __future__ import annotations

import pytest

from greentic_deployer.packs.builtins import builtin_handlers
from greentic_deployer.packs.contract import InvalidAnswersError
from greentic_deployer.packs.local_process.credentials import LocalProcessCredentials
from greentic_deployer.packs.local_process.deployer import LocalProcessDeployer
from greentic_deployer.packs.registry import (
    DeployerMissingCredentialsError,
    DuplicateRegistrationError,
    EnvPackHandler,
    EnvPackRegistry,
    RegistryError,
    SlotMismatchError,
    UnknownKindError,
    VersionUnsupportedError,
    WizardQuestion,
    WizardSpec,
)
from greentic_deployer.spec.bindings import LOCAL_DEFAULT_KINDS
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError
from greentic_deployer.spec.slots import CapabilitySlot


def _extension(path: str = "acme.oauth.auth0", versions: str = "^1.0.0") -> EnvPackHandler:
    return EnvPackHandler(
        slot=CapabilitySlot.extension, descriptor_path=path, supported_versions=versions
    )


def test_builtins_cover_the_local_defaults(registry: EnvPackRegistry) -> None:
    assert [h.descriptor_path for h in registry.handlers()] == [
        "greentic.secrets.dev-store",
        "greentic.telemetry.stdout",
        "greentic.sessions.in-memory",
        "greentic.state.in-memory",
        "greentic.deployer.local-process",
        "greentic.deployer.k8s",
    ]
    k8s = registry.resolve_for_slot(CapabilitySlot.deployer, "greentic.deployer.k8s@1.0.0-dev.3")
    assert k8s.renderer is not None and k8s.credentials is not None
    with pytest.raises(VersionUnsupportedError):
        registry.resolve("greentic.deployer.k8s@1.1.0-dev")
    for slot, kind in LOCAL_DEFAULT_KINDS.items():
        handler = registry.resolve_for_slot(slot, kind)
        assert handler.slot is slot
        assert handler.supported_versions == "^0.1.0"


def test_metadata_only_handlers_have_no_capabilities(registry: EnvPackRegistry) -> None:
    handler = registry.get("greentic.telemetry.stdout")
    assert handler is not None
    assert handler.credentials is None
    assert handler.deployer_factory is None
    assert handler.renderer is None
    assert handler.wizard_spec is None
    assert handler.preflight() == []
    with pytest.raises(ConflictError, match="does not provide a deployer"):
        handler.new_deployer()


def test_local_process_handler_capabilities(registry: EnvPackRegistry) -> None:
    handler = registry.resolve("greentic.deployer.local-process@0.1.3")
    assert isinstance(handler.credentials, LocalProcessCredentials)
    assert isinstance(handler.new_deployer(), LocalProcessDeployer)
    assert handler.renderer is None
    assert handler.preflight() == []
    assert handler.wizard_spec is not None
    assert handler.wizard_spec.id == "greentic.deployer.local-process.wizard"


def test_get_and_contains(registry: EnvPackRegistry) -> None:
    assert registry.get("greentic.deployer.nope") is None
    assert "greentic.state.in-memory" in registry
    assert len(registry) == 6


def test_duplicate_path_is_refused(registry: EnvPackRegistry) -> None:
    with pytest.raises(DuplicateRegistrationError) as caught:
        registry.register(builtin_handlers()[0])
    assert caught.value.path == "greentic.secrets.dev-store"
    assert caught.value.kind == "conflict"
    assert "already registered for path `greentic.secrets.dev-store`" in str(caught.value)
    assert len(registry) == 6


def test_deployer_without_credentials_is_refused() -> None:
    registry = EnvPackRegistry()
    handler = EnvPackHandler(
        slot=CapabilitySlot.deployer,
        descriptor_path="acme.deployer.no-creds",
        supported_versions="^1.0.0",
        deployer_factory=LocalProcessDeployer,
    )
    with pytest.raises(DeployerMissingCredentialsError) as caught:
        registry.register(handler)
    assert caught.value.path == "acme.deployer.no-creds"
    assert "credentials contract" in str(caught.value)
    assert registry.get("acme.deployer.no-creds") is None


def test_unknown_kind(registry: EnvPackRegistry) -> None:
    with pytest.raises(UnknownKindError) as caught:
        registry.resolve("greentic.secrets.acme-vault@1.0.0")
    assert caught.value.pack_kind == "greentic.secrets.acme-vault@1.0.0"
    assert caught.value.kind == "conflict"
    assert (
        str(caught.value)
        == "no env-pack handler registered for `greentic.secrets.acme-vault@1.0.0`"
    )


def test_version_unsupported(registry: EnvPackRegistry) -> None:
    with pytest.raises(VersionUnsupportedError) as caught:
        registry.resolve("greentic.secrets.dev-store@1.0.0")
    err = caught.value
    assert (err.pack_kind, err.requested, err.supported) == (
        "greentic.secrets.dev-store@1.0.0",
        "1.0.0",
        "^0.1.0",
    )
    assert err.kind == "conflict"
    assert err.to_dict() == {
        "kind": "greentic.secrets.dev-store@1.0.0",
        "requested": "1.0.0",
        "supported": "^0.1.0",
    }
    assert "pins version `1.0.0`" in str(err)
    assert "`^0.1.0`" in str(err)


def test_pre_release_of_a_builtin_is_version_skew(registry: EnvPackRegistry) -> None:
    with pytest.raises(VersionUnsupportedError):
        registry.resolve("greentic.deployer.local-process@0.1.1-dev")


def test_pre_release_rules_apply_to_registered_ranges() -> None:
    registry = EnvPackRegistry([_extension("acme.ext.k", ">=1.0.0-dev, <2.0.0")])
    assert registry.resolve("acme.ext.k@1.0.0-dev.5").descriptor_path == "acme.ext.k"
    assert registry.resolve("acme.ext.k@1.7.0").descriptor_path == "acme.ext.k"
    with pytest.raises(VersionUnsupportedError) as caught:
        registry.resolve("acme.ext.k@1.1.0-dev")
    assert caught.value.requested == "1.1.0-dev"
    assert caught.value.supported == ">=1.0.0-dev, <2.0.0"


def test_slot_mismatch(registry: EnvPackRegistry) -> None:
    kind = "greentic.deployer.local-process@0.1.0"
    with pytest.raises(SlotMismatchError) as caught:
        registry.resolve_for_slot(CapabilitySlot.secrets, kind)
    err = caught.value
    assert (err.pack_kind, err.bound_slot, err.handler_slot) == (
        kind,
        CapabilitySlot.secrets,
        CapabilitySlot.deployer,
    )
    assert err.to_dict() == {"kind": kind, "bound_slot": "secrets", "handler_slot": "deployer"}
    assert "is a `deployer` handler but was bound to the `secrets` slot" in str(err)


def test_extension_handlers_resolve_for_the_extension_slot(registry: EnvPackRegistry) -> None:
    with pytest.raises(UnknownKindError):
        registry.resolve_for_slot(CapabilitySlot.extension, "acme.oauth.auth0@1.0.0")
    registry.register(_extension())
    assert registry.resolve_for_slot(CapabilitySlot.extension, "acme.oauth.auth0@1.2.0")
    with pytest.raises(SlotMismatchError):
        registry.resolve_for_slot(CapabilitySlot.secrets, "acme.oauth.auth0@1.2.0")


@pytest.mark.parametrize(
    "kind",
    ["greentic.secrets.dev-store", "a@b@1.0.0", "@1.0.0", "nodot@1.0.0", "Up.Case@1.0.0", "a.b@1"],
)
def test_malformed_kinds_are_invalid_arguments(registry: EnvPackRegistry, kind: str) -> None:
    with pytest.raises(InvalidArgumentError):
        registry.resolve(kind)


def test_every_registry_error_is_a_conflict() -> None:
    for error_type in (
        DuplicateRegistrationError,
        DeployerMissingCredentialsError,
        UnknownKindError,
        VersionUnsupportedError,
        SlotMismatchError,
    ):
        assert issubclass(error_type, RegistryError)
        assert issubclass(error_type, ConflictError)
        assert error_type.kind == "conflict"


def test_handler_descriptor_path_is_validated() -> None:
    with pytest.raises(InvalidArgumentError, match="descriptor_path"):
        _extension(path="NoDot")


def test_handler_preflight_is_reported() -> None:
    from greentic_deployer.packs.registry import ToolCheck

    check = ToolCheck(tool="kubectl", found=False, detail="not on PATH")
    handler = EnvPackHandler(
        slot=CapabilitySlot.extension,
        descriptor_path="acme.ext.tools",
        supported_versions="^1.0.0",
        preflight=lambda: [check],
    )
    assert handler.preflight() == [check]


def test_wizard_spec_resolution() -> None:
    def no_spaces(value: str) -> None:
        if " " in value:
            raise InvalidAnswersError(f"`name` {value!r} must not contain spaces")

    spec = WizardSpec(
        id="acme.wizard",
        questions=(
            WizardQuestion(id="name", required=True, check=no_spaces),
            WizardQuestion(id="size", default="2", pattern=r"[0-9]+"),
            WizardQuestion(id="note"),
        ),
    )
    assert spec.resolve({"name": "x"}) == {"name": "x", "size": "2"}
    assert spec.resolve({"name": "x", "size": 5, "note": ""}) == {"name": "x", "size": "5"}
    with pytest.raises(InvalidAnswersError, match="`name` is required"):
        spec.resolve(None)
    with pytest.raises(InvalidAnswersError, match="unknown answer key `colour`"):
        spec.resolve({"name": "x", "colour": "red"})
    with pytest.raises(InvalidAnswersError, match="does not match"):
        spec.resolve({"name": "x", "size": "big"})
    with pytest.raises(InvalidAnswersError, match="must not contain spaces"):
        spec.resolve({"name": "a b"})
    with pytest.raises(InvalidAnswersError, match="JSON object"):
        spec.resolve(["name"])
    assert spec.to_dict()["questions"][1] == {
        "id": "size",
        "required": False,
        "help": "",
        "default": "2",
        "pattern": "[0-9]+",
    }


def test_registry_accepts_handlers_at_construction() -> None:
    registry = EnvPackRegistry([_extension("acme.a.one"), _extension("acme.a.two")])
    assert [h.descriptor_path for h in registry.handlers()] == ["acme.a.one", "acme.a.two"]
    with pytest.raises(DuplicateRegistrationError):
        EnvPackRegistry([_extension("acme.a.one"), _extension("acme.a.one")])
