"""Render to a directory: one YAML file per object, stale managed files removed.

Only `<digits>-*.yaml` regular files are ours. Stale ones are deleted so `kubectl apply -f <dir>`
cannot resurrect the worker of an archived revision; anything else is reported, never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from greentic_deployer.packs.k8s.object_ref import object_ref
from greentic_deployer.spec.errors import InvalidArgumentError

_MANAGED = re.compile(r"^[0-9]+-.*\.yaml$")
_UNSAFE_NAME_CHARS = re.compile(r"[^a-z0-9.-]")
# Wide enough that the one-line env-store JSON is never folded.
_YAML_WIDTH = 1 << 30

_BaseDumper: type[yaml.SafeDumper]
try:
    _BaseDumper = yaml.CSafeDumper  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper


class _ManifestDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """A safe dumper that never emits anchors/aliases for repeated sub-objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def manifest_yaml(manifest: Mapping[str, Any]) -> str:
    """One manifest as block-style YAML in its own key order."""
    return yaml.dump(
        manifest,
        Dumper=_ManifestDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=_YAML_WIDTH,
    )


def sanitize_file_part(text: str) -> str:
    """Lower-case `text` and turn anything outside `[a-z0-9.-]` into `-`."""
    return _UNSAFE_NAME_CHARS.sub("-", text.lower())


def manifest_file_names(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    """`NN-<kind>-<name>.yaml` per object; NN is zero-padded to ≥ 2 digits and fits the count."""
    width = max(2, len(str(len(objects))))
    names = []
    for index, manifest in enumerate(objects):
        ref = object_ref(manifest)
        kind = sanitize_file_part(ref.kind)
        name = sanitize_file_part(ref.name)
        names.append(f"{index:0{width}d}-{kind}-{name}.yaml")
    return names


def _write_atomic(target: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unchanged(target: Path, data: bytes) -> bool:
    # Identical content is left alone, so a re-render keeps mtimes and costs no writes.
    try:
        if target.is_symlink() or not target.is_file():
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def write_manifests(objects: Sequence[Mapping[str, Any]], output_dir: Path) -> dict[str, Any]:
    """Write one YAML file per object, drop stale managed files, report unmanaged ones."""
    if output_dir.exists() and not output_dir.is_dir():
        raise InvalidArgumentError("output", "exists and is not a directory", str(output_dir))
    # Serialize everything first: a bad manifest fails before the directory is touched.
    names = manifest_file_names(objects)
    payloads = [manifest_yaml(manifest).encode("utf-8") for manifest in objects]
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, data in zip(names, payloads, strict=True):
        target = output_dir / name
        if not _unchanged(target, data):
            _write_atomic(target, data)
    wanted = set(names)
    removed: list[str] = []
    unmanaged: list[str] = []
    with os.scandir(output_dir) as entries:
        for entry in entries:
            if entry.name in wanted:
                continue
            if _MANAGED.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(entry.name)
            else:
                unmanaged.append(entry.name)
    _fsync_dir(output_dir)
    return {
        "output_dir": str(output_dir),
        "files": names,
        "removed_stale_files": sorted(removed),
        "unmanaged_files": sorted(unmanaged),
    }
