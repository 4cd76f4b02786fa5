"""`revisions drain` refuses a revision that still carries traffic, unless forced.

The reference lets a routed revision drain; draining one that serves requests is almost always
a mistake, so the CLI asks for `--force` and names the `traffic set` that would free it.
"""

from __future__ import annotations

from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.traffic import TrafficSplit


class RoutedDrainError(ConflictError):
    """The revision to drain still carries weight in its deployment's split."""

    def __init__(
        self, env: Environment, revision_id: str, split: TrafficSplit, weight_bps: int
    ) -> None:
        super().__init__(
            f"revision {revision_id} still carries {weight_bps / 100:g}% ({weight_bps} bps) of "
            f"deployment {split.deployment_id}'s traffic; draining it would drop those requests"
        )
        self.hint = _freeing_command(env, revision_id, split, weight_bps) + (
            " first, or pass --force to drain it anyway"
        )


def _weight_arg(bps: int) -> str:
    return f"{bps // 100}%" if bps % 100 == 0 else f"{bps}bps"


def _freeing_command(
    env: Environment, revision_id: str, split: TrafficSplit, weight_bps: int
) -> str:
    # The command that would free it: hand its weight to the heaviest other entry, else route
    # everything to the newest other ready revision of the deployment, else clear the split.
    env_id, deployment_id = env.environment_id, split.deployment_id
    tail = f"--deployment {deployment_id} --idempotency-key drain-{revision_id}"
    others = [e for e in split.entries if e.revision_id != revision_id]
    if others:
        heaviest = max(others, key=lambda e: e.weight_bps)
        args = " ".join(
            f"{e.revision_id}=" + _weight_arg(e.weight_bps + (weight_bps if e is heaviest else 0))
            for e in others
        )
        return f"move its traffic with `gtc op traffic set {env_id} {args} {tail}`"
    ready = [
        r
        for r in env.revisions
        if r.deployment_id == deployment_id
        and r.revision_id != revision_id
        and r.lifecycle is Lifecycle.ready
    ]
    if ready:
        newest = max(ready, key=lambda r: r.sequence)
        return (
            f"move its traffic with `gtc op traffic set {env_id} {newest.revision_id}=100% {tail}`"
        )
    return f"run `gtc op traffic clear {env_id} --deployment {deployment_id}`"


def refuse_routed_drain(env: Environment, revision_id: str) -> None:
    """Raise RoutedDrainError when a ready revision has weight > 0 in a split."""
    revision = env.revision(revision_id)
    if revision is None or revision.lifecycle is not Lifecycle.ready:
        return  # the engine reports unknown ids and wrong lifecycles as it always has
    for split in env.traffic_splits:
        for entry in split.entries:
            if entry.revision_id == revision_id and entry.weight_bps > 0:
                raise RoutedDrainError(env, revision_id, split, entry.weight_bps)
