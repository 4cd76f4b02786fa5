"""Staging reports its phases to a progress callback; limits read in MiB."""

from __future__ import annotations

from pathlib import Path

import pytest

from greentic_deployer.bundle.sizes import human_size
from greentic_deployer.bundle.stage import stage_bundle
from tests.bundle.conftest import BUNDLE, ENV, RID
from tests.conftest import EXAMPLE_BUNDLE


def test_stage_reports_copy_then_hash_then_extract(revision_dir: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    stage_bundle(
        EXAMPLE_BUNDLE,
        revision_dir,
        env_id=ENV,
        bundle_id=BUNDLE,
        revision_id=RID,
        progress=lambda phase, done, total: calls.append((phase, done, total)),
    )
    phases = [phase for phase, _, _ in calls]
    assert phases == sorted(phases, key=["copy", "hash", "extract"].index)
    assert set(phases) == {"copy", "hash", "extract"}
    size = EXAMPLE_BUNDLE.stat().st_size
    last = {phase: (done, total) for phase, done, total in calls}
    assert last["copy"] == (size, size) and last["hash"] == (size, size)
    done, total = last["extract"]
    assert done == total > 0
    for phase in ("copy", "hash", "extract"):
        dones = [d for p, d, _ in calls if p == phase]
        assert dones == sorted(dones)  # progress never goes backwards


def test_staging_without_a_callback_is_unchanged(revision_dir: Path) -> None:
    staged = stage_bundle(
        EXAMPLE_BUNDLE, revision_dir, env_id=ENV, bundle_id=BUNDLE, revision_id=RID
    )
    assert staged.bundle_digest.startswith("sha256:")


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1536, "1.5 KiB"),
        (700 * 1024 * 1024, "700 MiB"),
        (576 * 1024 * 1024, "576 MiB"),
        (3 * 1024**3 + 1024**3 // 4, "3.2 GiB"),
        (5 * 1024**4, "5 TiB"),
    ],
)
def test_human_size(count: int, shown: str) -> None:
    assert human_size(count) == shown
