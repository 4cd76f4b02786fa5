"""Where LightkubeCluster connects and as whom: kubeconfig resolution ($KUBECONFIG, then
~/.kube/config, then in-cluster), context selection, and a bound token replacing every other
kind of authentication while keeping the endpoint and CA."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx2
import pytest

from greentic_deployer.packs.k8s.cluster import ClusterConfigError
from greentic_deployer.packs.k8s.lightkube_cluster import (
    ClusterConfig,
    LightkubeCluster,
    load_connection,
)
from greentic_deployer.packs.k8s.object_ref import ObjectRef

from .kubeconfigs import SERVER, write_kubeconfig

CM = ObjectRef("v1", "ConfigMap", "gtc-staging", "gtc-runtime-config")


def _capture() -> tuple[list[httpx2.Request], httpx2.MockTransport]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            404, json={"kind": "Status", "code": 404, "reason": "NotFound", "message": "no"}
        )

    return seen, httpx2.MockTransport(handler)


async def _authorization(config: ClusterConfig) -> str | None:
    seen, transport = _capture()
    cluster = LightkubeCluster(
        ClusterConfig(
            kubeconfig=config.kubeconfig,
            context=config.context,
            token=config.token,
            transport=transport,
        )
    )
    assert await cluster.get(CM) is None
    await cluster.close()
    return seen[0].headers.get("authorization")


def test_explicit_kubeconfig_and_context(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, contexts={"main": "default", "other": "ops"})
    single = load_connection(ClusterConfig(kubeconfig=path, context="other"))
    assert (single.context_name, single.namespace, single.cluster.server) == (
        "other",
        "ops",
        SERVER,
    )


def test_current_context_is_the_default(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, contexts={"main": "default", "other": "ops"})
    assert load_connection(ClusterConfig(kubeconfig=path)).context_name == "main"


def test_kubeconfig_variable_wins_over_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    write_kubeconfig(home / ".kube", server="http://home:1", name="config")
    chosen = write_kubeconfig(tmp_path, server="http://from-env:1")
    environ = {"KUBECONFIG": f"{tmp_path / 'missing'}:{chosen}"}
    single = load_connection(ClusterConfig(), environ=environ, home=home)
    assert single.cluster.server == "http://from-env:1"


def test_home_kubeconfig_without_variable(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    write_kubeconfig(tmp_path / ".kube", server="http://home:1", name="config")
    single = load_connection(ClusterConfig(), environ={}, home=tmp_path)
    assert single.cluster.server == "http://home:1"


def test_no_kubeconfig_and_not_in_a_cluster_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ClusterConfigError, match="in-cluster service account"):
        load_connection(ClusterConfig(), environ={}, home=tmp_path)


@pytest.mark.parametrize(
    ("setup", "context", "message"),
    [
        ("missing", None, "not found"),
        ("unknown-context", "nope", "Context 'nope' not found"),
        ("no-current", None, "No current context"),
        ("garbage", None, "kubeconfig"),
        ("not-yaml", None, "kubeconfig"),
    ],
)
def test_unusable_kubeconfig_is_a_typed_error(
    tmp_path: Path, setup: str, context: str | None, message: str
) -> None:
    path = tmp_path / "kubeconfig"
    if setup in ("unknown-context", "missing-context"):
        write_kubeconfig(tmp_path)
    elif setup == "no-current":
        write_kubeconfig(tmp_path, current=None)
    elif setup == "garbage":
        path.write_text("clusters: 3\n", encoding="utf-8")
    elif setup == "not-yaml":
        path.write_text("clusters: [\n  - {name: c\n", encoding="utf-8")
    with pytest.raises(ClusterConfigError, match=message):
        LightkubeCluster(ClusterConfig(kubeconfig=path, context=context))


async def test_context_token_is_used_without_a_bound_token(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, user={"token": "from-kubeconfig"})
    assert await _authorization(ClusterConfig(kubeconfig=path)) == "Bearer from-kubeconfig"


@pytest.mark.parametrize(
    "user",
    [
        {"token": "from-kubeconfig"},
        {"username": "admin", "password": "secret"},
        {"tokenFile": "/nonexistent/token"},
        {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "/nonexistent/credential-plugin",
            }
        },
        {"auth-provider": {"name": "oidc", "config": {}}},
    ],
    ids=["token", "basic", "token-file", "exec-plugin", "auth-provider"],
)
async def test_bound_token_replaces_every_other_authentication(
    tmp_path: Path, user: dict[str, object]
) -> None:
    path = write_kubeconfig(tmp_path, user=user)
    # The exec plugin, token file and auth provider would each fail if they were consulted.
    authorization = await _authorization(ClusterConfig(kubeconfig=path, token="bound"))
    assert authorization == "Bearer bound"


def test_bound_token_keeps_endpoint_and_ca_and_drops_client_certificates(tmp_path: Path) -> None:
    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n").decode()
    path = tmp_path / "kubeconfig"
    document = {
        "clusters": [
            {"name": "c", "cluster": {"server": "https://k:6443", "certificate-authority-data": ca}}
        ],
        "users": [
            {
                "name": "u",
                "user": {"client-certificate-data": ca, "client-key-data": ca, "as": "root"},
            }
        ],
        "contexts": [{"name": "main", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "main",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    single = load_connection(ClusterConfig(kubeconfig=path, token="bound"))
    assert single.cluster.server == "https://k:6443"
    assert single.cluster.certificate_auth_data == ca
    assert single.user is not None
    assert single.user.token == "bound"
    assert single.user.client_cert_data is None
    assert single.user.client_key_data is None
    assert single.user.exec is None and single.user.token_file is None


async def test_context_without_a_user_sends_no_credentials(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    document = {
        "clusters": [{"name": "c", "cluster": {"server": SERVER}}],
        "contexts": [{"name": "main", "context": {"cluster": "c"}}],
        "current-context": "main",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    assert await _authorization(ClusterConfig(kubeconfig=path)) is None


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("/nonexistent/credential-plugin", "cannot authenticate"),
        ("/bin/false", "returned 1"),
        ("/bin/echo", "cannot authenticate"),
    ],
    ids=["missing-plugin", "failing-plugin", "plugin-printing-garbage"],
)
async def test_broken_credential_plugin_is_a_typed_error(
    tmp_path: Path, command: str, message: str
) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": command}}
    path = write_kubeconfig(tmp_path, user=user)
    seen, transport = _capture()
    cluster = LightkubeCluster(ClusterConfig(kubeconfig=path, transport=transport))
    with pytest.raises(ClusterConfigError, match=message):
        await cluster.get(CM)
    assert seen == []
    await cluster.close()


def test_bound_token_stays_out_of_the_config_repr() -> None:
    assert "s3cret" not in repr(ClusterConfig(token="s3cret"))
