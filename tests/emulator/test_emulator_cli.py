"""`greentic-deployer dev kube-emulator`: serves in the foreground, stops on SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

CLI = str(Path(sys.executable).parent / "greentic-deployer")


def start(*args: str) -> subprocess.Popen[str]:
    """Start the emulator command."""
    return subprocess.Popen(
        [CLI, "dev", "kube-emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def printed(process: subprocess.Popen[str]) -> dict[str, str]:
    """The `url:` and `kubeconfig:` lines the command prints first."""
    assert process.stdout is not None
    lines = [process.stdout.readline(), process.stdout.readline()]
    return dict(line.strip().split(": ", 1) for line in lines)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_dev_kube_emulator_serves_until_signalled(tmp_path: Path, sig: signal.Signals) -> None:
    kubeconfig = tmp_path / "kc" / "config"
    process = start("--kubeconfig", str(kubeconfig), "--rollout-delay", "0", "--latency-ms", "1")
    try:
        info = printed(process)
        assert info["kubeconfig"] == str(kubeconfig)
        assert info["url"].startswith("http://127.0.0.1:")
        doc = yaml.safe_load(kubeconfig.read_text())
        assert doc["clusters"][0]["cluster"]["server"] == info["url"]
        response = httpx.get(f"{info['url']}/api/v1/namespaces", timeout=5)
        assert response.json()["kind"] == "NamespaceList"
        # A long-running watch must not hold up the stop.
        with httpx.stream("GET", f"{info['url']}/api/v1/namespaces?watch=1", timeout=5) as watch:
            assert watch.status_code == 200
            process.send_signal(sig)
            assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{info['url']}/version", timeout=2)


def test_dev_kube_emulator_reports_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        second = subprocess.run(
            [CLI, "dev", "kube-emulator", "--port", str(port), "--kubeconfig", str(tmp_path / "b")],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "Traceback" not in second.stderr
    assert not (tmp_path / "b").exists()


def test_the_rest_of_the_cli_does_not_import_the_emulator() -> None:
    code = (
        "import sys, greentic_deployer.cli.main;"
        "assert 'uvicorn' not in sys.modules;"
        "assert 'greentic_deployer.testing.kube_emulator' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_dev_kube_emulator_rollout_rules_script_deployments(tmp_path: Path) -> None:
    process = start("--kubeconfig", str(tmp_path / "kc"), "--rollout", "gtc-worker-*=deadline")
    try:
        url = printed(process)["url"]
        for name in ("gtc-worker-1", "gtc-router"):
            body = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {"containers": [{"name": "c", "image": "i"}]},
                    },
                },
            }
            created = httpx.post(
                f"{url}/apis/apps/v1/namespaces/default/deployments", json=body, timeout=5
            )
            assert created.status_code == 201, created.text
        reasons = {}
        for name in ("gtc-worker-1", "gtc-router"):
            live = httpx.get(
                f"{url}/apis/apps/v1/namespaces/default/deployments/{name}", timeout=5
            ).json()
            conditions = {c["type"]: c for c in live["status"]["conditions"]}
            reasons[name] = conditions["Progressing"]["reason"]
        assert reasons == {
            "gtc-worker-1": "ProgressDeadlineExceeded",
            "gtc-router": "NewReplicaSetAvailable",
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("rule", "message"),
    [("gtc-worker-*", "expected GLOB=MODE"), ("web=sideways", "mode must be one of ready")],
)
def test_dev_kube_emulator_refuses_a_malformed_rollout_rule(
    tmp_path: Path, rule: str, message: str
) -> None:
    done = subprocess.run(
        [CLI, "dev", "kube-emulator", "--kubeconfig", str(tmp_path / "kc"), "--rollout", rule],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr and "--rollout" in done.stderr
    assert not (tmp_path / "kc").exists()
