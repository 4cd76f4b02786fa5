"""§7 Store: CLI cold start (`gtc op env list`) and what the CLI imports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from greentic_deployer.store.local import LocalFileStore

from bench.fixtures import make_env
from bench.report import Row, fmt_seconds, median_seconds, ratio, Settings

BENCH = "cli: cold start"
HEAVY = ("lightkube", "PySquashfsImage", "yaml")
TIMEOUT = 60


@dataclass(frozen=True)
class ImportProfile:
    """Modules a command imported, from `python -X importtime`."""

    modules: list[str]
    self_us: dict[str, int]

    def count(self, package: str) -> int:
        """Modules of top-level `package`."""
        return sum(1 for m in self.modules if m.split(".")[0] == package)

    def packages(self) -> Counter[str]:
        """Module count per top-level package."""
        return Counter(m.split(".")[0] for m in self.modules)

    def package_self_us(self) -> Counter[str]:
        """Summed self import time per top-level package, in microseconds."""
        totals: Counter[str] = Counter()
        for module, micros in self.self_us.items():
            totals[module.split(".")[0]] += micros
        return totals


def gtc_path() -> Path:
    """The `gtc` console script next to this interpreter (else on PATH)."""
    beside = Path(sys.executable).parent / "gtc"
    if beside.exists():
        return beside
    found = shutil.which("gtc")
    if found is None:
        raise SystemExit("bench: the `gtc` console script is not installed (pip install -e .)")
    return Path(found)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GREENTIC_STORE_ROOT", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _run(argv: list[str]) -> None:
    subprocess.run(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=TIMEOUT,
        env=_child_env(),
    )


def cold_start_seconds(argv: list[str], reps: int) -> float:
    """Median wall time of running `argv` (after one untimed run that warms .pyc caches)."""
    _run(argv)
    return median_seconds(lambda: _run(argv), reps)


def import_profile(argv: list[str]) -> ImportProfile:
    """Run `argv` (which must start `python -X importtime`) and parse its stderr."""
    done = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=TIMEOUT, env=_child_env()
    )
    modules: list[str] = []
    self_us: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        name = fields[2].strip()
        modules.append(name)
        self_us[name] = int(fields[0])
    return ImportProfile(modules, self_us)


def _top_packages(profile: ImportProfile, baseline: ImportProfile, limit: int = 4) -> str:
    known = set(baseline.packages())
    extra = [(p, n) for p, n in profile.packages().most_common() if p not in known]
    times = profile.package_self_us()
    return ", ".join(f"{p} {n} ({times[p] / 1000:.0f} ms)" for p, n in extra[:limit])


def run(settings: Settings) -> list[Row]:
    """Wall-clock ratios against a bare interpreter, and import counts per command."""
    python = sys.executable
    gtc = str(gtc_path())
    reps = settings.subprocess_reps
    with tempfile.TemporaryDirectory(prefix="gtc-bench-cli-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        loaded = Path(tmp) / "loaded"
        LocalFileStore(loaded).create(make_env(1000))
        bare = cold_start_seconds([python, "-c", "pass"], reps)
        env_list = cold_start_seconds([gtc, "op", "env", "list", "--store-root", str(empty)], reps)
        env_list_big = cold_start_seconds(
            [gtc, "op", "env", "list", "--store-root", str(loaded)], reps
        )
        help_ = cold_start_seconds([gtc, "--help"], reps)
        timed = [python, "-X", "importtime"]
        base_profile = import_profile([*timed, "-c", "pass"])
        main_profile = import_profile([*timed, "-c", "import greentic_deployer.cli.main"])
        help_profile = import_profile([*timed, gtc, "--help"])
        list_profile = import_profile([*timed, gtc, "op", "env", "list", "--store-root", str(empty)])
    rows = [
        Row(
            BENCH,
            "gtc op env list (empty store) ÷ python -c pass",
            ratio(env_list, bare),
            f"{fmt_seconds(env_list)} vs {fmt_seconds(bare)}, median of {reps} runs",
        ),
        Row(
            BENCH,
            "gtc --help ÷ python -c pass",
            ratio(help_, bare),
            f"{fmt_seconds(help_)} vs {fmt_seconds(bare)}",
        ),
        Row(
            BENCH,
            "gtc op env list, 1 env of 1000 revisions ÷ empty store",
            ratio(env_list_big, env_list),
            f"{fmt_seconds(env_list_big)} vs {fmt_seconds(env_list)} "
            "(list loads and validates every env)",
        ),
    ]
    for label, profile in (
        ("modules imported: import greentic_deployer.cli.main", main_profile),
        ("modules imported: gtc --help", help_profile),
        ("modules imported: gtc op env list", list_profile),
    ):
        rows.append(
            Row(
                BENCH,
                label,
                f"{len(profile.modules)}",
                f"+{len(profile.modules) - len(base_profile.modules)} over bare python; "
                f"most: {_top_packages(profile, base_profile)}",
            )
        )
    for label, profile in (
        ("gtc --help", help_profile),
        ("gtc op env list", list_profile),
        ("import greentic_deployer.cli.main", main_profile),
    ):
        rows.append(
            Row(
                BENCH,
                f"{' / '.join(HEAVY)} modules: {label}",
                " / ".join(str(profile.count(name)) for name in HEAVY),
                "want 0 / 0 / 0 (imported lazily by the verbs that need them)",
            )
        )
    return rows
