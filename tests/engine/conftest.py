"""Shared fixtures for engine tests: a fluent builder of valid environments and fixed time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.bundle import BundleDeployment
from greentic_deployer.spec.clock import format_timestamp
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, PackListEntry, Revision
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
# Ids live in disjoint ranges so a deployment id can never be mistaken for a revision id.
_DEPLOYMENT_BASE = 1 << 100
_REVISION_BASE = 2 << 100


class EnvBuilder:
    """Fluent builder of valid environments: deployments, revisions, splits, bindings."""

    NOW = NOW

    def __init__(self, env_id: str = "staging") -> None:
        self.env_id = env_id
        self._bundles: list[BundleDeployment] = []
        self._revisions: list[Revision] = []
        self._splits: list[TrafficSplit] = []
        self._packs: list[EnvPackBinding] = []

    @staticmethod
    def dep(n: int) -> str:
        """The deployment id number `n`."""
        return ulid_from_int(_DEPLOYMENT_BASE + n)

    @staticmethod
    def rev(n: int) -> str:
        """The revision id number `n`."""
        return ulid_from_int(_REVISION_BASE + n)

    @staticmethod
    def at(seconds: int = 0) -> datetime:
        """`NOW` shifted by `seconds`."""
        return NOW + timedelta(seconds=seconds)

    @staticmethod
    def ts(seconds: int = 0) -> str:
        """The wire form of `at(seconds)`."""
        return format_timestamp(NOW + timedelta(seconds=seconds))

    def deployment(
        self,
        n: int = 1,
        *,
        bundle_id: str | None = None,
        customer_id: str = "acme",
        config_overrides: dict[str, dict[str, Any]] | None = None,
        current_revisions: Sequence[int] = (),
    ) -> EnvBuilder:
        """Add deployment `n` of bundle `bundle-<n>` (unless named)."""
        self._bundles.append(
            BundleDeployment(
                deployment_id=self.dep(n),
                env_id=self.env_id,
                bundle_id=bundle_id or f"bundle-{n}",
                customer_id=customer_id,
                created_at=self.ts(),
                config_overrides=config_overrides,
                current_revisions=[self.rev(r) for r in current_revisions],
            )
        )
        return self

    def revision(
        self,
        n: int,
        *,
        deployment: int = 1,
        lifecycle: Lifecycle = Lifecycle.ready,
        sequence: int | None = None,
        pack_ids: Sequence[str] = (),
    ) -> EnvBuilder:
        """Add revision `n` of deployment `deployment` (its bundle id is copied)."""
        owner = next(b for b in self._bundles if b.deployment_id == self.dep(deployment))
        seq = sequence
        if seq is None:
            seq = 1 + sum(1 for r in self._revisions if r.deployment_id == owner.deployment_id)
        self._revisions.append(
            Revision(
                revision_id=self.rev(n),
                env_id=self.env_id,
                bundle_id=owner.bundle_id,
                deployment_id=owner.deployment_id,
                sequence=seq,
                created_at=self.ts(),
                bundle_digest="sha256:" + "ab" * 32,
                pack_list=[
                    PackListEntry(pack_id=p, version="0.0.0", digest="sha256:00") for p in pack_ids
                ],
                lifecycle=lifecycle,
                staged_at=self.ts(),
                drain_seconds=30,
            )
        )
        return self

    def split(
        self,
        deployment: int,
        entries: Sequence[tuple[int, int]],
        *,
        key: str = "key-0",
        generation: int = 0,
        previous_split_ref: str | None = None,
    ) -> EnvBuilder:
        """Add the split of `deployment` from `(revision number, bps)` pairs."""
        owner = next(b for b in self._bundles if b.deployment_id == self.dep(deployment))
        self._splits.append(
            TrafficSplit(
                env_id=self.env_id,
                deployment_id=owner.deployment_id,
                bundle_id=owner.bundle_id,
                generation=generation,
                entries=[TrafficEntry(revision_id=self.rev(r), weight_bps=w) for r, w in entries],
                updated_at=self.ts(),
                idempotency_key=key,
                previous_split_ref=previous_split_ref,
            )
        )
        return self

    def binding(self, slot: CapabilitySlot, kind: str, generation: int = 0) -> EnvBuilder:
        """Bind `slot` to `kind` (pack_ref = the descriptor string)."""
        self._packs.append(
            EnvPackBinding(slot=slot, kind=kind, pack_ref=kind, generation=generation)
        )
        return self

    def build(self) -> Environment:
        """The environment, already validated."""
        env = Environment(
            environment_id=self.env_id,
            name=self.env_id,
            host_config=EnvironmentHostConfig(env_id=self.env_id),
            packs=list(self._packs),
            bundles=list(self._bundles),
            revisions=list(self._revisions),
            traffic_splits=list(self._splits),
        )
        env.validate()
        return env


@pytest.fixture
def builder() -> EnvBuilder:
    """A fresh builder for env `staging`."""
    return EnvBuilder()


@pytest.fixture(scope="session")
def builder_cls() -> type[EnvBuilder]:
    """The builder class itself, for hypothesis tests (no function-scoped fixtures there)."""
    return EnvBuilder


@pytest.fixture
def now() -> datetime:
    """The fixed instant every engine test passes as `now`."""
    return NOW
