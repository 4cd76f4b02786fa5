"""Revisions and their lifecycle states."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from greentic_deployer.spec.bounds import U32_MAX
from greentic_deployer.spec.clock import Timestamp
from greentic_deployer.spec.ids import EnvId, Ulid
from greentic_deployer.spec.serde import SpecModel

REVISION_SCHEMA = "greentic.revision.v1"
PLACEHOLDER_DIGEST = "sha256:00"


class Lifecycle(StrEnum):
    """Revision lifecycle states."""

    inactive = "inactive"
    staged = "staged"
    warming = "warming"
    ready = "ready"
    draining = "draining"
    failed = "failed"
    archived = "archived"

    # Three distinct notions of "still there"; each is named once, here.

    @property
    def is_retained(self) -> bool:
        """Not archived: the revision still belongs to its deployment's working set.

        Its packs may be named by config overrides, and its deployment cannot be removed.
        """
        return self != Lifecycle.archived

    @property
    def is_live(self) -> bool:
        """Neither archived nor inactive: it may still serve, so its env cannot be destroyed."""
        return self not in (Lifecycle.archived, Lifecycle.inactive)

    @property
    def has_cluster_presence(self) -> bool:
        """Workers exist in the cluster for warming, ready and draining revisions."""
        return self in (Lifecycle.warming, Lifecycle.ready, Lifecycle.draining)


class PackListEntry(SpecModel):
    """One pinned pack of a revision."""

    pack_id: str
    version: str
    digest: str
    source_uri: str | None = None


class Revision(SpecModel):
    """An immutable staged bundle of one deployment."""

    schema_: str = Field(default=REVISION_SCHEMA, alias="schema")
    revision_id: Ulid
    env_id: EnvId
    bundle_id: str
    deployment_id: Ulid
    sequence: int = Field(ge=0)
    created_at: Timestamp
    bundle_digest: str
    bundle_source_uri: str | None = None
    pack_list: list[PackListEntry] = Field(default_factory=list)
    pack_list_lock_ref: str = ""
    pack_config_refs: list[str] = Field(default_factory=list)
    config_digest: str = PLACEHOLDER_DIGEST
    signature_sidecar_ref: str = "rev.sig"
    lifecycle: Lifecycle
    staged_at: Timestamp | None = None
    warmed_at: Timestamp | None = None
    drain_seconds: int = Field(default=0, ge=0, le=U32_MAX)
    abort_metrics: list[str] = Field(default_factory=list)
