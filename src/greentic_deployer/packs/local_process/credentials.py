"""Local-process credentials: no material, two probed capabilities.

`local-process.fs.writable`: an atomic write of `.local-process-creds-probe` in the env dir
(temp file, fsync, rename, directory fsync), then delete. `local-process.port.available`:
bind-and-drop the env's `listen_addr`, or else the first free port of the range on 127.0.0.1.
Both are advisory: a port free now may be taken before the runtime starts.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

from greentic_deployer.packs.local_process.wizard import DEFAULT_PORT_RANGE, format_port_range
from greentic_deployer.packs.registry import CapabilityProbe
from greentic_deployer.spec.environment import Environment
from greentic_deployer.store.atomic import atomic_write_bytes
from greentic_deployer.store.errors import AtomicWriteError

FS_WRITABLE = "local-process.fs.writable"
PORT_AVAILABLE = "local-process.port.available"
PROBE_FILE = ".local-process-creds-probe"
BOOTSTRAP_NOT_APPLICABLE = (
    "not applicable: the local-process deployer has no admin escalation path (no IAM roles or "
    "cluster RBAC to provision locally); run `op credentials requirements <env>` instead"
)


def probe_fs_writable(env_dir: Path) -> CapabilityProbe:
    """Pass when an atomic write of the probe file succeeds in `env_dir` (then removes it)."""
    if not env_dir.is_dir():
        return CapabilityProbe(
            FS_WRITABLE,
            False,
            f"env dir {env_dir} does not exist (create the environment first)",
        )
    target = env_dir / PROBE_FILE
    try:
        atomic_write_bytes(target, b"local-process-creds-probe\n")
    except AtomicWriteError as exc:
        return CapabilityProbe(FS_WRITABLE, False, f"atomic write of {target} failed: {exc}")
    with contextlib.suppress(OSError):  # the write already proved the point
        target.unlink()
    return CapabilityProbe(FS_WRITABLE, True, f"atomic write in {env_dir} succeeded")


def _split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port)


def _bindable(host: str, port: int) -> OSError | None:
    """Bind (and listen, as a server would) then drop; the error when that fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            # Like a server's listener: a port lingering in TIME_WAIT counts as free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(1)
    except OSError as exc:
        return exc
    return None


def probe_port_available(env: Environment, port_range: tuple[int, int]) -> CapabilityProbe:
    """Pass when the env's listen_addr (or else a port of `port_range` on 127.0.0.1) binds."""
    listen_addr = env.host_config.listen_addr
    if listen_addr is not None:
        try:
            host, port = _split_addr(listen_addr)
        except ValueError:
            return CapabilityProbe(
                PORT_AVAILABLE, False, f"listen_addr {listen_addr!r} is not a socket address"
            )
        error = _bindable(host, port)
        if error is None:
            return CapabilityProbe(PORT_AVAILABLE, True, f"listen_addr {listen_addr} is bindable")
        return CapabilityProbe(
            PORT_AVAILABLE,
            False,
            f"listen_addr {listen_addr} is not bindable (another process may hold it): {error}",
        )
    start, end = port_range
    shown = format_port_range(port_range)
    if start > end:
        return CapabilityProbe(PORT_AVAILABLE, False, f"invalid port range {shown}")
    for port in range(start, end + 1):
        if _bindable("127.0.0.1", port) is None:
            return CapabilityProbe(
                PORT_AVAILABLE, True, f"port {port} of {shown} is bindable on 127.0.0.1"
            )
    return CapabilityProbe(
        PORT_AVAILABLE, False, f"no port in {shown} is bindable on 127.0.0.1 (all occupied)"
    )


class LocalProcessCredentials:
    """The credentials contract of `greentic.deployer.local-process`."""

    requires_material = False
    bootstrap_supported = False

    def __init__(self, port_range: tuple[int, int] = DEFAULT_PORT_RANGE) -> None:
        self.port_range = port_range

    def capabilities(self) -> list[str]:
        """The two probed capability ids."""
        return [FS_WRITABLE, PORT_AVAILABLE]

    async def probe(self, env: Environment, env_dir: Path) -> list[CapabilityProbe]:
        """Probe the env dir and the listening port."""
        return [probe_fs_writable(env_dir), probe_port_available(env, self.port_range)]
