"""Concurrent writers in separate processes lose nothing: 8 x 25 transacts, 200 audit lines."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from greentic_deployer.spec.documents import AuditEvent
from greentic_deployer.store.local import LocalFileStore

from .builders import bump, counter, make_env

WORKERS = 8
PER_WORKER = 25

WORKER = """
import sys
import threading
from pathlib import Path
from greentic_deployer.spec.documents import ResultOk
from greentic_deployer.store.audit import build_audit_event
from greentic_deployer.store.local import LocalFileStore

root, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = LocalFileStore(root, lock_timeout=120)

def step(env):
    n = int(env.host_config.region or "0") + 1
    host = env.host_config.model_copy(update={"region": str(n)})
    return env.model_copy(update={"host_config": host, "name": f"{env.name}|{worker}"}), n

for i in range(count):
    n = store.transact("staging", step)
    event = build_audit_event(
        env_id="staging", noun="env", verb="update",
        target={"worker": worker, "i": i, "n": n}, result=ResultOk(),
    )
    store.append_audit("staging", event)
"""


def test_concurrent_transacts_and_audit_appends_lose_nothing(
    store: LocalFileStore, root: Path
) -> None:
    store.create(make_env(name="start"))
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(root), f"w{w}", str(PER_WORKER)])
        for w in range(WORKERS)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    total = WORKERS * PER_WORKER

    env = store.load("staging")
    assert counter(env) == total
    tags = env.name.split("|")[1:]
    assert sorted(set(tags)) == [f"w{w}" for w in range(WORKERS)]
    assert all(tags.count(f"w{w}") == PER_WORKER for w in range(WORKERS))

    lines = (root / "staging" / "audit" / "events.jsonl").read_text().splitlines()
    assert len(lines) == total
    events = [AuditEvent.model_validate_json(line) for line in lines]
    seen = sorted(int(str(e.target["n"])) for e in events if isinstance(e.target, dict))
    # Every transaction saw a distinct counter value: the lock serialized all 200 of them.
    assert seen == list(range(1, total + 1))


def test_threads_sharing_one_store_are_serialized_too(store: LocalFileStore) -> None:
    store.create(make_env())

    def work() -> None:
        for _ in range(5):
            store.transact("staging", bump)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert counter(store.load("staging")) == 20
