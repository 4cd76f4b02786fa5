"""runtime-config.json: written when routed, left alone when parsed-equal, deleted when empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.spec.serde import dumps_pretty
from greentic_deployer.store.paths import EnvLayout
from greentic_deployer.store.projection import RefreshOutcome, refresh_runtime_config

from .builders import NOW, REVISION_ID, routed_env, unrouted


@pytest.fixture
def layout(tmp_path: Path) -> EnvLayout:
    env_dir = tmp_path / "staging"
    env_dir.mkdir()
    return EnvLayout("staging", env_dir)


def _backups(layout: EnvLayout) -> list[str]:
    backups = layout.env_dir / "backups"
    return sorted(p.name for p in backups.iterdir()) if backups.exists() else []


def test_routed_env_writes_the_pretty_projection(layout: EnvLayout) -> None:
    env = routed_env()
    assert refresh_runtime_config(layout, env, NOW) == RefreshOutcome.written
    text = layout.runtime_config_json.read_text()
    assert text == dumps_pretty(materialize_runtime_config(env))
    assert list(json.loads(text)) == ["schema", "env_id", "revisions"]
    assert json.loads(text)["revisions"] == [
        {
            "deployment_id": env.bundles[0].deployment_id,
            "revision_id": REVISION_ID,
            "bundle_id": "demo-bundle",
            "pack_list_refs": [f"revisions/{REVISION_ID}/pack-list.lock"],
            "pack_config_refs": [],
            "weight_bps": 10000,
        }
    ]
    assert _backups(layout) == []


def test_a_parsed_equal_file_is_left_alone(layout: EnvLayout) -> None:
    env = routed_env()
    refresh_runtime_config(layout, env, NOW)
    # Same content, different formatting: still no rewrite and no backup churn.
    compact = json.dumps(json.loads(layout.runtime_config_json.read_text()))
    layout.runtime_config_json.write_text(compact)
    assert refresh_runtime_config(layout, env, NOW) == RefreshOutcome.unchanged
    assert layout.runtime_config_json.read_text() == compact
    assert _backups(layout) == []


def test_a_changed_projection_is_backed_up_and_rewritten(layout: EnvLayout) -> None:
    env = routed_env()
    refresh_runtime_config(layout, env, NOW)
    old = layout.runtime_config_json.read_text()
    split = env.traffic_splits[0].model_copy(update={"generation": 1, "idempotency_key": "k2"})
    changed = env.model_copy(update={"traffic_splits": [split]})
    # Generation and key are not part of the projection: unchanged.
    assert refresh_runtime_config(layout, changed, NOW) == RefreshOutcome.unchanged
    rev = env.revisions[0].model_copy(update={"pack_config_refs": ["revisions/x/pc.json"]})
    changed = env.model_copy(update={"revisions": [rev]})
    assert refresh_runtime_config(layout, changed, NOW) == RefreshOutcome.written
    assert _backups(layout) == ["runtime-config.json.20250102T030405.123456000Z.bak"]
    assert (layout.env_dir / "backups" / _backups(layout)[0]).read_text() == old


def test_an_empty_projection_deletes_the_file_with_a_backup(layout: EnvLayout) -> None:
    env = unrouted(routed_env())
    assert refresh_runtime_config(layout, env, NOW) == RefreshOutcome.unchanged
    assert not layout.runtime_config_json.exists()
    assert _backups(layout) == []
    refresh_runtime_config(layout, routed_env(), NOW)
    assert refresh_runtime_config(layout, env, NOW) == RefreshOutcome.deleted
    assert not layout.runtime_config_json.exists()
    assert len(_backups(layout)) == 1


def test_a_corrupt_projection_is_replaced(layout: EnvLayout) -> None:
    layout.runtime_config_json.write_text("{nope")
    assert refresh_runtime_config(layout, routed_env(), NOW) == RefreshOutcome.written
    assert json.loads(layout.runtime_config_json.read_text())["env_id"] == "staging"
    assert len(_backups(layout)) == 1
