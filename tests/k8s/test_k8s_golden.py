"""Golden files: the demo env rendered to YAML, byte for byte.

Regenerate after an intended change with `GREENTIC_UPDATE_GOLDEN=1 pytest tests/k8s`, then
review the diff of tests/k8s/golden/.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from greentic_deployer.packs.k8s.output import write_manifests
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.packs.k8s.secrets_backend import Vault

from .conftest import VAULT_KIND, EnvFactory

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GREENTIC_UPDATE_GOLDEN") == "1"

CASES: dict[str, dict[str, Any]] = {
    # dev-store binding with the file read, a pullable routed revision, default answers
    "dev-store": {"secrets_kind": "greentic.secrets.dev-store@0.1.0", "bytes": b"TOKEN=abc\n"},
    # Vault identity, cloudflared workers, insecure registries, nothing pullable routed
    "vault-cloudflared": {
        "secrets_kind": VAULT_KIND,
        "backend": Vault(addr="https://vault.example.com:8200", role="greentic-worker"),
        "answers": {
            "tunnel": "cloudflared",
            "router_replicas": 3,
            "oci_insecure_registries": "registry.local:5000",
        },
        "pullable": False,
    },
}


def _render(env_factory: EnvFactory, case: dict[str, Any]) -> list[dict[str, Any]]:
    env = env_factory(secrets_kind=case["secrets_kind"], pullable=case.get("pullable", True))
    return render_environment(
        env,
        case.get("answers"),
        secrets_backend=case.get("backend"),
        dev_store_bytes=case.get("bytes"),
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(env_factory: EnvFactory, tmp_path: Path, case: str) -> None:
    objects = _render(env_factory, CASES[case])
    golden_dir = GOLDEN / case
    if UPDATE:
        write_manifests(objects, golden_dir)
    assert golden_dir.is_dir(), f"missing {golden_dir}; run with GREENTIC_UPDATE_GOLDEN=1"
    report = write_manifests(objects, tmp_path)
    expected = sorted(p.name for p in golden_dir.iterdir())
    assert report["files"] == expected
    for name in expected:
        actual = (tmp_path / name).read_text(encoding="utf-8")
        wanted = (golden_dir / name).read_text(encoding="utf-8")
        assert actual == wanted, f"{case}/{name} differs; GREENTIC_UPDATE_GOLDEN=1 regenerates"
    # the YAML reads back to exactly the rendered objects
    loaded = [yaml.safe_load((golden_dir / name).read_text(encoding="utf-8")) for name in expected]
    assert loaded == objects
