"""The local-process env-pack: bench, verbs, credential probes, wizard."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from greentic_deployer.packs.conformance import (
    DEPLOYMENT_A,
    R_WARM,
    ConformanceReport,
    fixture_with_invalid_split,
    run_conformance,
)
from greentic_deployer.packs.contract import InvalidAnswersError, InvalidSplit, RevisionNotFound
from greentic_deployer.packs.local_process.credentials import (
    BOOTSTRAP_NOT_APPLICABLE,
    FS_WRITABLE,
    PORT_AVAILABLE,
    PROBE_FILE,
    LocalProcessCredentials,
)
from greentic_deployer.packs.local_process.deployer import LocalProcessDeployer
from greentic_deployer.packs.local_process.handler import local_process_handler
from greentic_deployer.packs.local_process.wizard import WIZARD_SPEC, parse_port_range
from greentic_deployer.packs.registry import credentials_requirements
from greentic_deployer.spec.bindings import local_default_bindings
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.host import EnvironmentHostConfig
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.testing.pytest_plugin import ConformanceRunner


def _env(listen_addr: str | None = None) -> Environment:
    return Environment(
        environment_id="local",
        name="local",
        host_config=EnvironmentHostConfig(env_id="local", listen_addr=listen_addr),
        packs=local_default_bindings(),
    )


# -- deployer ---------------------------------------------------------------------------------


async def test_local_process_passes_the_bench() -> None:
    report = await run_conformance(LocalProcessDeployer())
    assert report == ConformanceReport(checks_run=10)
    assert report.passed


async def test_bench_through_the_pytest_plugin(conformance: ConformanceRunner) -> None:
    report = await conformance(LocalProcessDeployer(), answers={"port_range": "8080..=8090"})
    assert isinstance(report, ConformanceReport)
    assert report.passed


async def test_verbs_are_preconditions_only(fixture_env: Environment) -> None:
    deployer = local_process_handler().new_deployer()
    unknown = ulid_from_int(0xABC)
    with pytest.raises(RevisionNotFound):
        await deployer.warm_revision(fixture_env, unknown, None)
    with pytest.raises(RevisionNotFound):
        await deployer.archive_revision(fixture_env, unknown, None)
    with pytest.raises(InvalidSplit):
        await deployer.apply_traffic_split(
            fixture_with_invalid_split(fixture_env), DEPLOYMENT_A, None
        )
    await deployer.drain_revision(fixture_env, R_WARM)
    outcome = await deployer.apply_traffic_split(fixture_env, DEPLOYMENT_A, None)
    assert outcome.applied_entries == tuple(fixture_env.traffic_splits[0].entries)


# -- credentials -------------------------------------------------------------------------------


def test_credentials_contract_shape() -> None:
    creds = LocalProcessCredentials()
    assert creds.capabilities() == ["local-process.fs.writable", "local-process.port.available"]
    assert creds.requires_material is False
    assert creds.bootstrap_supported is False
    assert "not applicable" in BOOTSTRAP_NOT_APPLICABLE


async def test_probes_pass_on_a_writable_dir_and_free_listen_addr(
    tmp_path: Path, free_port: int
) -> None:
    env = _env(f"127.0.0.1:{free_port}")
    fs, port = await LocalProcessCredentials().probe(env, tmp_path)
    assert (fs.id, fs.passed) == (FS_WRITABLE, True)
    assert (port.id, port.passed) == (PORT_AVAILABLE, True)
    assert f"127.0.0.1:{free_port}" in port.detail
    assert not (tmp_path / PROBE_FILE).exists()
    assert os.listdir(tmp_path) == []  # no temp file left behind either


async def test_fs_probe_fails_when_the_env_dir_is_missing(tmp_path: Path, free_port: int) -> None:
    missing = tmp_path / "envs" / "local"
    fs, _ = await LocalProcessCredentials().probe(_env(f"127.0.0.1:{free_port}"), missing)
    assert fs.passed is False
    assert "does not exist" in fs.detail
    assert not missing.exists()


async def test_fs_probe_fails_when_the_atomic_write_fails(
    tmp_path: Path, free_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", refuse)
    fs, _ = await LocalProcessCredentials().probe(_env(f"127.0.0.1:{free_port}"), tmp_path)
    assert fs.passed is False
    assert "atomic write" in fs.detail
    assert "Read-only file system" in fs.detail
    assert os.listdir(tmp_path) == []  # the temp file was cleaned up


async def test_port_probe_fails_when_listen_addr_is_taken(
    tmp_path: Path, free_port: int, occupy: Callable[[int], socket.socket]
) -> None:
    occupy(free_port)
    _, port = await LocalProcessCredentials().probe(_env(f"127.0.0.1:{free_port}"), tmp_path)
    assert port.passed is False
    assert f"listen_addr 127.0.0.1:{free_port} is not bindable" in port.detail


async def test_port_probe_scans_the_range_without_listen_addr(
    tmp_path: Path, free_port: int, occupy: Callable[[int], socket.socket]
) -> None:
    creds = LocalProcessCredentials(port_range=(free_port, free_port))
    _, port = await creds.probe(_env(), tmp_path)
    assert port.passed is True
    assert f"port {free_port} of {free_port}..={free_port} is bindable" in port.detail
    occupy(free_port)
    _, port = await creds.probe(_env(), tmp_path)
    assert port.passed is False
    assert "no port in" in port.detail


async def test_port_probe_rejects_an_empty_range(tmp_path: Path) -> None:
    _, port = await LocalProcessCredentials(port_range=(10, 9)).probe(_env(), tmp_path)
    assert port.passed is False
    assert "invalid port range 10..=9" in port.detail


async def test_credentials_requirements_report(tmp_path: Path, free_port: int) -> None:
    handler = local_process_handler()
    report = await credentials_requirements(handler, _env(f"127.0.0.1:{free_port}"), tmp_path)
    assert report["environment_id"] == "local"
    assert report["deployer_kind"] == "greentic.deployer.local-process@0.1.0"
    assert report["requires_material"] is False
    assert [(c["id"], c["status"]) for c in report["capabilities"]] == [
        (FS_WRITABLE, "pass"),
        (PORT_AVAILABLE, "pass"),
    ]
    assert report["all_passed"] is True
    failing = await credentials_requirements(
        handler, _env(f"127.0.0.1:{free_port}"), tmp_path / "missing"
    )
    assert failing["all_passed"] is False
    assert failing["capabilities"][0]["status"] == "fail"


async def test_credentials_requirements_needs_a_contract(tmp_path: Path) -> None:
    from greentic_deployer.packs.builtins import builtin_handlers

    with pytest.raises(ConflictError, match="no credentials contract"):
        await credentials_requirements(builtin_handlers()[0], _env(), tmp_path)


# -- wizard ------------------------------------------------------------------------------------


def test_wizard_defaults_and_validation() -> None:
    assert WIZARD_SPEC.id == "greentic.deployer.local-process.wizard"
    assert [q.id for q in WIZARD_SPEC.questions] == ["port_range"]
    assert WIZARD_SPEC.questions[0].required is False
    assert WIZARD_SPEC.resolve(None) == {"port_range": "8080..=8090"}
    assert WIZARD_SPEC.resolve({"port_range": "9000..=9010"}) == {"port_range": "9000..=9010"}
    for bad in ("9000-9010", "9000..9010", "..=9010", "9010..=9000", "0..=10", "1..=70000"):
        with pytest.raises(InvalidAnswersError):
            WIZARD_SPEC.resolve({"port_range": bad})
    with pytest.raises(InvalidAnswersError, match="unknown answer key `port`"):
        WIZARD_SPEC.resolve({"port": "8080"})


def test_parse_port_range() -> None:
    assert parse_port_range("8080..=8090") == (8080, 8090)
    assert parse_port_range("1..=1") == (1, 1)
    with pytest.raises(InvalidAnswersError, match="start must not exceed end"):
        parse_port_range("10..=9")
