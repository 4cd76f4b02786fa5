"""Writers SIGKILLed at random points never leave a broken environment or a stuck lock."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from greentic_deployer.spec.runtime_config import materialize_runtime_config
from greentic_deployer.store.local import LocalFileStore

from .builders import bump, counter, routed_env

ROUNDS = 20

# A fork server: imports once, then forks one writer per round so 20 rounds cost 20 forks,
# not 20 interpreter start-ups. Each writer loops writes of every kind until it is killed:
# transacts that toggle the traffic split (runtime-config written/deleted), plain saves,
# and pack answers.
FORK_SERVER = """
import os, sys
from pathlib import Path
from greentic_deployer.store.local import LocalFileStore

def write_forever(root):
    store = LocalFileStore(root, lock_timeout=30)
    split = store.load("staging").traffic_splits

    def step(env):
        n = int(env.host_config.region or "0") + 1
        host = env.host_config.model_copy(update={"region": str(n)})
        splits = split if n % 2 == 0 else []
        return env.model_copy(update={"host_config": host, "traffic_splits": splits}), n

    i = 0
    while True:
        store.transact("staging", step)
        if i % 3 == 0:
            env = store.load("staging")
            store.save(env.model_copy(update={"name": f"saved {i}"}))
        store.save_pack_answers("staging", "deployer", {"i": i, "pad": "x" * 4096})
        i += 1

root = Path(sys.argv[1])
for line in sys.stdin:
    command, _, arg = line.strip().partition(" ")
    if command == "fork":
        pid = os.fork()
        if pid == 0:
            try:
                write_forever(root)
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif command == "reap":
        print(os.waitpid(int(arg), 0)[1], flush=True)
"""


class ForkServer:
    """Talks to the fork server over its stdin/stdout."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER, str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str) -> int:
        """Send one command and read the numeric answer."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        """Stop the server (its writers are already reaped)."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.process.wait(timeout=30)


def _await_progress(store: LocalFileStore, last: int) -> None:
    """Wait (lock-free reads) until the writer has committed at least one transaction."""
    deadline = time.monotonic() + 20
    while counter(store.load("staging")) <= last:
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.001)


def test_sigkilled_writers_leave_loadable_state_and_no_stuck_lock(
    store: LocalFileStore, root: Path
) -> None:
    store.create(routed_env())
    rng = random.Random(20250102)
    env_dir = root / "staging"
    server = ForkServer(root)
    last = 0
    try:
        for _ in range(ROUNDS):
            writer = server.ask("fork")
            _await_progress(store, last)
            time.sleep(rng.uniform(0.0, 0.03))
            os.kill(writer, signal.SIGKILL)
            status = server.ask(f"reap {writer}")
            # Killed mid-loop, not exited: the writer was still writing when it died.
            assert os.WIFSIGNALED(status)
            assert os.WTERMSIG(status) == signal.SIGKILL

            env = store.load("staging")  # parses and validates, or raises
            assert counter(env) >= last
            answers = store.load_pack_answers("staging", "deployer")
            assert answers is None or isinstance(answers, dict)

            started = time.monotonic()
            last = store.transact("staging", bump)
            assert time.monotonic() - started < 2, "the dead writer's lock blocked us"
            # The transaction re-published the projection, whatever the kill interrupted.
            projection = materialize_runtime_config(store.load("staging"))
            path = env_dir / "runtime-config.json"
            if projection.revisions:
                assert json.loads(path.read_text()) == projection.to_json_dict()
            else:
                assert not path.exists()
    finally:
        server.close()
    # Every round saw at least one writer transaction plus our own bump.
    assert last >= 2 * ROUNDS
