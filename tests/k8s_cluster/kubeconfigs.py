"""Kubeconfig files for client tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SERVER = "http://127.0.0.1:6443"


def write_kubeconfig(
    directory: Path,
    *,
    server: str = SERVER,
    user: dict[str, Any] | None = None,
    contexts: dict[str, str] | None = None,
    current: str | None = "main",
    name: str = "kubeconfig",
) -> Path:
    """A kubeconfig with one cluster and one user; `contexts` maps context → namespace."""
    wanted = contexts if contexts is not None else {"main": "default"}
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user if user is not None else {"token": "kubeconfig"}}],
        "contexts": [
            {"name": ctx, "context": {"cluster": "c", "user": "u", "namespace": ns}}
            for ctx, ns in wanted.items()
        ],
    }
    if current is not None:
        document["current-context"] = current
    path = directory / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path
