"""The routing projection and its pure materialization."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from greentic_deployer.spec.ids import EnvId, Ulid
from greentic_deployer.spec.serde import SpecModel

if TYPE_CHECKING:
    from greentic_deployer.spec.environment import Environment

RUNTIME_CONFIG_SCHEMA = "greentic.runtime-config.v1"


class RevisionRuntimeBlock(SpecModel):
    """One routed revision as the runtime sees it."""

    deployment_id: Ulid
    revision_id: Ulid
    bundle_id: str
    pack_list_refs: list[str] = Field(default_factory=list)
    pack_config_refs: list[str] = Field(default_factory=list)
    weight_bps: int


class RuntimeConfig(SpecModel):
    """What the runtime routes: one block per split entry, in store order."""

    schema_: str = Field(default=RUNTIME_CONFIG_SCHEMA, alias="schema")
    env_id: EnvId
    revisions: list[RevisionRuntimeBlock] = Field(default_factory=list)


def materialize_runtime_config(env: Environment) -> RuntimeConfig:
    """Pure, total, deterministic; lifecycle is deliberately not filtered."""
    by_key = {(r.revision_id, r.deployment_id): r for r in env.revisions}
    blocks: list[RevisionRuntimeBlock] = []
    for split in env.traffic_splits:
        for entry in split.entries:
            revision = by_key.get((entry.revision_id, split.deployment_id))
            lock_refs = (
                [revision.pack_list_lock_ref]
                if revision is not None and revision.pack_list_lock_ref
                else []
            )
            blocks.append(
                RevisionRuntimeBlock(
                    deployment_id=split.deployment_id,
                    revision_id=entry.revision_id,
                    bundle_id=split.bundle_id,
                    pack_list_refs=lock_refs,
                    pack_config_refs=list(revision.pack_config_refs) if revision else [],
                    weight_bps=entry.weight_bps,
                )
            )
    return RuntimeConfig(env_id=env.environment_id, revisions=blocks)
