"""Pack-config inputs: strict format, env/bundle/pack scoping, exact secret refs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.bundle.errors import PackConfigError
from greentic_deployer.bundle.pack_configs import (
    PACK_CONFIG_INPUT_SCHEMA,
    load_pack_config_inputs,
    materialize_pack_configs,
)
from greentic_deployer.spec.documents import PackConfig

from .conftest import BUNDLE, ENV, MINIMAL, RID, ImageFactory, Link, Tree, stage, write_tree

SECRET = f"secret://{ENV}/{BUNDLE}/app/token"


def _input(**fields: Any) -> str:
    return json.dumps({"schema": PACK_CONFIG_INPUT_SCHEMA, "pack_id": "app", **fields})


def _configs(tmp_path: Path, inputs: dict[str, str]) -> list[PackConfig]:
    root = tmp_path / "bundle"
    write_tree(root, {f"state/pack-configs/{name}": text for name, text in inputs.items()})
    return materialize_pack_configs(
        load_pack_config_inputs(root),
        env_id=ENV,
        bundle_id=BUNDLE,
        revision_id=RID,
        pack_ids={"app", "web"},
    )


def test_stage_materializes_an_applicable_input(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    tree: Tree = {
        **MINIMAL,
        "packs/web.gtpack": b"web",
        "state/pack-configs/web.json": _input(pack_id="web", non_secret={"b": 2, "a": {"z": 1}}),
        "state/pack-configs/app.json": _input(
            env_id=ENV,
            bundle_id=BUNDLE,
            secret_refs={"token": SECRET},
            runtime_refs={"url": f"runtime://{ENV}/router/url"},
        ),
        "state/pack-configs/README.md": "ignored: not a .json file",
    }
    staged = stage(make_image(tree), revision_dir)
    assert staged.pack_config_refs == [
        f"revisions/{RID}/pack-configs/app.json",
        f"revisions/{RID}/pack-configs/web.json",
    ]
    app = json.loads((revision_dir / "pack-configs/app.json").read_text())
    assert app == {
        "schema": "greentic.pack-config.v1",
        "pack_id": "app",
        "revision_id": RID,
        "non_secret": {},
        "secret_refs": {"token": SECRET},
        "runtime_refs": {"url": f"runtime://{ENV}/router/url"},
    }
    web_text = (revision_dir / "pack-configs/web.json").read_text()
    assert list(json.loads(web_text)["non_secret"]) == ["a", "b"]  # maps are emitted sorted
    assert web_text.endswith("\n")


def test_stage_with_a_bad_input_leaves_nothing(
    make_image: ImageFactory, revision_dir: Path
) -> None:
    tree: Tree = {**MINIMAL, "state/pack-configs/app.json": _input(surprise=True)}
    with pytest.raises(PackConfigError, match="unknown key 'surprise'"):
        stage(make_image(tree), revision_dir)
    assert not revision_dir.exists()


@pytest.mark.parametrize(
    "scope",
    [{"env_id": "prod"}, {"bundle_id": "other"}, {"env_id": ENV, "bundle_id": "other"}],
)
def test_inputs_for_another_env_or_bundle_are_skipped(
    scope: dict[str, str], tmp_path: Path
) -> None:
    # Skipped inputs may even name packs this bundle does not pin.
    assert _configs(tmp_path, {"x.json": _input(pack_id="elsewhere", **scope)}) == []


def test_scoped_and_unscoped_inputs_apply(tmp_path: Path) -> None:
    configs = _configs(
        tmp_path,
        {
            "a.json": _input(env_id=ENV, non_secret={"k": 1}),
            "b.json": _input(pack_id="web", bundle_id=BUNDLE),
        },
    )
    assert [(c.pack_id, c.revision_id) for c in configs] == [("app", RID), ("web", RID)]
    assert configs[0].non_secret == {"k": 1}


def test_secret_ref_must_be_exactly_scoped(tmp_path: Path) -> None:
    wrong = f"secret://{ENV}/{BUNDLE}/web/token"
    with pytest.raises(PackConfigError, match=r"secret_refs\.token") as info:
        _configs(tmp_path, {"a.json": _input(secret_refs={"token": wrong})})
    assert SECRET in str(info.value)
    assert wrong in str(info.value)


@pytest.mark.parametrize(
    "ref", [f"secret://prod/{BUNDLE}/app/token", f"secret://{ENV}/{BUNDLE}/app/other", "token"]
)
def test_other_secret_refs_are_refused(ref: str, tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match="must be exactly"):
        _configs(tmp_path, {"a.json": _input(secret_refs={"token": ref})})


@pytest.mark.parametrize(
    ("ref", "match"),
    [("runtime://prod/x", "must reference environment 'local'"), ("http://x", "runtime://")],
)
def test_runtime_refs_stay_in_the_env(ref: str, match: str, tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match=match):
        _configs(tmp_path, {"a.json": _input(runtime_refs={"url": ref})})


def test_unknown_pack_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match="'ghost' is not a pinned pack"):
        _configs(tmp_path, {"a.json": _input(pack_id="ghost")})


def test_two_inputs_for_one_pack_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match="already configures") as info:
        _configs(tmp_path, {"a.json": _input(), "b.json": _input(env_id=ENV)})
    assert "a.json" in str(info.value)
    assert "b.json" in str(info.value)


def test_a_key_belongs_to_one_map(tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match="one map only"):
        _configs(
            tmp_path, {"a.json": _input(non_secret={"token": "x"}, secret_refs={"token": SECRET})}
        )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        (json.dumps({"pack_id": "app"}), "schema"),
        (_input(schema="greentic.pack-config.v1"), "schema"),
        (_input(pack_id=5), "pack_id"),
        (_input(pack_id=""), "pack_id"),
        (_input(env_id=""), "env_id"),
        (_input(non_secret=[1]), "non_secret"),
        (_input(secret_refs={"token": 1}), "secret_refs"),
        (_input(non_secret={"": 1}), "keys must not be empty"),
        (_input(extra={}), "unknown key 'extra'"),
    ],
)
def test_malformed_inputs(text: str, match: str, tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match=match) as info:
        _configs(tmp_path, {"a.json": text})
    assert "state/pack-configs/a.json" in str(info.value)
    assert info.value.kind == "invalid-argument"


def test_oversized_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackConfigError, match="larger than"):
        _configs(tmp_path, {"a.json": _input(non_secret={"blob": "x" * (1024 * 1024)})})


def test_symlinked_input_or_directory_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "bundle"
    write_tree(root, {"real.json": _input(), "state/pack-configs/a.json": Link("../../real.json")})
    with pytest.raises(PackConfigError, match="regular file"):
        load_pack_config_inputs(root)
    other = tmp_path / "other"
    write_tree(other, {"configs/a.json": _input(), "state/pack-configs": Link("../configs")})
    with pytest.raises(PackConfigError, match="real directory"):
        load_pack_config_inputs(other)


def test_no_pack_configs_directory(tmp_path: Path) -> None:
    write_tree(tmp_path / "bundle", {"state/other.txt": "x"})
    assert load_pack_config_inputs(tmp_path / "bundle") == []
