"""Render to a directory: one YAML file per object, stale files of earlier renders removed.

A render may delete only what a render wrote: the names it wrote are listed in the marker
file `.greentic-rendered` beside them. A stale file is one listed there that this render no
longer produces; it is deleted so `kubectl apply -f <dir>` cannot resurrect the worker of an
archived revision. Anything else, even a hand-written `00-ingress.yaml`, is reported, never
touched.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from greentic_deployer.packs.k8s.object_ref import object_ref
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.store.atomic import atomic_write_bytes, durable_delete, fsync_dir

# Only names of this shape are ever written, so only they may be listed as ours.
_MANAGED = re.compile(r"^[0-9]+-[a-z0-9.-]*\.yaml$")
MARKER_FILE = ".greentic-rendered"
MARKER_SCHEMA = "greentic.rendered-files.v1"
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


def _marker_bytes(names: Iterable[str]) -> bytes:
    doc = {"schema": MARKER_SCHEMA, "files": sorted(set(names))}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def read_marker(output_dir: Path) -> set[str]:
    """The file names an earlier render listed as its own; empty when absent or unreadable.

    An unreadable marker proves nothing, so nothing it might name is ever deleted.
    """
    try:
        doc = json.loads((output_dir / MARKER_FILE).read_bytes())
    except (OSError, ValueError):
        return set()
    if not isinstance(doc, dict) or doc.get("schema") != MARKER_SCHEMA:
        return set()
    files = doc.get("files")
    if not isinstance(files, list):
        return set()
    return {name for name in files if isinstance(name, str) and _MANAGED.fullmatch(name)}


def _unchanged(target: Path, data: bytes) -> bool:
    # Identical content is left alone, so a re-render keeps mtimes and costs no writes.
    try:
        if target.is_symlink() or not target.is_file():
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def write_manifests(objects: Sequence[Mapping[str, Any]], output_dir: Path) -> dict[str, Any]:
    """Write one YAML file per object, drop files earlier renders wrote, report the rest."""
    if output_dir.exists() and not output_dir.is_dir():
        raise InvalidArgumentError("output", "exists and is not a directory", str(output_dir))
    # Serialize everything first: a bad manifest fails before the directory is touched.
    names = manifest_file_names(objects)
    payloads = [manifest_yaml(manifest).encode("utf-8") for manifest in objects]
    output_dir.mkdir(parents=True, exist_ok=True)
    marker = output_dir / MARKER_FILE
    earlier = read_marker(output_dir)
    wanted = set(names)
    # Claim the new names before writing them, so a render that dies half-way still
    # knows next time which files are its own.
    if not wanted <= earlier:
        atomic_write_bytes(marker, _marker_bytes(earlier | wanted))
    for name, data in zip(names, payloads, strict=True):
        target = output_dir / name
        if not _unchanged(target, data):
            atomic_write_bytes(target, data)
    removed: list[str] = []
    unmanaged: list[str] = []
    with os.scandir(output_dir) as entries:
        for entry in entries:
            if entry.name in wanted or entry.name == MARKER_FILE:
                continue
            if entry.name in earlier and entry.is_file(follow_symlinks=False):
                durable_delete(Path(entry.path))
                removed.append(entry.name)
            else:
                unmanaged.append(entry.name)
    if earlier != wanted:
        atomic_write_bytes(marker, _marker_bytes(wanted))
    fsync_dir(output_dir)
    return {
        "output_dir": str(output_dir),
        "files": names,
        "removed_stale_files": sorted(removed),
        "unmanaged_files": sorted(unmanaged),
    }
