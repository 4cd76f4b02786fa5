"""`make demo` (examples/demo.sh) runs end to end and keeps what it advertises."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import REPO


def test_demo_keeps_its_store_and_manifests_and_says_where(tmp_path: Path) -> None:
    """Guards the bug where the demo printed the store and manifest paths, then deleted them."""
    demo_dir = tmp_path / "demo"
    stale = demo_dir / "left-from-last-run"
    stale.parent.mkdir(parents=True)
    stale.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTIC_")}
    env.update(DEMO_DIR=str(demo_dir), HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        ["bash", "examples/demo.sh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store, manifests = demo_dir / "store", demo_dir / "k8s-preview"
    assert not stale.exists(), "the demo starts from a clean directory"
    # The store is still there and is a real one: the second deploy routes 100 % after rollback
    # to the first revision, and the audit log holds every step.
    shown = subprocess.run(
        [
            str(REPO / ".venv/bin/gtc"),
            "op",
            "--store-root",
            str(store),
            "revisions",
            "list",
            "local",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    revisions = json.loads(shown.stdout)["result"]["revisions"]
    assert [r["lifecycle"] for r in revisions] == ["ready", "ready"]
    events = (store / "local/audit/events.jsonl").read_text().splitlines()
    rendered = sorted(p.name for p in manifests.glob("*.yaml"))
    assert len(rendered) == 17
    lines = proc.stdout.splitlines()
    hint = f"(e.g. .venv/bin/gtc op --store-root {store} env show local)"
    assert f"  store:      {store}  {hint}" in lines
    assert f"  manifests:  {demo_dir}/k8s-preview  (17 files)" in lines
    assert (
        f"  audit log:  {demo_dir}/store/local/audit/events.jsonl  ({len(events)} events)" in lines
    )
    assert f"  deployment: {revisions[0]['deployment_id']}" in lines
