"""Small environment builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, datetime

from greentic_deployer.spec.bundle import BundleDeployment
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.revision import Lifecycle, Revision
from greentic_deployer.spec.traffic import TrafficEntry, TrafficSplit

TS = "2025-01-02T03:04:05Z"
NOW = datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
DEPLOYMENT_ID = ulid_from_int(1)
REVISION_ID = ulid_from_int(2)


def make_env(env_id: str = "staging", *, name: str = "Staging") -> Environment:
    """An empty, valid environment."""
    return Environment(
        environment_id=env_id,
        name=name,
        host_config=EnvironmentHostConfig(env_id=env_id),
    )


def routed_env(env_id: str = "staging") -> Environment:
    """A valid environment with one ready revision receiving all traffic."""
    deployment = BundleDeployment(
        deployment_id=DEPLOYMENT_ID,
        env_id=env_id,
        bundle_id="demo-bundle",
        customer_id="local-dev",
        current_revisions=[REVISION_ID],
        created_at=TS,
    )
    revision = Revision(
        revision_id=REVISION_ID,
        env_id=env_id,
        bundle_id="demo-bundle",
        deployment_id=DEPLOYMENT_ID,
        sequence=1,
        created_at=TS,
        bundle_digest="sha256:ab",
        pack_list_lock_ref=f"revisions/{REVISION_ID}/pack-list.lock",
        lifecycle=Lifecycle.ready,
    )
    split = TrafficSplit(
        env_id=env_id,
        deployment_id=DEPLOYMENT_ID,
        bundle_id="demo-bundle",
        entries=[TrafficEntry(revision_id=REVISION_ID, weight_bps=10_000)],
        updated_at=TS,
        idempotency_key="k1",
    )
    return make_env(env_id).model_copy(
        update={"bundles": [deployment], "revisions": [revision], "traffic_splits": [split]}
    )


def unrouted(env: Environment) -> Environment:
    """The same environment without traffic splits (empty runtime-config projection)."""
    return env.model_copy(update={"traffic_splits": []})


def counter(env: Environment) -> int:
    """The test counter kept in `host_config.region`."""
    return int(env.host_config.region or "0")


def with_counter(env: Environment, value: int) -> Environment:
    """`env` with the test counter set to `value`."""
    host = env.host_config.model_copy(update={"region": str(value)})
    return env.model_copy(update={"host_config": host})


def bump(env: Environment) -> tuple[Environment, int]:
    """A transact function: increment the counter and return the new value."""
    value = counter(env) + 1
    return with_counter(env, value), value


def invalid(env: Environment) -> Environment:
    """`env` broken so that `validate()` fails (a non-http public base URL)."""
    host = env.host_config.model_copy(update={"public_base_url": "ftp://nope"})
    return env.model_copy(update={"host_config": host})
