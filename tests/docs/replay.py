"""Parse, run, normalise and refresh the ```console blocks of the docs (see docs/README.md)."""

from __future__ import annotations

import difflib
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

FENCE_OPEN = "```console"
FENCE_CLOSE = "```"
SKIP_MARKER = re.compile(r"^<!--\s*docs-replay:\s*skip\b\s*(?P<reason>.*?)\s*-->\s*$")
KUBE_EMULATOR_MARKER = re.compile(r"^<!--\s*docs-replay:\s*kube-emulator\s*-->\s*$")
ANY_MARKER = re.compile(r"^\s*<!--\s*docs-replay\b")
EXIT_LINE = re.compile(r"^# exit (?P<code>\d+)$")
ELLIPSIS = "…"


class DocsFormatError(ValueError):
    """A ```console block breaks the block convention."""


@dataclass
class Command:
    """One `$ ` command of a block, its expected output and where it sits in the file."""

    text: str
    line: int  # 1-based line of the `$ ` line
    expected: list[str] = field(default_factory=list)
    expected_exit: int = 0
    output_start: int = 0  # 0-based index of the first expected-output line in the file
    output_end: int = 0  # 0-based index one past the last (including any `# exit N` line)


@dataclass
class Block:
    """One ```console block."""

    line: int
    commands: list[Command]
    skip_reason: str | None = None


def wants_kube_emulator(text: str, name: str) -> bool:
    """Whether the file asks for a live Kubernetes API emulator (`docs-replay: kube-emulator`).

    Every `docs-replay` comment must be a known one, so a misspelt marker is an error
    instead of a silently ignored line.
    """
    lines = text.split("\n")
    wanted = False
    for i, line in enumerate(lines):
        if not ANY_MARKER.match(line):
            continue
        if KUBE_EMULATOR_MARKER.match(line):
            wanted = True
        elif not SKIP_MARKER.match(line):
            raise DocsFormatError(f"{name}:{i + 1}: unknown docs-replay marker: {line.strip()!r}")
        elif i + 1 >= len(lines) or lines[i + 1].strip() != FENCE_OPEN:
            raise DocsFormatError(
                f"{name}:{i + 1}: a docs-replay skip marker must sit right before a "
                "```console fence"
            )
    return wanted


def parse(text: str, name: str) -> list[Block]:
    """Split a markdown file into its console blocks, following the documented convention."""
    wants_kube_emulator(text, name)  # rejects unknown or misplaced markers
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != FENCE_OPEN:
            i += 1
            continue
        skip = None
        before = lines[i - 1] if i > 0 else ""
        if (marker := SKIP_MARKER.match(before)) is not None:
            skip = marker.group("reason").lstrip("—-: ").strip()
            if not skip:
                raise DocsFormatError(f"{name}:{i}: docs-replay skip marker without a reason")
        block = Block(line=i + 1, commands=[], skip_reason=skip)
        i += 1
        current: Command | None = None
        while True:
            if i >= len(lines):
                raise DocsFormatError(f"{name}:{block.line}: console block is never closed")
            line = lines[i]
            if line.strip() == FENCE_CLOSE:
                break
            if line.startswith("$ "):
                current = Command(text=line[2:], line=i + 1)
                i += 1
                # `\` at the end continues the command; `> ` lines continue it (heredocs).
                while current.text.endswith("\\") or (
                    i < len(lines) and lines[i].startswith("> ") and not current.expected
                ):
                    if current.text.endswith("\\"):
                        current.text += "\n" + lines[i]
                    else:
                        current.text += "\n" + lines[i][2:]
                    i += 1
                current.output_start = current.output_end = i
                block.commands.append(current)
                continue
            if current is None:
                raise DocsFormatError(
                    f"{name}:{i + 1}: console block line before any `$ ` command: {line!r}"
                )
            current.expected.append(line)
            current.output_end = i + 1
            i += 1
        for command in block.commands:
            if command.expected and (m := EXIT_LINE.match(command.expected[-1])):
                command.expected_exit = int(m.group("code"))
                command.expected.pop()
        blocks.append(block)
        i += 1
    return blocks


# -- normalisation ------------------------------------------------------------------------------

_ULID = re.compile(r"(?<![0-9A-Za-z])[0-7][0-9A-HJKMNP-TV-Z]{25}(?![0-9A-Za-z])", re.IGNORECASE)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"
    r"|\d{8}T\d{6}(?:\.\d+)?Z"
)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_DURATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:ms|µs|us)\b|(?<![\w.])\d+\.\d+s\b")
_PID = re.compile(r"\b(pid[ =:\"]*)\d+", re.IGNORECASE)
_TMP = re.compile(r"/tmp/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")
_UUID = re.compile(
    r"(?<![0-9A-Za-z-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z-])"
)
# A resourceVersion in JSON (`"resourceVersion":"12"`) or YAML (`resourceVersion: "12"`).
_RESOURCE_VERSION = re.compile(r'(?P<key>resourceVersion"?\s*[:=]\s*"?)(?P<value>\d+)')
_LOOPBACK_PORT = re.compile(r"(?P<host>127\.0\.0\.1:)(?P<port>\d{1,5})\b")
# kubectl's table header: upper-case column names, NAME (or NAMESPACE) first, with AGE.
_TABLE_HEADER = re.compile(r"^NAME(?:SPACE)?\s{2,}[A-Z0-9() -]*(?<!\S)AGE(?!\S)")
# kubectl ages (`0s`, `2m3s`, `5h`, `3d4h`, `2y`), alone in their column or as `(5s ago)`.
_AGE = re.compile(r"(?<!\S)(?:\d+[smhdy])+(?!\S)|(?<=\()(?:\d+[smhdy])+(?= ago\))|<invalid>")
_COLUMN_GAP = re.compile(r" {2,}")
# A ReplicaSet's pod-template-hash suffix (Kubernetes' 27-character safe alphabet, no vowels),
# which changes with the pod template and so with every revision id in it.
_POD_TEMPLATE_HASH = re.compile(r"(?<=[\w>])-[bcdfghjklmnpqrstvwxz2456789]{10}(?![0-9A-Za-z-])")


def _ephemeral_ports() -> range:
    """The kernel's range for ports bound to port 0 (where a test server's port comes from)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)


EPHEMERAL_PORTS = _ephemeral_ports()


def port_placeholders(text: str) -> str:
    """`127.0.0.1:<port>` with a kernel-chosen port becomes `127.0.0.1:<PORT>`; fixed ports
    such as `127.0.0.1:8080` stay as they are."""
    return _LOOPBACK_PORT.sub(
        lambda m: (
            f"{m.group('host')}<PORT>" if int(m.group("port")) in EPHEMERAL_PORTS else m.group(0)
        ),
        text,
    )


def _kubectl_tables(text: str) -> str:
    """In kubectl tables (a header with AGE, up to the next blank line), ages become `<age>`
    and column gaps two spaces, so a different age cannot shift the comparison."""
    out: list[str] = []
    in_table = False
    for line in text.split("\n"):
        if _TABLE_HEADER.match(line):
            in_table = True
        elif not line.strip():
            in_table = False
        out.append(_COLUMN_GAP.sub("  ", _AGE.sub("<age>", line.rstrip())) if in_table else line)
    return "\n".join(out)


class Normaliser:
    """Replaces run-specific values with stable placeholders; ULIDs by order of appearance."""

    def __init__(self) -> None:
        self._ulids: dict[str, int] = {}
        self._uids: dict[str, int] = {}
        self._resource_versions: dict[str, int] = {}

    @property
    def ulids(self) -> list[str]:
        """The distinct ULIDs seen so far (upper-case), in order of first appearance."""
        return list(self._ulids)

    def index_of(self, ulid: str) -> int | None:
        """The 1-based placeholder number of a ULID already seen."""
        return self._ulids.get(ulid.upper())

    def _ulid(self, match: re.Match[str]) -> str:
        value = match.group(0)
        # A ULID must carry a digit in its 10-character timestamp; plain words do not.
        if not any(c.isdigit() for c in value[:10]):
            return value
        index = self._ulids.setdefault(value.upper(), len(self._ulids) + 1)
        return f"<ULID-{index}>" if value.isupper() or value.isdigit() else f"<ulid-{index}>"

    def _uid(self, match: re.Match[str]) -> str:
        index = self._uids.setdefault(match.group(0), len(self._uids) + 1)
        return f"<uid-{index}>"

    def _resource_version(self, match: re.Match[str]) -> str:
        # Numbered like ULIDs: an object whose version did not move keeps its placeholder.
        versions = self._resource_versions
        index = versions.setdefault(match.group("value"), len(versions) + 1)
        return f"{match.group('key')}<rv-{index}>"

    def __call__(self, text: str) -> str:
        """Normalise one command's output (or expected output)."""
        text = _UUID.sub(self._uid, text)
        text = _RESOURCE_VERSION.sub(self._resource_version, text)
        text = port_placeholders(text)
        text = _kubectl_tables(text)
        text = _ULID.sub(self._ulid, text)
        text = _POD_TEMPLATE_HASH.sub("-<pod-template-hash>", text)
        text = _TIMESTAMP.sub("<timestamp>", text)
        text = _DIGEST.sub("sha256:<digest>", text)
        text = _DURATION.sub("<duration>", text)
        text = _PID.sub(lambda m: f"{m.group(1)}<pid>", text)
        text = _TMP.sub("<tmp>", text)
        return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def matches(expected: str, actual: str) -> bool:
    """Compare normalised outputs; `…` in the expected text stands for any text."""
    if ELLIPSIS not in expected:
        return expected == actual
    pattern = ".*?".join(re.escape(part) for part in expected.split(ELLIPSIS))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


# -- running ------------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """The directories and environment one doc file's commands run in."""

    root: Path
    repo: Path
    fixtures: Path
    bin_dir: Path
    kubeconfig: Path | None = None  # set when the file runs against a Kubernetes API emulator
    kube_url: str | None = None

    @property
    def store(self) -> Path:
        """`$S`: the throwaway store (also `$GREENTIC_STORE_ROOT`)."""
        return self.root / "store"

    @property
    def work(self) -> Path:
        """`$W`: the working directory the commands run in."""
        return self.root / "work"

    def prepare(self) -> None:
        """Create the store, the working directory and a fake home; link `examples/`."""
        for path in (self.store, self.work, self.root / "home"):
            path.mkdir(parents=True)
        (self.work / "examples").symlink_to(self.repo / "examples")

    def env(self) -> dict[str, str]:
        """The environment of the bash process: nothing from the caller's store or home."""
        keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TZ")}
        if self.kubeconfig is not None and self.kube_url is not None:
            keep |= {"KUBECONFIG": str(self.kubeconfig), "KUBE_URL": self.kube_url}
        return {
            **keep,
            "PATH": f"{self.bin_dir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.root / "home"),
            "TMPDIR": str(self.root / "tmp"),
            "S": str(self.store),
            "W": str(self.work),
            "FIXTURES": str(self.fixtures),
            "GREENTIC_STORE_ROOT": str(self.store),
            "NO_COLOR": "1",
            "TERM": "dumb",
            "COLUMNS": "80",
        }

    def to_doc_paths(self, text: str) -> str:
        """Write the sandbox's real paths as the docs do: `$S`, `$W`, `$FIXTURES`,
        `$KUBECONFIG`; a kernel-chosen port on 127.0.0.1 as `<PORT>`."""
        pairs = [(self.kubeconfig, "$KUBECONFIG")] if self.kubeconfig is not None else []
        for real, shown in (
            *pairs,
            (self.store, "$S"),
            (self.work, "$W"),
            (self.fixtures, "$FIXTURES"),
            (self.root, "$T"),
        ):
            text = text.replace(str(real), shown)
        return port_placeholders(text)


def script_for(blocks: list[Block], out_dir: Path) -> str:
    """One bash script that runs every command of the file in order, in one shell."""
    parts = ["set +e", 'cd "$W"']
    for b, block in enumerate(blocks):
        if block.skip_reason is not None:
            continue
        for c, command in enumerate(block.commands):
            out = out_dir / f"{b}-{c}"
            parts.append(f"{{\n{command.text}\n}} > '{out}.out' 2>&1 < /dev/null")
            parts.append(f"echo $? > '{out}.rc'")
    return "\n".join(parts) + "\n"


def stop_session(session: int) -> None:
    """SIGTERM what is left of a finished shell's session (background jobs a doc started),
    then SIGKILL what ignores it after a short grace."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(session, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 2.0
        while _running_in_group(session):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        else:
            return


def _running_in_group(group: int) -> bool:
    """Whether a process of the group is still running (zombies awaiting a reaper are not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


@dataclass
class Result:
    """What one command printed and how it exited."""

    output: str
    exit_code: int | None  # None: the shell never got to it


def run_file(
    blocks: list[Block], sandbox: Sandbox, timeout: float
) -> dict[tuple[int, int], Result]:
    """Run a doc file's commands in one bash process and collect each command's output."""
    out_dir = sandbox.root / "out"
    out_dir.mkdir()
    (sandbox.root / "tmp").mkdir()
    script = sandbox.root / "replay.sh"
    script.write_text(script_for(blocks, out_dir))
    # Its own session, so whatever a doc leaves running in the background can be stopped.
    shell = subprocess.Popen(
        ["bash", str(script)],
        env=sandbox.env(),
        cwd=sandbox.work,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # On a timeout, the commands that never finished show up as `# never ran` in the diff.
    try:
        shell.wait(timeout)
    except subprocess.TimeoutExpired:
        shell.kill()
        shell.wait()
    stop_session(shell.pid)
    results: dict[tuple[int, int], Result] = {}
    for b, block in enumerate(blocks):
        for c, _ in enumerate(block.commands):
            out, rc = out_dir / f"{b}-{c}.out", out_dir / f"{b}-{c}.rc"
            output = out.read_text(errors="replace") if out.exists() else ""
            code = int(rc.read_text()) if rc.exists() else None
            results[(b, c)] = Result(sandbox.to_doc_paths(output), code)
    return results


# -- comparing and refreshing -------------------------------------------------------------------


@dataclass
class Mismatch:
    """One command whose output or exit status differs from the doc."""

    command: Command
    actual: Result
    diff: str
    documented_output: str = ""  # the actual output with its ULIDs written as the doc's


def compare(
    name: str, blocks: list[Block], results: dict[tuple[int, int], Result]
) -> list[Mismatch]:
    """Every command whose normalised output or exit status differs from its block."""
    expected_norm, actual_norm = Normaliser(), Normaliser()
    mismatches: list[Mismatch] = []
    for b, block in enumerate(blocks):
        if block.skip_reason is not None:
            continue
        for c, command in enumerate(block.commands):
            actual = results[(b, c)]
            want = expected_norm("\n".join(command.expected))
            got = actual_norm(actual.output)
            if matches(want, got) and actual.exit_code == command.expected_exit:
                continue
            want_lines = [*want.split("\n"), *_exit_lines(command.expected_exit)]
            got_lines = [*got.split("\n"), *_exit_lines(actual.exit_code)]
            diff = "\n".join(
                difflib.unified_diff(
                    want_lines,
                    got_lines,
                    fromfile=f"{name}:{command.line} (documented)",
                    tofile="actual",
                    lineterm="",
                )
            )
            documented = _ULID.sub(
                lambda m: _as_documented(m.group(0), actual_norm, expected_norm), actual.output
            )
            mismatches.append(Mismatch(command, actual, diff, documented))
    return mismatches


def _as_documented(ulid: str, actual: Normaliser, expected: Normaliser) -> str:
    """The doc's ULID that holds the same place as `ulid`, so a refresh does not churn ids."""
    index = actual.index_of(ulid)
    known = expected.ulids
    if index is None or index > len(known):
        return ulid
    return known[index - 1] if ulid.isupper() or ulid.isdigit() else known[index - 1].lower()


def _exit_lines(code: int | None) -> list[str]:
    if code is None:
        return ["# never ran"]
    return [f"# exit {code}"] if code else []


def refresh(text: str, mismatches: list[Mismatch]) -> str:
    """Rewrite each mismatched command's expected output with what it printed."""
    lines = text.split("\n")
    # Bottom-up, so earlier line numbers stay valid.
    for mismatch in sorted(mismatches, key=lambda m: m.command.output_start, reverse=True):
        output = mismatch.documented_output.rstrip("\n")
        new = [line.rstrip() for line in output.split("\n")] if output else []
        if mismatch.actual.exit_code:
            new.append(f"# exit {mismatch.actual.exit_code}")
        start, end = mismatch.command.output_start, mismatch.command.output_end
        lines[start:end] = new
    return "\n".join(lines)
