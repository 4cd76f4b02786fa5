"""Traffic verbs: set with idempotency keys, one-step rollback, clear; weight parsing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from greentic_deployer.engine.admission import admit_entries, check_ownership
from greentic_deployer.engine.checked import build, stamp, validated
from greentic_deployer.engine.errors import IdempotencyConflictError, SplitNotFoundError
from greentic_deployer.engine.lookup import require_deployment
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import parse_idempotency_key, parse_ulid
from greentic_deployer.spec.stash import SnapshotMissingError, decode_stash, encode_stash
from greentic_deployer.spec.traffic import U32_MAX, TrafficEntry, TrafficSplit, percent_to_bps

_WEIGHT = re.compile(r"([0-9]+)(?:\.([0-9]+))?\s*(%|bps)?")


@dataclass(frozen=True)
class TrafficOutcome:
    """Result of a traffic mutation; `new_generation is None` marks an idempotent no-op."""

    environment: Environment
    split: TrafficSplit
    previous_generation: int | None
    new_generation: int | None
    changed: bool


def _entry_key(entries: Sequence[TrafficEntry]) -> list[tuple[str, int]]:
    return sorted((e.revision_id, e.weight_bps) for e in entries)


def _with_split(env: Environment, split: TrafficSplit) -> Environment:
    # Replace in place so the runtime-config block order (store order) stays stable.
    splits = list(env.traffic_splits)
    for index, existing in enumerate(splits):
        if existing.deployment_id == split.deployment_id:
            splits[index] = split
            break
    else:
        splits.append(split)
    return env.model_copy(update={"traffic_splits": splits})


def set_traffic(
    env: Environment,
    deployment_id: str,
    entries: Sequence[TrafficEntry],
    idempotency_key: str,
    now: datetime,
    updated_by: str = "operator",
    authorization_ref: str = "auth.json",
) -> TrafficOutcome:
    """Replace a deployment's split."""
    at = stamp(now)
    dep_id = parse_ulid(deployment_id, "deployment_id")
    key = parse_idempotency_key(idempotency_key)
    deployment = require_deployment(env, dep_id)
    wanted = list(entries)
    check_ownership(env, dep_id, wanted)
    live = env.split_for(dep_id)
    if live is not None and live.idempotency_key == key:
        if _entry_key(live.entries) != _entry_key(wanted):
            raise IdempotencyConflictError(key, dep_id)
        # A replay of the live mutation: nothing changes, nothing is stashed.
        return TrafficOutcome(env, live, live.generation, None, changed=False)
    admit_entries(env, dep_id, wanted)
    split = build(
        TrafficSplit,
        "traffic_split",
        env_id=env.environment_id,
        deployment_id=dep_id,
        bundle_id=deployment.bundle_id,
        generation=0 if live is None else live.generation + 1,
        entries=wanted,
        updated_at=at,
        updated_by=updated_by,
        idempotency_key=key,
        authorization_ref=authorization_ref,
        previous_split_ref=None if live is None else encode_stash(live, "previous_split_ref"),
    )
    split.validate()
    return TrafficOutcome(
        validated(_with_split(env, split)),
        split,
        None if live is None else live.generation,
        split.generation,
        changed=True,
    )


def rollback_traffic(env: Environment, deployment_id: str, now: datetime) -> TrafficOutcome:
    """Restore the stashed previous split one step back; the restored split has no stash."""
    at = stamp(now)
    dep_id = parse_ulid(deployment_id, "deployment_id")
    require_deployment(env, dep_id)
    live = env.split_for(dep_id)
    if live is None:
        raise SplitNotFoundError(env.environment_id, dep_id)
    previous = decode_stash(
        live.previous_split_ref, TrafficSplit, f"traffic split of deployment {dep_id}"
    )
    if (previous.env_id, previous.deployment_id) != (live.env_id, live.deployment_id):
        raise SnapshotMissingError(
            f"the stashed traffic split of deployment {dep_id} belongs to deployment "
            f"{previous.deployment_id} (snapshot missing); set the split explicitly instead"
        )
    restored = previous.model_copy(
        update={
            "generation": live.generation + 1,
            "updated_at": at,
            "idempotency_key": f"rollback-{live.idempotency_key}",
            "previous_split_ref": None,
        }
    )
    restored.validate()
    check_ownership(env, dep_id, restored.entries)
    admit_entries(env, dep_id, restored.entries)
    return TrafficOutcome(
        validated(_with_split(env, restored)),
        restored,
        live.generation,
        restored.generation,
        changed=True,
    )


def clear_traffic(env: Environment, deployment_id: str) -> tuple[Environment, TrafficSplit]:
    """Remove a deployment's split entirely and return it.

    Without it a deployment's last split could never be emptied, so its revisions could
    never be archived and the deployment never removed.
    """
    dep_id = parse_ulid(deployment_id, "deployment_id")
    require_deployment(env, dep_id)
    live = env.split_for(dep_id)
    if live is None:
        raise SplitNotFoundError(env.environment_id, dep_id)
    remaining = [s for s in env.traffic_splits if s.deployment_id != dep_id]
    return validated(env.model_copy(update={"traffic_splits": remaining})), live


def parse_weight(text: str) -> int:
    """`N` or `Nbps` basis points, or `N%` percent (0..100, decimals when whole bps)."""
    match = _WEIGHT.fullmatch(text.strip())
    if match is None:
        raise InvalidArgumentError("weight", "expected N (bps), N% or Nbps", text)
    whole, fraction, unit = match.groups()
    # Anything this long is out of range; checking first keeps int() away from huge strings.
    oversized = len(whole.lstrip("0")) > len(str(U32_MAX))
    if unit == "%":
        # The same rule as `weight_percent` in a payload (spec.traffic.percent_to_bps).
        numeral = whole if fraction is None else f"{whole}.{fraction}"
        return percent_to_bps(numeral, "weight", shown=text)
    if fraction is not None:
        raise InvalidArgumentError("weight", "basis points must be a whole number", text)
    if oversized or int(whole) > U32_MAX:
        raise InvalidArgumentError("weight", f"basis points must be at most {U32_MAX}", text)
    return int(whole)


def parse_entry_arg(text: str) -> TrafficEntry:
    """Parse a `<revision_id>=<weight>` command-line entry."""
    rid, sep, weight = text.partition("=")
    if not sep or not rid.strip() or not weight.strip():
        raise InvalidArgumentError("entry", "expected <revision_id>=<weight>", text)
    revision_id = parse_ulid(rid, "revision_id")
    return TrafficEntry(revision_id=revision_id, weight_bps=parse_weight(weight))
