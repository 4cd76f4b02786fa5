"""A Kubernetes API emulator for tests: one ASGI app, served by uvicorn on 127.0.0.1.

See docs/kube-emulator.md for what it emulates and what it does not.
"""

from __future__ import annotations

from greentic_deployer.testing.kube_emulator.access import AccessRule
from greentic_deployer.testing.kube_emulator.app import KubeEmulator
from greentic_deployer.testing.kube_emulator.server import (
    RunningEmulator,
    kubeconfig_document,
    run_emulator,
    write_kubeconfig,
)

__all__ = [
    "AccessRule",
    "KubeEmulator",
    "RunningEmulator",
    "kubeconfig_document",
    "run_emulator",
    "write_kubeconfig",
]
