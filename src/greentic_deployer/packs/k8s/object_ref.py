"""How the cluster addresses one object, read from a manifest."""

from __future__ import annotations

from dataclasses import dataclass

from greentic_deployer.packs.k8s.errors import InvalidManifestError


@dataclass(frozen=True)
class ObjectRef:
    """How the cluster addresses one object; `namespace` is None for cluster-scoped kinds."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        if self.namespace is None:
            return f"{self.api_version}/{self.kind} {self.name}"
        return f"{self.api_version}/{self.kind} {self.namespace}/{self.name}"

    def to_json(self) -> dict[str, str | None]:
        """The CLI form `{api_version, kind, namespace, name}`."""
        return {
            "api_version": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    @classmethod
    def from_manifest(cls, manifest: object) -> ObjectRef:
        """The ref of a manifest; a missing apiVersion/kind/metadata.name is InvalidManifest."""
        if not isinstance(manifest, dict):
            raise InvalidManifestError("manifest must be a JSON object")
        api_version = manifest.get("apiVersion")
        kind = manifest.get("kind")
        metadata = manifest.get("metadata")
        if not isinstance(api_version, str) or not api_version:
            raise InvalidManifestError("manifest has no apiVersion")
        if not isinstance(kind, str) or not kind:
            raise InvalidManifestError(f"{api_version} manifest has no kind")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not isinstance(name, str) or not name:
            raise InvalidManifestError(f"{api_version}/{kind} manifest has no metadata.name")
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        if namespace is not None and not isinstance(namespace, str):
            raise InvalidManifestError(
                f"{api_version}/{kind} {name}: metadata.namespace is not a string"
            )
        return cls(api_version=api_version, kind=kind, namespace=namespace or None, name=name)


def object_ref(manifest: object) -> ObjectRef:
    """The ObjectRef of a manifest (same as `ObjectRef.from_manifest`)."""
    return ObjectRef.from_manifest(manifest)
