"""The `greentic.deployer.local-process` env-pack handler."""

from __future__ import annotations

from greentic_deployer.packs.local_process.credentials import LocalProcessCredentials
from greentic_deployer.packs.local_process.deployer import LocalProcessDeployer
from greentic_deployer.packs.local_process.wizard import WIZARD_SPEC
from greentic_deployer.packs.registry import EnvPackHandler
from greentic_deployer.spec.slots import CapabilitySlot

DESCRIPTOR_PATH = "greentic.deployer.local-process"
SUPPORTED_VERSIONS = "^0.1.0"


def local_process_handler() -> EnvPackHandler:
    """Deployer + credentials + wizard; no renderer and no preflight tools."""
    return EnvPackHandler(
        slot=CapabilitySlot.deployer,
        descriptor_path=DESCRIPTOR_PATH,
        supported_versions=SUPPORTED_VERSIONS,
        credentials=LocalProcessCredentials(),
        wizard_spec=WIZARD_SPEC,
        deployer_factory=LocalProcessDeployer,
    )
