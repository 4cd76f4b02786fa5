"""Third-party handlers registered through the `greentic_deployer.env_packs` entry points."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from importlib import metadata

import pytest

from greentic_deployer.packs import builtins
from greentic_deployer.packs.registry import (
    ENTRY_POINT_GROUP,
    EnvPackHandler,
    EnvPackRegistry,
    EnvPackWarning,
    load_entry_point_handlers,
)
from greentic_deployer.spec.slots import CapabilitySlot

from . import example_third_party

FAKE_MODULE = "greentic_test_fake_env_packs"


def _ext(path: str) -> EnvPackHandler:
    return EnvPackHandler(
        slot=CapabilitySlot.extension, descriptor_path=path, supported_versions="^1.0.0"
    )


def _raise() -> EnvPackHandler:
    raise RuntimeError("factory exploded")


@pytest.fixture
def fake_module() -> Iterator[types.ModuleType]:
    """An importable module holding entry-point targets of every shape."""
    module = types.ModuleType(FAKE_MODULE)
    module.many = lambda: [_ext("acme.ext.one"), _ext("acme.ext.two")]  # type: ignore[attr-defined]
    module.explodes = _raise  # type: ignore[attr-defined]
    module.wrong_type = lambda: "not a handler"  # type: ignore[attr-defined]
    module.not_callable = 42  # type: ignore[attr-defined]
    module.duplicate_builtin = lambda: EnvPackHandler(  # type: ignore[attr-defined]
        slot=CapabilitySlot.secrets,
        descriptor_path="greentic.secrets.dev-store",
        supported_versions="^9.0.0",
    )
    module.deployer_without_credentials = lambda: EnvPackHandler(  # type: ignore[attr-defined]
        slot=CapabilitySlot.deployer,
        descriptor_path="acme.deployer.bare",
        supported_versions="^1.0.0",
    )
    sys.modules[FAKE_MODULE] = module
    yield module
    del sys.modules[FAKE_MODULE]


def _install(monkeypatch: pytest.MonkeyPatch, **targets: str) -> None:
    """Make `importlib.metadata.entry_points(group=…)` list exactly these entry points."""
    points = [
        metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in targets.items()
    ]
    real = metadata.entry_points

    def entry_points(**params: str) -> object:
        if params.get("group") == ENTRY_POINT_GROUP:
            return metadata.EntryPoints(points)
        return real(**params)

    monkeypatch.setattr(metadata, "entry_points", entry_points)


def test_example_pack_registers_through_its_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, acme_echo=f"{example_third_party.__name__}:env_pack")
    registry = EnvPackRegistry(builtins.builtin_handlers())
    assert load_entry_point_handlers(registry) == []
    handler = registry.resolve_for_slot(CapabilitySlot.deployer, "acme.deployer.echo@1.4.0")
    assert isinstance(handler.new_deployer(), example_third_party.EchoDeployer)


def test_a_factory_may_return_several_handlers(
    monkeypatch: pytest.MonkeyPatch, fake_module: types.ModuleType
) -> None:
    _install(monkeypatch, many=f"{FAKE_MODULE}:many")
    registry = EnvPackRegistry()
    assert load_entry_point_handlers(registry) == []
    assert [h.descriptor_path for h in registry.handlers()] == ["acme.ext.one", "acme.ext.two"]


def test_broken_entry_points_are_warnings_not_crashes(
    monkeypatch: pytest.MonkeyPatch, fake_module: types.ModuleType
) -> None:
    _install(
        monkeypatch,
        a_missing_module="greentic_no_such_module_anywhere:env_pack",
        b_missing_attr=f"{FAKE_MODULE}:nothing_here",
        c_explodes=f"{FAKE_MODULE}:explodes",
        d_wrong_type=f"{FAKE_MODULE}:wrong_type",
        e_not_callable=f"{FAKE_MODULE}:not_callable",
        f_duplicate=f"{FAKE_MODULE}:duplicate_builtin",
        g_no_credentials=f"{FAKE_MODULE}:deployer_without_credentials",
        h_good=f"{FAKE_MODULE}:many",
    )
    registry = EnvPackRegistry(builtins.builtin_handlers())
    with pytest.warns(EnvPackWarning) as recorded:
        problems = load_entry_point_handlers(registry)
    assert len(problems) == 7
    assert [str(w.message) for w in recorded] == problems
    expectations = [
        ("a_missing_module", "failed to load", "greentic_no_such_module_anywhere"),
        ("b_missing_attr", "failed to load", "nothing_here"),
        ("c_explodes", "failed to load", "factory exploded"),
        ("d_wrong_type", "failed to load", "expected EnvPackHandler"),
        ("e_not_callable", "failed to load", "does not load to a callable"),
        ("f_duplicate", "was not registered", "already registered"),
        ("g_no_credentials", "was not registered", "credentials contract"),
    ]
    for problem, (name, what, why) in zip(problems, expectations, strict=True):
        assert f"`{name} = " in problem
        assert what in problem
        assert why in problem
    # The good entry point still registered, and the built-in was not shadowed.
    assert registry.get("acme.ext.one") is not None
    dev_store = registry.get("greentic.secrets.dev-store")
    assert dev_store is not None
    assert dev_store.supported_versions == "^0.1.0"
    assert registry.get("acme.deployer.bare") is None


def test_default_registry_is_builtins_plus_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, acme_echo=f"{example_third_party.__name__}:env_pack")
    registry = builtins.default_registry()
    paths = [h.descriptor_path for h in registry.handlers()]
    builtin_paths = [h.descriptor_path for h in builtins.builtin_handlers()]
    assert paths[: len(builtin_paths)] == builtin_paths
    assert "acme.deployer.echo" in paths


def test_no_entry_points_means_builtins_only() -> None:
    registry = builtins.default_registry()
    assert {h.descriptor_path for h in builtins.builtin_handlers()} <= {
        h.descriptor_path for h in registry.handlers()
    }
