"""Host config: the public base URL validator and socket addresses."""

from __future__ import annotations

import pytest

from greentic_deployer.spec.errors import InvalidArgumentError, SpecError, SpecErrorCode
from greentic_deployer.spec.host import (
    DEFAULT_LISTEN_ADDR,
    EnvironmentHostConfig,
    canonical_public_base_url,
    check_socket_addr,
)

PREFIX = "InvalidPublicBaseUrl: public_base_url: "


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("http://example.com", "http://example.com"),
        ("https://example.com", "https://example.com"),
        ("https://example.com/", "https://example.com"),
        ("https://deploy.example.com:8443", "https://deploy.example.com:8443"),
        ("https://deploy.example.com:8443/", "https://deploy.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://[::1]", "http://[::1]"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("https://[2001:db8::1]:443", "https://[2001:db8::1]:443"),
        ("  https://example.com/  ", "https://example.com"),
        ("\thttps://example.com\n", "https://example.com"),
        ("HTTPS://Example.COM", "HTTPS://Example.COM"),
    ],
)
def test_accepted(value: str, canonical: str) -> None:
    assert canonical_public_base_url(value) == canonical
    # The canonical form is a fixed point.
    assert canonical_public_base_url(canonical) == canonical


@pytest.mark.parametrize(
    ("value", "rule_word"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://exa mple.com", "whitespace"),
        ("https://example.com /", "whitespace"),
        ("https://example.com\t:80", "whitespace"),
        ("ftp://example.com", "scheme"),
        ("ws://example.com", "scheme"),
        ("example.com", "scheme"),
        ("//example.com", "scheme"),
        ("https:/example.com", "scheme"),
        ("https://", "host"),
        ("https:///", "host"),
        ("https://:8080", "host"),
        ("https://user@example.com", "userinfo"),
        ("https://user:pw@example.com", "userinfo"),
        ("https://@example.com", "userinfo"),
        ("https://example.com:http", "port"),
        ("https://example.com:80a", "port"),
        ("https://example.com:-1", "port"),
        ("https://example.com:65536", "port"),
        ("https://example.com:²", "port"),
        ("https://example.com:\u0668\u0660", "port"),  # Arabic-Indic digits
        ("https://[::1]:x", "port"),
        ("https://example.com?x=1", "query"),
        ("https://example.com/?x=1", "query"),
        ("https://example.com#top", "fragment"),
        ("https://example.com/#", "fragment"),
        ("https://example.com/api", "path"),
        ("https://example.com/api/", "path"),
        ("https://example.com//", "path"),
        ("https://[::1", "IPv6"),
        ("https://[not-ipv6]", "IPv6"),
        ("https://[::1]x", "IPv6"),
    ],
)
def test_rejected(value: str, rule_word: str) -> None:
    with pytest.raises(SpecError) as info:
        canonical_public_base_url(value)
    err = info.value
    assert err.code is SpecErrorCode.InvalidPublicBaseUrl
    assert str(err).startswith(PREFIX)
    assert rule_word in str(err).removeprefix(PREFIX)
    assert err.details["url"] == value


@pytest.mark.parametrize("value", ["127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080", "[::]:65535"])
def test_socket_addr_accepts(value: str) -> None:
    assert check_socket_addr(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "127.0.0.1",
        "127.0.0.1:",
        "localhost:8080",
        "127.0.0.1:http",
        "127.0.0.1:65536",
        "127.0.0.1:²",
        "127.0.0.1:\u0668\u0660",
        "::1:8080",  # IPv6 must be bracketed
        "[127.0.0.1]:8080",  # brackets only for IPv6
        "[::1]",
        "1.2.3:80",
    ],
)
def test_socket_addr_rejects(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        check_socket_addr(value, field="host_config.listen_addr")
    assert info.value.field == "host_config.listen_addr"
    assert "socket address" in info.value.rule or "IPv6" in info.value.rule


def test_resolved_defaults() -> None:
    local = EnvironmentHostConfig(env_id="local")
    prod = EnvironmentHostConfig(env_id="prod")
    assert local.resolved_listen_addr() == DEFAULT_LISTEN_ADDR == "127.0.0.1:8080"
    assert local.resolved_gui_enabled() is True
    assert prod.resolved_gui_enabled() is False
    assert EnvironmentHostConfig(env_id="local", gui_enabled=False).resolved_gui_enabled() is False
    assert EnvironmentHostConfig(env_id="prod", gui_enabled=True).resolved_gui_enabled() is True
    custom = EnvironmentHostConfig(env_id="prod", listen_addr="0.0.0.0:9000")
    assert custom.resolved_listen_addr() == "0.0.0.0:9000"


def test_host_config_omits_absent_optionals() -> None:
    assert EnvironmentHostConfig(env_id="prod").to_json_dict() == {"env_id": "prod"}
    full = EnvironmentHostConfig(
        env_id="prod",
        region="eu-west-1",
        tenant_org_id="org-1",
        listen_addr="0.0.0.0:8080",
        public_base_url="https://x.example",
        gui_enabled=False,
    )
    assert list(full.to_json_dict()) == [
        "env_id",
        "region",
        "tenant_org_id",
        "listen_addr",
        "public_base_url",
        "gui_enabled",
    ]
