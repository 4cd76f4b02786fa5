"""The `greentic.deployer.k8s` env-pack handler: deployer, renderer, wizard and credentials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from greentic_deployer.packs.k8s.answers import WIZARD_SPEC
from greentic_deployer.packs.k8s.credentials import K8sCredentials
from greentic_deployer.packs.k8s.deployer import K8sDeployer
from greentic_deployer.packs.k8s.render import K8sRenderer
from greentic_deployer.packs.registry import EnvPackHandler
from greentic_deployer.spec.slots import CapabilitySlot

DESCRIPTOR_PATH = "greentic.deployer.k8s"
SUPPORTED_VERSIONS = ">=1.0.0-dev, <2.0.0"


def write_manifest_files(objects: Sequence[Mapping[str, Any]], output_dir: Path) -> dict[str, Any]:
    """One YAML file per object (the YAML writer is imported only when files are written)."""
    from greentic_deployer.packs.k8s.output import write_manifests

    return write_manifests(objects, output_dir)


def k8s_handler() -> EnvPackHandler:
    """Declarative deployer; its default cluster is unconfigured, so live verbs fail honestly."""
    return EnvPackHandler(
        slot=CapabilitySlot.deployer,
        descriptor_path=DESCRIPTOR_PATH,
        supported_versions=SUPPORTED_VERSIONS,
        credentials=K8sCredentials(),
        wizard_spec=WIZARD_SPEC,
        deployer_factory=K8sDeployer,
        renderer=K8sRenderer(),
        manifest_writer=write_manifest_files,
    )
