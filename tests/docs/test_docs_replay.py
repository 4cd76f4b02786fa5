"""Every ```console block in docs/*.md and README.md is run and must print what it shows.

The convention is documented in docs/README.md. To refresh the docs after a deliberate
behaviour change: `GTC_DOCS_UPDATE=1 .venv/bin/python -m pytest tests/docs -q`, then review
`git diff docs`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_BUNDLES
from tests.docs import gtc_server
from tests.docs.replay import Sandbox, compare, parse, refresh, run_file

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


@pytest.fixture(scope="module")
def gtc_bin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory whose `gtc` is the CLI: a fork-server shim, or the console script."""
    bin_dir = tmp_path_factory.mktemp("bin")
    if REAL:
        (bin_dir / "gtc").symlink_to(Path(sys.executable).parent / "gtc")
        yield bin_dir
        return
    socket_path = bin_dir / "gtc.sock"
    server = subprocess.Popen(
        [sys.executable, gtc_server.__file__, str(socket_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready", "gtc fork server did not start"
        gtc_server.write_shim(bin_dir, socket_path)
        yield bin_dir
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize("tool", ["jq", "mksquashfs", "unsquashfs", "flock"])
def test_tools_the_docs_use_are_installed(tool: str) -> None:
    """The docs pipe output through jq, build a bundle with squashfs-tools and hold a lock
    with flock; replaying them needs those tools."""
    assert shutil.which(tool) is not None, f"install {tool} to replay the docs"


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_console_blocks_replay(doc: Path, gtc_bin: Path, tmp_path: Path) -> None:
    """Each command of the file, run in order in one shell, prints what the doc shows."""
    name = doc.relative_to(REPO).as_posix()
    text = doc.read_text()
    blocks = parse(text, name)
    sandbox = Sandbox(root=tmp_path, repo=REPO, fixtures=SHARED_BUNDLES, bin_dir=gtc_bin)
    sandbox.prepare()
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
        "(after normalising ULIDs, timestamps, digests, temp paths, durations and pids).\n"
        "If the code is right, refresh the doc with "
        "`GTC_DOCS_UPDATE=1 .venv/bin/python -m pytest tests/docs -q` and review `git diff`.\n\n"
        + report,
        pytrace=False,
    )
