"""Env-pack and extension bindings, and the `local` defaults."""

from __future__ import annotations

from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import DescriptorStr, check_instance_id, descriptor_path
from greentic_deployer.spec.serde import SpecModel
from greentic_deployer.spec.slots import CapabilitySlot


class EnvPackBinding(SpecModel):
    """A capability slot bound to a pack kind."""

    slot: CapabilitySlot
    kind: DescriptorStr
    pack_ref: str
    answers_ref: str | None = None
    generation: int = 0
    previous_binding_ref: str | None = None

    @property
    def kind_path(self) -> str:
        """The registry key of the bound kind."""
        return descriptor_path(self.kind)


class ExtensionBinding(SpecModel):
    """An extension bound by `(kind path, instance_id)`."""

    kind: DescriptorStr
    pack_ref: str
    instance_id: str | None = None
    answers_ref: str | None = None
    generation: int = 0
    previous_binding_ref: str | None = None

    @property
    def identity(self) -> tuple[str, str | None]:
        """The identity key `(kind path, instance_id)`."""
        return (descriptor_path(self.kind), self.instance_id)

    @property
    def display(self) -> str:
        """`<path>` or `<path>/<instance>`."""
        path, instance = self.identity
        return path if instance is None else f"{path}/{instance}"

    def instance_id_is_valid(self) -> bool:
        """Whether `instance_id` is absent or `[a-z0-9-]+`."""
        if self.instance_id is None:
            return True
        try:
            check_instance_id(self.instance_id)
        except InvalidArgumentError:
            return False
        return True


LOCAL_DEFAULT_KINDS: dict[CapabilitySlot, str] = {
    CapabilitySlot.deployer: "greentic.deployer.local-process@0.1.0",
    CapabilitySlot.secrets: "greentic.secrets.dev-store@0.1.0",
    CapabilitySlot.telemetry: "greentic.telemetry.stdout@0.1.0",
    CapabilitySlot.sessions: "greentic.sessions.in-memory@0.1.0",
    CapabilitySlot.state: "greentic.state.in-memory@0.1.0",
}


def local_default_bindings() -> list[EnvPackBinding]:
    """The five default bindings of the bootstrap `local` env (generation 0)."""
    return [
        EnvPackBinding(slot=slot, kind=kind, pack_ref=kind)
        for slot, kind in LOCAL_DEFAULT_KINDS.items()
    ]
