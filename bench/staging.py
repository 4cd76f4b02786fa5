"""Bundle staging: copy + hash + hardened extraction + pack pinning of real `.gtbundle` files."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

from bench.report import Row, Settings, fmt_bytes, fmt_seconds, median_seconds, ratio
from greentic_deployer.bundle.stage import EXTRACTED_DIR, StagedBundle, stage_bundle
from greentic_deployer.spec.ids import ulid_from_int

BENCH = "bundle staging"
REPO = Path(__file__).resolve().parent.parent
SHARED_BUNDLES = REPO.parent / "shared" / "fixtures" / "bundles"
TELEGRAM = SHARED_BUNDLES / "telegram-bundle.gtbundle"
HELLO = REPO / "examples" / "hello.gtbundle"
_CHUNK = 1024 * 1024

# Runs in a fresh interpreter so the peak is not polluted by the bench. ru_maxrss is a
# high-water mark that the imports may already have set above what staging needs, so
# on Linux the peak (VmHWM) is reset through /proc/self/clear_refs right before staging.
_CHILD = """
import gc, json, resource, sys
from pathlib import Path
from greentic_deployer.bundle.stage import stage_bundle

def status(key):
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None

source, revision_dir, revision_id = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
gc.collect()
maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    rss_before = status("VmRSS")
except OSError:
    rss_before = None
stage_bundle(source, revision_dir, env_id="bench", bundle_id="bench", revision_id=revision_id)
maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm = status("VmHWM") if rss_before is not None else None
print(json.dumps({
    "maxrss_delta_kib": maxrss_after - maxrss_before,
    "hwm_delta_kib": None if hwm is None else hwm - rss_before,
}))
"""


def copy_and_hash(source: Path, target: Path) -> str:
    """The floor: a plain copy plus a SHA-256 of the copy."""
    shutil.copyfile(source, target)
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Stager:
    """Stages one source repeatedly, each time into a brand-new revision directory."""

    def __init__(self, source: Path, workdir: Path) -> None:
        self.source = source
        self.revisions = workdir / "revisions"
        self._ids = itertools.count(1)
        self.last_dir: Path | None = None
        self.last: StagedBundle | None = None

    def stage(self) -> StagedBundle:
        """Stage once; the previous revision stays on disk until the temp dir goes."""
        rid = ulid_from_int(next(self._ids))
        self.last_dir = self.revisions / rid
        self.last = stage_bundle(
            self.source, self.last_dir, env_id="bench", bundle_id="bench", revision_id=rid
        )
        return self.last


def _baseline(source: Path, workdir: Path, reps: int) -> float:
    counter = itertools.count()

    def once() -> None:
        copy_and_hash(source, workdir / f"copy-{next(counter)}")

    return median_seconds(once, reps)


def _tracemalloc_peak(stager: Stager) -> int:
    tracemalloc.start()
    try:
        stager.stage()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _child_rss_delta_bytes(source: Path, workdir: Path) -> tuple[int | None, int]:
    """(peak RSS growth after a VmHWM reset or None, ru_maxrss growth), in bytes."""
    rid = ulid_from_int(0xFFFF)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(source), str(workdir / "child" / rid), rid],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    data = json.loads(done.stdout)
    # ru_maxrss and /proc/self/status are in KiB on Linux.
    hwm = data["hwm_delta_kib"]
    return (None if hwm is None else int(hwm) * 1024), int(data["maxrss_delta_kib"]) * 1024


def _extracted(revision_dir: Path) -> tuple[int, int]:
    files = [p for p in (revision_dir / EXTRACTED_DIR).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _bundle_rows(name: str, source: Path, settings: Settings, *, memory: bool) -> list[Row]:
    size = source.stat().st_size
    reps = settings.reps if size < _CHUNK else max(3, settings.reps - 2)
    with tempfile.TemporaryDirectory(prefix="gtc-bench-stage-") as tmp:
        workdir = Path(tmp)
        stager = Stager(source, workdir)
        stager.stage()  # warm-up (imports, page cache)
        staged = median_seconds(stager.stage, reps)
        floor = _baseline(source, workdir, reps)
        assert stager.last_dir is not None and stager.last is not None
        files, unpacked = _extracted(stager.last_dir)
        packs = len(stager.last.pack_list)
        rows = [
            Row(
                BENCH,
                f"stage {name} ({fmt_bytes(size)}) ÷ copyfile + sha256",
                ratio(staged, floor),
                f"{fmt_seconds(staged)} vs {fmt_seconds(floor)}, median of {reps}; "
                f"{size / staged / 1e6:.1f} MB/s of bundle",
            ),
            Row(
                BENCH,
                f"stage {name}: files extracted, packs pinned",
                f"{files} files, {packs} packs",
                f"unpacked {fmt_bytes(unpacked)} = {ratio(unpacked, size)} the bundle file",
            ),
        ]
        if memory:
            peak = _tracemalloc_peak(stager)
            rows.append(
                Row(
                    BENCH,
                    f"stage {name}: tracemalloc peak ÷ bundle size",
                    ratio(peak, size),
                    f"peak {fmt_bytes(peak)} of Python allocations",
                )
            )
            hwm, maxrss = _child_rss_delta_bytes(source, workdir)
            if hwm is not None:
                rows.append(
                    Row(
                        BENCH,
                        f"stage {name}: child peak RSS growth ÷ bundle size",
                        ratio(hwm, size),
                        f"+{fmt_bytes(hwm)} VmHWM after a reset; ru_maxrss delta "
                        f"+{fmt_bytes(maxrss)} (hidden under the import high-water mark)",
                    )
                )
            else:
                rows.append(
                    Row(
                        BENCH,
                        f"stage {name}: child ru_maxrss growth ÷ bundle size",
                        ratio(maxrss, size),
                        f"+{fmt_bytes(maxrss)} over the imported interpreter",
                    )
                )
    return rows


def run(settings: Settings) -> list[Row]:
    """The 1.4 MB xz telegram fixture (with memory) and the project's own hello example."""
    rows: list[Row] = []
    if TELEGRAM.exists():
        rows += _bundle_rows(TELEGRAM.name, TELEGRAM, settings, memory=True)
    else:
        rows.append(Row(BENCH, f"{TELEGRAM} missing: skipped", "0 runs"))
    if HELLO.exists():
        rows += _bundle_rows(HELLO.name, HELLO, settings, memory=False)
    else:
        rows.append(Row(BENCH, f"{HELLO} missing (make demo builds it): skipped", "0 runs"))
    return rows
