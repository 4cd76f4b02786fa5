"""The derived `runtime-config.json` projection."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.json_bounds import loads_bounded
from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.store.files import MAX_DOCUMENT_BYTES, FileRefusedError, read_regular_file
from greentic_deployer.store.paths import EnvLayout
from greentic_deployer.store.tracked import remove_tracked, replace_tracked_json


class RefreshOutcome(StrEnum):
    """What a projection refresh did to the file."""

    written = "written"
    deleted = "deleted"
    unchanged = "unchanged"


def refresh_runtime_config(layout: EnvLayout, env: Environment, now: datetime) -> RefreshOutcome:
    """Delete when nothing is routed; leave a parsed-equal file alone; otherwise back up + write."""
    path = layout.runtime_config_json
    projection = materialize_runtime_config(env)
    if not projection.revisions:
        removed = remove_tracked(layout, path, now)
        return RefreshOutcome.deleted if removed else RefreshOutcome.unchanged
    desired = projection.to_json_dict()
    try:
        current = loads_bounded(read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES))
    except (OSError, ValueError, FileRefusedError):
        # Absent, unreadable or not a regular file: the projection must be (re)written.
        current = None
    if current == desired:
        return RefreshOutcome.unchanged
    replace_tracked_json(layout, path, projection, now)
    return RefreshOutcome.written
