"""A broken third-party env-pack shows as one clean `warning: …` line, not a Python warning."""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest

from greentic_deployer.cli.warnings_edge import clean_env_pack_warnings
from greentic_deployer.packs.registry import EnvPackWarning
from tests.cli.conftest import GTC, Cli


def _broken_distribution(site: Path) -> None:
    """An installed distribution whose env-pack entry point names a module that is not there."""
    dist = site / "acme_broken_pack-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken-pack\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[greentic_deployer.env_packs]\nbroken = acme_broken_pack_missing:handlers\n"
    )


def test_broken_entry_point_prints_one_clean_warning_line(local_env: Cli, tmp_path: Path) -> None:
    """Guards the bug where EnvPackWarning reached stderr as a raw Python warning with the
    file, line and source line of the `warnings.warn` call."""
    site = tmp_path / "site"
    _broken_distribution(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTIC_")}
    env["HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(site)
    for verb in (["env", "doctor", "local"], ["credentials", "requirements", "local"]):
        proc = subprocess.run(
            [str(GTC), "op", *verb, "--store-root", str(local_env.store_root)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["result"]["environment_id"] == "local"
        assert proc.stderr.splitlines() == [
            "warning: env-pack entry point `broken = acme_broken_pack_missing:handlers` "
            "failed to load: No module named 'acme_broken_pack_missing'"
        ]


def test_the_same_env_pack_warning_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    """Guards the bug where one problem was printed twice (once per place that warned)."""
    with clean_env_pack_warnings():
        warnings.warn("pack `a` failed", EnvPackWarning, stacklevel=1)
        warnings.warn("pack `a` failed", EnvPackWarning, stacklevel=1)
        warnings.warn("pack `b` failed", EnvPackWarning, stacklevel=1)
    assert capsys.readouterr().err.splitlines() == [
        "warning: pack `a` failed",
        "warning: pack `b` failed",
    ]


def test_other_warnings_keep_their_handler_and_state_is_restored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Only env-pack warnings are reformatted; the previous handler is back afterwards."""
    shown: list[tuple[str, type[Warning]]] = []

    def recorder(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: object = None,
        line: str | None = None,
    ) -> None:
        shown.append((str(message), category))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = recorder
        with clean_env_pack_warnings():
            warnings.warn("something else", UserWarning, stacklevel=1)
            warnings.warn("pack `a` failed", EnvPackWarning, stacklevel=1)
        assert warnings.showwarning is recorder
    assert shown == [("something else", UserWarning)]
    assert capsys.readouterr().err == "warning: pack `a` failed\n"
