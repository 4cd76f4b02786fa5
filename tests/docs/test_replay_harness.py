"""The docs replay itself: parsing the convention, normalising, comparing and refreshing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_BUNDLES
from tests.docs.replay import (
    DocsFormatError,
    Normaliser,
    Sandbox,
    compare,
    matches,
    parse,
    refresh,
    run_file,
)

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
    ],
)
def test_parse_rejects_blocks_that_break_the_convention(text: str, problem: str) -> None:
    """A skip without a reason, an unclosed block or output without a command is an error."""
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
