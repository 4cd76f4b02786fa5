"""Env id safety, env-relative path containment and the layout helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.store.errors import UnsafeEnvIdError
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.store.paths import is_normal_relative

from .builders import make_env

UNSAFE_IDS = ["", ".", "..", "a/b", "../etc", "a\\b", "c:x", "a\0b", "/abs"]


@pytest.mark.parametrize("env_id", UNSAFE_IDS)
def test_unsafe_env_ids_are_rejected_before_touching_disk(
    store: LocalFileStore, root: Path, env_id: str
) -> None:
    with pytest.raises(UnsafeEnvIdError) as caught:
        store.env_dir(env_id)
    assert caught.value.kind == "invalid-argument"
    assert caught.value.field == "environment_id"
    for call in (
        lambda: store.exists(env_id),
        lambda: store.load(env_id),
        lambda: store.transact(env_id, lambda e: (e, None)),
        lambda: store.transact_new(env_id, lambda e: (make_env(), None)),
        lambda: store.snapshot(env_id),
    ):
        with pytest.raises(UnsafeEnvIdError):
            call()
    assert not root.exists()


@pytest.mark.parametrize("env_id", ["a b", "é", "x*"])
def test_other_env_id_rule_violations_are_invalid_arguments(
    store: LocalFileStore, env_id: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        store.env_dir(env_id)
    assert not isinstance(caught.value, UnsafeEnvIdError)


@pytest.mark.parametrize("env_id", ["local", "prod-eu.1_x", "...a"])
def test_safe_env_ids_map_to_one_directory(store: LocalFileStore, root: Path, env_id: str) -> None:
    assert store.env_dir(env_id) == root / env_id


def test_revision_dir_requires_a_ulid_and_uses_its_canonical_form(
    store: LocalFileStore, root: Path
) -> None:
    rid = ulid_from_int(42)
    assert store.revision_dir("staging", rid.lower()) == root / "staging" / "revisions" / rid
    with pytest.raises(InvalidArgumentError) as caught:
        store.revision_dir("staging", "../../etc")
    assert caught.value.field == "revision_id"


def _env_with_file(store: LocalFileStore) -> Path:
    env_dir = store.env_dir("staging")
    (env_dir / "answers").mkdir(parents=True)
    (env_dir / "answers" / "k8s.json").write_text("{}")
    return env_dir


def test_read_env_relative_resolves_files_inside_the_env(store: LocalFileStore) -> None:
    env_dir = _env_with_file(store)
    resolved = store.read_env_relative("staging", "answers/k8s.json")
    assert resolved == (env_dir / "answers" / "k8s.json").resolve()
    os.symlink(env_dir / "answers" / "k8s.json", env_dir / "inner-link.json")
    assert store.read_env_relative("staging", "inner-link.json") == resolved


@pytest.mark.parametrize(
    ("rel", "rule"),
    [
        ("../outside.json", "'..'"),
        ("answers/../../outside.json", "'..'"),
        ("/etc/passwd", "relative"),
        ("", "non-empty"),
        ("answers/missing.json", "does not exist"),
        ("escape.json", "outside"),
    ],
)
def test_read_env_relative_rejects_escapes(
    store: LocalFileStore, tmp_path: Path, rel: str, rule: str
) -> None:
    env_dir = _env_with_file(store)
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    os.symlink(outside, env_dir / "escape.json")
    with pytest.raises(InvalidArgumentError) as caught:
        store.read_env_relative("staging", rel, field="answers_ref")
    assert caught.value.field == "answers_ref"
    assert rule in caught.value.rule


def test_pack_answers_need_a_known_slot(store: LocalFileStore, env: Environment) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        store.save_pack_answers("staging", "../evil", {})
    assert caught.value.field == "slot"


@pytest.mark.parametrize(
    ("rel", "ok"),
    [
        ("environment.json", True),
        ("env-packs/deployer/answers.json", True),
        ("", False),
        ("/abs", False),
        ("a//b", False),
        ("./a", False),
        ("a/../b", False),
        ("a\\b", False),
    ],
)
def test_is_normal_relative(rel: str, ok: bool) -> None:
    assert is_normal_relative(rel) is ok
