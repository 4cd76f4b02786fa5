"""The docs replay itself: parsing the convention, normalising, comparing and refreshing."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from greentic_deployer.testing.kube_emulator import run_emulator
from tests.conftest import REPO, SHARED_BUNDLES
from tests.docs import gtc_server
from tests.docs.replay import (
    EPHEMERAL_PORTS,
    DocsFormatError,
    Normaliser,
    Sandbox,
    compare,
    matches,
    parse,
    refresh,
    run_file,
    wants_kube_emulator,
)
from tests.docs.test_docs_replay import kubectl_binary

DOC = """# A page

<!-- docs-replay: skip — needs a cluster -->
```console
$ kubectl get pods
nothing
```

```console
$ X=$(echo 01M8G681BS4G9TJTMJBV55KZNH)
$ cat > f.json <<'EOF'
> {"a": 1}
> EOF
$ echo one \\
    two
one two
$ false
# exit 1
```

```console
$ echo "$X"
01M8G681BS4G9TJTMJBV55KZNH
```
"""


def test_parse_follows_the_block_convention() -> None:
    """`$ ` starts a command, `\\` and `> ` continue it, `# exit N` is the exit status."""
    skipped, first, second = parse(DOC, "page.md")
    assert skipped.skip_reason == "needs a cluster"
    texts = [c.text for c in first.commands]
    assert texts == [
        "X=$(echo 01M8G681BS4G9TJTMJBV55KZNH)",
        "cat > f.json <<'EOF'\n{\"a\": 1}\nEOF",
        "echo one \\\n    two",
        "false",
    ]
    assert [c.expected for c in first.commands] == [[], [], ["one two"], []]
    assert [c.expected_exit for c in first.commands] == [0, 0, 0, 1]
    assert second.commands[0].expected == ["01M8G681BS4G9TJTMJBV55KZNH"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<!-- docs-replay: skip -->\n```console\n$ true\n```\n", "without a reason"),
        ("```console\n$ true\n", "never closed"),
        ("```console\noutput first\n$ true\n```\n", "line before any"),
        ("<!-- docs-replay: kube-emulater -->\n```console\n$ true\n```\n", "unknown"),
        ("<!-- docs-replay: skip — later -->\n\n```console\n$ true\n```\n", "right before"),
    ],
)
def test_parse_rejects_blocks_that_break_the_convention(text: str, problem: str) -> None:
    """A skip without a reason or not right before a block, a misspelt marker, an unclosed
    block or output without a command is an error."""
    with pytest.raises(DocsFormatError, match=problem):
        parse(text, "page.md")


def test_normaliser_replaces_run_specific_values_but_keeps_ulid_identity() -> None:
    """ULIDs become numbered placeholders by first appearance; other run values vanish."""
    norm = Normaliser()
    text = (
        "dep 01M8G681BS4G9TJTMJBV55KZNH rev 01M8G683D31DWRKMD3X0C241MJ "
        "again 01M8G681BS4G9TJTMJBV55KZNH worker-01m8g683d31dwrkmd3x0c241mj "
        "at 2026-11-28T04:22:20.336335Z in staging.20261128T042302.649036000Z "
        "sha256:" + "ab" * 32 + " took 12.5ms pid 4242 file /tmp/tmpab12/x.json   "
    )
    assert norm(text) == (
        "dep <ULID-1> rev <ULID-2> again <ULID-1> worker-<ulid-2> "
        "at <timestamp> in staging.<timestamp> sha256:<digest> took <duration> "
        "pid <pid> file <tmp>"
    )


def test_words_that_only_look_like_ulids_are_kept() -> None:
    """A 26-letter word without digits in its time part is not a ULID."""
    assert Normaliser()("ABCDEFGHJKMNPQRSTVWXYZABCD") == "ABCDEFGHJKMNPQRSTVWXYZABCD"


def test_an_ellipsis_in_the_doc_matches_any_text() -> None:
    """`…` elides any text, across lines, and nothing else is loose."""
    assert matches('{"a":1,…,"z":26}', '{"a":1,"b":2,\n"c":3,"z":26}')
    assert not matches('{"a":1,…,"z":26}', '{"a":1,"b":2,"z":27}')
    assert not matches('{"a":1}', '{"a":2}')


def test_replay_reports_a_drifted_output_as_a_diff_and_refresh_fixes_it(tmp_path: Path) -> None:
    """A doc whose output no longer matches fails with a unified diff naming the doc line;
    a refresh writes the actual output (ULIDs kept as documented) and then it matches."""
    doc = (
        "```console\n"
        '$ X=01M8G681BS4G9TJTMJBV55KZNH; echo "id $X"\n'
        "id 01M8G6ZZZZZZZZZZZZZZZZZZZZ\n"
        '$ echo "again $X"; echo changed; exit_code() { return 3; }; exit_code\n'
        "again 01M8G6ZZZZZZZZZZZZZZZZZZZZ\n"
        "as before\n"
        "$ pwd\n"
        "$W\n"
        "```\n"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()

    def replay(text: str, root: Path) -> tuple[list[str], str]:
        blocks = parse(text, "page.md")
        sandbox = Sandbox(root=root, repo=REPO, fixtures=SHARED_BUNDLES, bin_dir=bin_dir)
        sandbox.prepare()
        mismatches = compare("page.md", blocks, run_file(blocks, sandbox, 30))
        return [m.diff for m in mismatches], refresh(text, mismatches)

    diffs, refreshed = replay(doc, tmp_path / "run1")
    assert len(diffs) == 1
    assert diffs[0].splitlines() == [
        "--- page.md:4 (documented)",
        "+++ actual",
        "@@ -1,2 +1,3 @@",
        " again <ULID-1>",
        "-as before",
        "+changed",
        "+# exit 3",
    ]
    assert "again 01M8G6ZZZZZZZZZZZZZZZZZZZZ\nchanged\n# exit 3\n$ pwd" in refreshed
    diffs, _ = replay(refreshed, tmp_path / "run2")
    assert diffs == []


def test_the_kube_emulator_marker_counts_anywhere_in_the_file() -> None:
    """`<!-- docs-replay: kube-emulator -->` on a line of its own asks for the emulator."""
    assert wants_kube_emulator("# Page\n\n<!--  docs-replay: kube-emulator -->\ntext\n", "p.md")
    assert not wants_kube_emulator(DOC, "page.md")
    assert not wants_kube_emulator("see `<!-- docs-replay: kube-emulator -->`\n", "p.md")


def test_normaliser_replaces_kubernetes_run_values_but_keeps_their_identity() -> None:
    """Kernel-chosen ports, uids and resource versions become placeholders (the same value
    keeps its number); fixed ports stay."""
    port = EPHEMERAL_PORTS[len(EPHEMERAL_PORTS) // 2]
    uid_a, uid_b = "0b6f7a1e-2f4c-4c1e-9a51-3d2f0c9e8b7a", "9e1d2c3b-4a5f-4e6d-8c7b-1a2b3c4d5e6f"
    text = (
        f"url: http://127.0.0.1:{port} listen 127.0.0.1:8080\n"
        f'{{"uid":"{uid_a}","resourceVersion":"17"}} {{"uid":"{uid_b}","resourceVersion":"17"}}\n'
        f"uid: {uid_a}\n"
        'resourceVersion: "18"'
    )
    assert Normaliser()(text) == (
        "url: http://127.0.0.1:<PORT> listen 127.0.0.1:8080\n"
        '{"uid":"<uid-1>","resourceVersion":"<rv-1>"} '
        '{"uid":"<uid-2>","resourceVersion":"<rv-1>"}\n'
        "uid: <uid-1>\n"
        'resourceVersion: "<rv-2>"'
    )


def test_pod_template_hashes_are_normalised_but_words_are_not() -> None:
    """A ReplicaSet name's hash suffix depends on the revision id in its template."""
    text = (
        'ReplicaSet \\"gtc-worker-01m8t58vzdk53h96ye0m51trcg-5bkp6r9crx\\" timed out; '
        "gtc-router-d48qw28jzs; gtc-router-controller; gtc-router-bcdfghjklmnp"
    )
    assert Normaliser()(text) == (
        'ReplicaSet \\"gtc-worker-<ulid-1>-<pod-template-hash>\\" timed out; '
        "gtc-router-<pod-template-hash>; gtc-router-controller; gtc-router-bcdfghjklmnp"
    )


def test_kubectl_ages_are_normalised_only_inside_kubectl_tables() -> None:
    """AGE cells (and `(5s ago)` restarts) of a kubectl table match any age, whatever their
    width; a duration in other text still has to match exactly."""
    documented = (
        "NAME          STATUS   AGE\n"
        "default       Active   1s\n"
        "\n"
        "NAME      READY   STATUS    RESTARTS     AGE\n"
        "web-abc   1/1     Running   2 (5s ago)   9s\n"
        "\n"
        "timed out after 5s"
    )
    actual = (
        "NAME          STATUS   AGE\n"
        "default       Active   2m13s\n"
        "\n"
        "NAME      READY   STATUS    RESTARTS      AGE\n"
        "web-abc   1/1     Running   2 (61s ago)   3d4h\n"
        "\n"
        "timed out after 5s"
    )
    assert Normaliser()(documented) == Normaliser()(actual)
    assert Normaliser()(documented) != Normaliser()(actual.replace("after 5s", "after 6s"))
    assert Normaliser()(documented) != Normaliser()(actual.replace("Active", "Terminating"))


def test_a_file_with_an_emulator_sees_it_through_kubeconfig_and_kubectl(tmp_path: Path) -> None:
    """`$KUBECONFIG` and `$KUBE_URL` reach the file's shell, the real kubectl on PATH talks to
    the emulator, and the kubeconfig's path and port read as `$KUBECONFIG` and `<PORT>`."""
    kubectl = kubectl_binary()
    assert kubectl is not None, "kubectl not found: install the dev extras"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").symlink_to(kubectl)
    doc = (
        "```console\n"
        '$ echo "$KUBECONFIG"; echo "$KUBE_URL"\n'
        "$KUBECONFIG\n"
        "http://127.0.0.1:<PORT>\n"
        "$ kubectl get namespaces\n"
        "NAME          STATUS   AGE\n"
        "default       Active   1s\n"
        "kube-system   Active   1s\n"
        "```\n"
    )
    blocks = parse(doc, "page.md")
    sandbox = Sandbox(root=tmp_path / "run", repo=REPO, fixtures=SHARED_BUNDLES, bin_dir=bin_dir)
    sandbox.prepare()
    with run_emulator(tmp_path / "kube", rollout_delay=0.0) as running:
        sandbox.kubeconfig, sandbox.kube_url = running.kubeconfig, running.url
        results = run_file(blocks, sandbox, 60)
    assert [m.diff for m in compare("page.md", blocks, results)] == []


def test_background_jobs_a_file_leaves_running_are_stopped(tmp_path: Path) -> None:
    """Guards against a doc's background job (an emulator it never killed) outliving the
    replay and holding its port and output files."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    doc = "```console\n$ python3 -c 'import signal; signal.pause()' & echo $! > job.pid\n```\n"
    blocks = parse(doc, "page.md")
    sandbox = Sandbox(root=tmp_path / "run", repo=REPO, fixtures=SHARED_BUNDLES, bin_dir=bin_dir)
    sandbox.prepare()
    assert [m.diff for m in compare("page.md", blocks, run_file(blocks, sandbox, 60))] == []
    pid = int((sandbox.work / "job.pid").read_text())
    state = Path(f"/proc/{pid}/stat")
    assert not state.exists() or state.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_the_gtc_shim_passes_signals_on_to_the_process_serving_the_call(tmp_path: Path) -> None:
    """Guards `kill $!` on a backgrounded `greentic-deployer dev kube-emulator`: the signal
    ended only the shim and left the forked emulator serving."""
    socket_path = tmp_path / "gtc.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    server.listen(1)
    shim = gtc_server.write_shim(tmp_path, socket_path)
    assert (tmp_path / "greentic-deployer").resolve() == shim.resolve()
    caller = subprocess.Popen([str(tmp_path / "greentic-deployer"), "dev", "kube-emulator"])
    serving = None
    try:
        conn, _ = server.accept()
        request, fds = gtc_server._receive(conn)
        for fd in fds:
            os.close(fd)
        assert request["argv"] == [str(tmp_path / "greentic-deployer"), "dev", "kube-emulator"]
        # Stands in for the forked child: exits 0 on SIGTERM, as the emulator does.
        serving = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal, sys\n"
                "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
                "print('up', flush=True)\n"
                "signal.pause()\n",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert serving.stdout is not None
        assert serving.stdout.readline() == "up\n"
        conn.sendall(struct.pack("!i", serving.pid))
        caller.send_signal(signal.SIGTERM)
        assert serving.wait(timeout=30) == 0
        conn.sendall(struct.pack("!i", 0))
        assert caller.wait(timeout=30) == 0
    finally:
        for process in (caller, serving):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        server.close()
