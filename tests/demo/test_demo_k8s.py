"""The demo's Kubernetes act (examples/demo_k8s.sh) runs end to end against its own emulator.

Checks: two live deploys route the second revision; the no-change reconcile reports every
object unchanged; archiving the first revision and reconciling prunes exactly its worker
Deployment and Service; the emulator is stopped when the act ends, and also when it fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from greentic_deployer.packs.k8s.naming import worker_name
from tests.conftest import REPO

ENV_ID = "demo-k8s"
TIMEOUT = 180


def run_act(tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the act with WORKDIR <tmp>/k8s and a scratch HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GREENTIC_", "GTSEC_"))}
    env.update(HOME=str(tmp_path / "home"), **extra_env)
    return subprocess.run(
        ["bash", "examples/demo_k8s.sh", str(tmp_path / "k8s")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def emulator_pid(stdout: str) -> int:
    """The pid the act printed when the emulator answered its health check."""
    found = re.search(r"^kube emulator at http://127\.0\.0\.1:\d+ \(pid (\d+)\)", stdout, re.M)
    assert found, stdout
    return int(found.group(1))


def is_running(pid: int) -> bool:
    """Whether a process with this pid still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def section(stdout: str, header: str, occurrence: int = 0) -> str:
    """The text of the `occurrence`-th `==> <header>` block, up to the next `==>` or `---`."""
    blocks = re.split(r"^(?===> |--- )", stdout, flags=re.M)
    matching = [b for b in blocks if b.startswith(f"==> {header}")]
    assert len(matching) > occurrence, f"no block {occurrence} starting {header!r}:\n{stdout}"
    return matching[occurrence]


def value(block: str, key: str) -> str:
    """A `key:  value` line of a text result."""
    found = re.search(rf"^{re.escape(key)}:\s+(\S.*?)\s*$", block, re.M)
    assert found, f"{key} not in:\n{block}"
    return found.group(1)


def table(block: str, title: str) -> str:
    """The rows of the table headed `title:` in a text result (up to the next blank line)."""
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{title}:")
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if not line.strip()), None)
    return "\n".join(rest[:end])


def test_the_k8s_act_deploys_twice_reconciles_archives_and_prunes_then_stops_the_emulator(
    tmp_path: Path,
) -> None:
    proc = run_act(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    pid = emulator_pid(out)
    assert not is_running(pid)
    assert f"kube emulator stopped (pid {pid})" in out

    store = tmp_path / "k8s" / "store"
    gtc = str(REPO / ".venv/bin/gtc")
    listed = subprocess.run(
        [gtc, "op", "--store-root", str(store), "revisions", "list", ENV_ID],
        capture_output=True,
        text=True,
        check=True,
    )
    revisions = json.loads(listed.stdout)["result"]["revisions"]
    assert [r["lifecycle"] for r in revisions] == ["archived", "ready"]
    first, second = (r["revision_id"] for r in revisions)

    for occurrence in (0, 1):
        deployed = section(out, f"gtc op deploy --env {ENV_ID}", occurrence)
        assert value(deployed, "status") == "routed"
        assert '"worker": "rolled-out"' in deployed.split("applied:", 1)[1]
    assert value(section(out, f"gtc op traffic show {ENV_ID}"), "has_previous") == "yes"
    assert second in section(out, f"gtc op traffic show {ENV_ID}")

    waited = section(out, f"gtc op env reconcile {ENV_ID} --wait")
    assert value(waited, "applied_count") == "16"
    assert "rolled out" in waited
    # The reconcile after it finds nothing to do: every object unchanged, nothing pruned.
    again = section(out, f"gtc op env reconcile {ENV_ID} --kubeconfig", 0)
    assert value(again, "applied_count") == "16"
    assert value(again, "unchanged_count") == "16"
    assert value(again, "pruned_count") == "0"
    actions = table(again, "actions")
    assert actions.count(" unchanged") == 16 and "configured" not in actions
    # After archiving the first revision, the reconcile prunes its worker pair only.
    pruned = section(out, f"gtc op env reconcile {ENV_ID} --kubeconfig", 1)
    assert value(pruned, "applied_count") == "14"
    assert value(pruned, "pruned_count") == "2"
    gone = table(pruned, "pruned")
    assert gone.count(worker_name(first)) == 2 and worker_name(second) not in gone
    assert worker_name(first) not in table(pruned, "actions")
    assert "k8s act finished" in out


def test_a_failing_k8s_act_still_stops_its_emulator_and_says_it_failed(tmp_path: Path) -> None:
    """Guards the bug class where a failed step leaves the background emulator running."""
    proc = run_act(tmp_path, DEMO_K8S_BUNDLE=str(tmp_path / "missing.gtbundle"))
    assert proc.returncode != 0
    pid = emulator_pid(proc.stdout)
    assert not is_running(pid)
    assert f"kube emulator stopped (pid {pid})" in proc.stdout
    assert "k8s act FAILED" in proc.stderr


def test_the_k8s_act_refuses_a_workdir_that_already_holds_a_store(tmp_path: Path) -> None:
    (tmp_path / "k8s" / "store").mkdir(parents=True)
    proc = run_act(tmp_path)
    assert proc.returncode == 2
    assert "already exists" in proc.stderr
    assert "kube emulator at" not in proc.stdout
