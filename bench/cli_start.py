"""Store: CLI cold start (`gtc op env list`) and what the CLI imports."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.fixtures import make_env
from bench.report import Row, Settings, fmt_seconds, median_seconds, ratio
from greentic_deployer.store.local import LocalFileStore

BENCH = "cli: cold start"
HEAVY = ("lightkube", "PySquashfsImage", "yaml")
TIMEOUT = 60
# Start-up budget: `op env list` within twice a bare `python -c "import json"` plus 150 ms.
BUDGET_FACTOR = 2.0
BUDGET_EXTRA_S = 0.150


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


def child_env(pycache: Path | None) -> dict[str, str]:
    """The children's environment; with `pycache`, bytecode is cached there (never in src/)."""
    env = dict(os.environ)
    env.pop("GREENTIC_STORE_ROOT", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if pycache is not None:
        # A user's install has .pyc files; this sandbox may set PYTHONDONTWRITEBYTECODE,
        # which would make every cold start recompile the package from source.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _run(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=TIMEOUT,
        env=env,
    )


def cold_start_seconds(argv: list[str], reps: int, env: dict[str, str]) -> tuple[float, float]:
    """(first run, median of `reps` further runs) of `argv`; the first run fills .pyc caches."""
    start = time.perf_counter()
    _run(argv, env)
    first = time.perf_counter() - start
    return first, median_seconds(lambda: _run(argv, env), reps)


@dataclass(frozen=True)
class Paired:
    """Medians of one command from interleaved runs: wall time and the child's CPU time."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def interleaved_medians(
    argvs: dict[str, list[str]], reps: int, env: dict[str, str]
) -> dict[str, Paired]:
    """Medians of each command, run in turn `reps` times after one warm-up round.

    Alternating the commands exposes them to the same background load, which on a shared
    machine moves far more than either command's own cost; CPU time (user + system) is
    reported beside wall time because it moves much less with load.
    """
    wall: dict[str, list[float]] = {name: [] for name in argvs}
    cpu: dict[str, list[float]] = {name: [] for name in argvs}
    for round_ in range(reps + 1):
        for name, argv in argvs.items():
            cpu_before = _children_cpu()
            start = time.perf_counter()
            _run(argv, env)
            if round_:
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(_children_cpu() - cpu_before)
    return {
        name: Paired(statistics.median(wall[name]), statistics.median(cpu[name])) for name in argvs
    }


def budget_row(env_list: Paired, bare_json: Paired, reps: int) -> Row:
    """PASS/FAIL of `op env list` <= BUDGET_FACTOR * `python -c "import json"` + 150 ms."""
    budget = BUDGET_FACTOR * bare_json.wall + BUDGET_EXTRA_S
    passed = env_list.wall <= budget
    cpu_budget = BUDGET_FACTOR * bare_json.cpu + BUDGET_EXTRA_S
    return Row(
        BENCH,
        f"budget: op env list <= {BUDGET_FACTOR:.0f} * python -c 'import json' "
        f"+ {BUDGET_EXTRA_S * 1000:.0f} ms (wall)",
        "PASS" if passed else "FAIL",
        f"{fmt_seconds(env_list.wall)} vs budget {fmt_seconds(budget)} "
        f"(import json {fmt_seconds(bare_json.wall)}; list / json "
        f"{ratio(env_list.wall, bare_json.wall)}); CPU time {fmt_seconds(env_list.cpu)} vs "
        f"{fmt_seconds(cpu_budget)}; medians of {reps} interleaved runs",
        failed=not passed,
    )


def import_profile(argv: list[str], env: dict[str, str]) -> ImportProfile:
    """Run `argv` (which must start `python -X importtime`) and parse its stderr."""
    done = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=TIMEOUT, env=env
    )
    self_us: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        # A failed optional import (e.g. `nt` on Linux) is reported once per attempt.
        name = fields[2].strip()
        self_us[name] = self_us.get(name, 0) + int(fields[0])
    return ImportProfile(list(self_us), self_us)


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
        env = child_env(Path(tmp) / "pycache")
        empty = Path(tmp) / "empty"
        empty.mkdir()
        loaded = Path(tmp) / "loaded"
        LocalFileStore(loaded).create(make_env(1000))
        list_argv = [gtc, "op", "env", "list", "--store-root", str(empty)]
        _, bare = cold_start_seconds([python, "-c", "pass"], reps, env)
        # First gtc run of this temp bytecode cache: it compiles every module it imports.
        first_list, env_list = cold_start_seconds(list_argv, reps, env)
        budget_reps = 3 * reps
        paired = interleaved_medians(
            {"json": [python, "-c", "import json"], "list": list_argv}, budget_reps, env
        )
        _, env_list_big = cold_start_seconds(
            [gtc, "op", "env", "list", "--store-root", str(loaded)], reps, env
        )
        _, help_ = cold_start_seconds([gtc, "--help"], reps, env)
        no_pyc: float | None = None
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            # As this shell runs it: nothing is written, so src/ modules compile every time.
            _, no_pyc = cold_start_seconds(list_argv, reps, child_env(None))
        timed = [python, "-X", "importtime"]
        base_profile = import_profile([*timed, "-c", "pass"], env)
        main_profile = import_profile([*timed, "-c", "import greentic_deployer.cli.main"], env)
        help_profile = import_profile([*timed, gtc, "--help"], env)
        list_profile = import_profile([*timed, *list_argv], env)
    rows = [
        budget_row(paired["list"], paired["json"], budget_reps),
        Row(
            BENCH,
            "gtc op env list (empty store) ÷ python -c pass",
            ratio(env_list, bare),
            f"{fmt_seconds(env_list)} vs {fmt_seconds(bare)}, median of {reps} runs, .pyc cached",
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
        Row(
            BENCH,
            "gtc op env list, first run (empty .pyc cache) ÷ cached",
            ratio(first_list, env_list),
            f"{fmt_seconds(first_list)}: compiles every imported module once",
        ),
    ]
    if no_pyc is not None:
        rows.append(
            Row(
                BENCH,
                "gtc op env list with PYTHONDONTWRITEBYTECODE=1 (as inherited) ÷ cached",
                ratio(no_pyc, env_list),
                f"{fmt_seconds(no_pyc)}: modules without a .pyc recompile on every run",
            )
        )
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
