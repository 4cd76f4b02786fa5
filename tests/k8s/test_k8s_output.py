"""Rendering to a directory: file names, stale cleanup, unmanaged files, determinism."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from greentic_deployer.packs.k8s.cluster import InvalidManifestError
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.packs.k8s.output import (
    MARKER_FILE,
    manifest_file_names,
    manifest_yaml,
    sanitize_file_part,
    write_manifests,
)
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.store.errors import AtomicWriteError

from .conftest import A_READY, A_WARMING


def _cm(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}


def _listing(directory: Path) -> list[str]:
    """The directory's names apart from the render marker."""
    return sorted(n for n in os.listdir(directory) if n != MARKER_FILE)


def _archive(env: Environment, rid: str) -> Environment:
    return env.model_copy(
        update={
            "revisions": [
                r.model_copy(update={"lifecycle": Lifecycle.archived})
                if r.revision_id == rid
                else r
                for r in env.revisions
            ]
        }
    )


def test_file_names(env: Environment, tmp_path: Path) -> None:
    objects = render_environment(env, None)
    report = write_manifests(objects, tmp_path / "out")
    assert report["output_dir"] == str(tmp_path / "out")
    assert report["files"][:4] == [
        "00-namespace-gtc-staging.yaml",
        "01-configmap-gtc-env-store.yaml",
        "02-configmap-gtc-runtime-config.yaml",
        "03-deployment-gtc-router.yaml",
    ]
    assert report["files"][13] == f"13-deployment-{worker_name(A_READY)}.yaml"
    assert report["removed_stale_files"] == []
    assert report["unmanaged_files"] == []
    assert _listing(tmp_path / "out") == report["files"]
    marker = json.loads((tmp_path / "out" / MARKER_FILE).read_text())
    assert marker == {"schema": "greentic.rendered-files.v1", "files": sorted(report["files"])}
    for name, manifest in zip(report["files"], objects, strict=True):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert yaml.safe_load(text) == manifest
        assert "&id" not in text and "*id" not in text  # no YAML anchors


def test_index_width_grows_with_the_count() -> None:
    assert manifest_file_names([_cm("a")]) == ["00-configmap-a.yaml"]
    names = manifest_file_names([_cm(f"c{i}") for i in range(100)])
    assert names[0] == "000-configmap-c0.yaml"
    assert names[99] == "099-configmap-c99.yaml"
    assert manifest_file_names([_cm(f"c{i}") for i in range(99)])[98] == "98-configmap-c98.yaml"


def test_names_are_sanitized() -> None:
    assert sanitize_file_part("Weird/Name_..x") == "weird-name-..x"
    odd = {"apiVersion": "x/v1", "kind": "Some_Kind", "metadata": {"name": "A/../b c"}}
    (name,) = manifest_file_names([odd])
    assert name == "00-some-kind-a-..-b-c.yaml"
    assert "/" not in name


def test_stale_managed_files_are_removed(env: Environment, tmp_path: Path) -> None:
    write_manifests(render_environment(env, None), tmp_path)
    archived = _archive(_archive(env, A_READY), A_WARMING)
    report = write_manifests(render_environment(archived, None), tmp_path)
    assert len(report["files"]) == 17
    # the renumbered tail and both archived workers are gone: nothing can be resurrected
    assert "13-deployment-" + worker_name(A_READY) + ".yaml" in report["removed_stale_files"]
    assert _listing(tmp_path) == report["files"]
    assert not [n for n in os.listdir(tmp_path) if worker_name(A_READY) in n]
    assert not [n for n in os.listdir(tmp_path) if worker_name(A_WARMING) in n]


def test_unmanaged_files_are_reported_and_untouched(env: Environment, tmp_path: Path) -> None:
    keep = {
        "README.md": "notes",
        "kustomization.yaml": "resources: []",
        "99-notes.txt": "not yaml",
        "x-01-thing.yaml": "prefix is not digits",
        "55-stale.yaml": "kind: Old",
    }
    for name, text in keep.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "subdir").mkdir()
    (tmp_path / "42-dir.yaml").mkdir()  # managed-looking but a directory
    (tmp_path / "77-link.yaml").symlink_to(tmp_path / "README.md")  # managed-looking link
    report = write_manifests(render_environment(env, None), tmp_path)
    assert report["removed_stale_files"] == []
    assert report["unmanaged_files"] == sorted([*keep, "subdir", "42-dir.yaml", "77-link.yaml"])
    for name, text in keep.items():
        assert (tmp_path / name).read_text() == text
    assert (tmp_path / "42-dir.yaml").is_dir()
    assert (tmp_path / "77-link.yaml").is_symlink()


def test_hand_written_numbered_yaml_survives_every_render(env: Environment, tmp_path: Path) -> None:
    """Any `<digits>-*.yaml` a render did not write itself used to be deleted as stale."""
    ingress = tmp_path / "00-ingress.yaml"
    ingress.write_text("kind: Ingress\n")
    first = write_manifests(render_environment(env, None), tmp_path)
    archived = _archive(_archive(env, A_READY), A_WARMING)
    second = write_manifests(render_environment(archived, None), tmp_path)
    assert ingress.read_text() == "kind: Ingress\n"
    assert first["unmanaged_files"] == second["unmanaged_files"] == ["00-ingress.yaml"]
    assert "00-ingress.yaml" not in second["removed_stale_files"]
    assert second["removed_stale_files"]  # the archived workers' files did go


def test_only_files_listed_by_the_marker_are_removed(env: Environment, tmp_path: Path) -> None:
    write_manifests(render_environment(env, None), tmp_path)
    marker = tmp_path / MARKER_FILE
    doc = json.loads(marker.read_text())
    # A tampered marker can name only render-shaped files, and only regular ones go.
    doc["files"] += ["README.md", "../outside.yaml", "88-dir.yaml", "89-gone.yaml"]
    marker.write_text(json.dumps(doc))
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "88-dir.yaml").mkdir()
    (tmp_path.parent / "outside.yaml").write_text("x")
    report = write_manifests(render_environment(env, None), tmp_path)
    assert report["removed_stale_files"] == []
    assert report["unmanaged_files"] == ["88-dir.yaml", "README.md"]
    assert (tmp_path.parent / "outside.yaml").exists()
    assert json.loads(marker.read_text())["files"] == sorted(report["files"])


@pytest.mark.parametrize("content", ["not json", '{"schema": "other", "files": []}', "[]"])
def test_an_unreadable_marker_removes_nothing(
    env: Environment, tmp_path: Path, content: str
) -> None:
    write_manifests(render_environment(env, None), tmp_path)
    (tmp_path / MARKER_FILE).write_text(content)
    archived = _archive(_archive(env, A_READY), A_WARMING)
    report = write_manifests(render_environment(archived, None), tmp_path)
    assert report["removed_stale_files"] == []
    assert [n for n in report["unmanaged_files"] if worker_name(A_READY) in n]
    # The marker is rewritten, so the next render knows its own files again.
    assert json.loads((tmp_path / MARKER_FILE).read_text())["files"] == sorted(report["files"])


def test_a_render_that_dies_midway_still_owns_what_it_wrote(
    env: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from greentic_deployer.store import atomic

    archived = _archive(_archive(env, A_READY), A_WARMING)
    write_manifests(render_environment(archived, None), tmp_path)
    written: list[str] = []

    def die_after_three(step: str, target: Path) -> None:
        if step == "dir-synced" and target.name != MARKER_FILE:
            written.append(target.name)
            if len(written) == 3:
                raise OSError("disk gone")

    monkeypatch.setattr(atomic, "fault_hook", die_after_three)
    full = render_environment(env, None)
    with pytest.raises(AtomicWriteError, match="disk gone"):
        write_manifests(full, tmp_path)
    assert len(written) == 3
    monkeypatch.setattr(atomic, "fault_hook", None)
    # The next, smaller render removes the files the interrupted one had claimed.
    report = write_manifests(render_environment(archived, None), tmp_path)
    assert report["unmanaged_files"] == []
    assert _listing(tmp_path) == report["files"]


def test_rewrite_is_deterministic_and_idempotent(env: Environment, tmp_path: Path) -> None:
    objects = render_environment(env, None)
    first = write_manifests(objects, tmp_path / "a")
    second = write_manifests(render_environment(env, None), tmp_path / "b")
    assert first["files"] == second["files"]
    for name in first["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    before = {n: (tmp_path / "a" / n).stat().st_mtime_ns for n in first["files"]}
    again = write_manifests(objects, tmp_path / "a")
    assert again["removed_stale_files"] == [] and again["unmanaged_files"] == []
    after = {n: (tmp_path / "a" / n).stat().st_mtime_ns for n in first["files"]}
    assert before == after  # unchanged content is not rewritten
    assert not [n for n in os.listdir(tmp_path / "a") if n.endswith(".tmp")]


def test_changed_content_is_replaced(env: Environment, tmp_path: Path) -> None:
    write_manifests(render_environment(env, None), tmp_path)
    target = tmp_path / "03-deployment-gtc-router.yaml"
    target.write_text("tampered")
    write_manifests(render_environment(env, {"router_replicas": 4}), tmp_path)
    assert yaml.safe_load(target.read_text())["spec"]["replicas"] == 4


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_text("x")
    with pytest.raises(InvalidArgumentError, match="not a directory"):
        write_manifests([_cm("a")], path)
    assert path.read_text() == "x"


def test_invalid_manifest_touches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(InvalidManifestError):
        write_manifests([_cm("a"), {"kind": "ConfigMap"}], out)
    assert not out.exists()


def test_yaml_keeps_key_order_and_long_lines(env: Environment) -> None:
    objects = render_environment(env, None)
    text = manifest_yaml(objects[1])
    assert text.splitlines()[:3] == ["apiVersion: v1", "kind: ConfigMap", "metadata:"]
    (payload_line,) = [line for line in text.splitlines() if "environment.json" in line]
    assert yaml.safe_load(text)["data"]["environment.json"] in payload_line
