"""Capability slots."""

from __future__ import annotations

from enum import StrEnum


class CapabilitySlot(StrEnum):
    """The closed set of capability slots; lowercase on the wire."""

    deployer = "deployer"
    secrets = "secrets"
    telemetry = "telemetry"
    sessions = "sessions"
    state = "state"
    revocation = "revocation"
    messaging = "messaging"
    extension = "extension"

    @property
    def binds_in_packs(self) -> bool:
        """True for the six slots that live in `Environment.packs`."""
        return self not in (CapabilitySlot.messaging, CapabilitySlot.extension)


CORE_SLOTS: tuple[CapabilitySlot, ...] = tuple(s for s in CapabilitySlot if s.binds_in_packs)
