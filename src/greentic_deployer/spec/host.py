"""Environment host config and the public base URL validator."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from greentic_deployer.spec.errors import InvalidArgumentError, SpecError, SpecErrorCode
from greentic_deployer.spec.ids import EnvId
from greentic_deployer.spec.local import LOCAL_ENV_ID
from greentic_deployer.spec.serde import SpecModel

DEFAULT_LISTEN_ADDR = "127.0.0.1:8080"


def _reject(value: str, rule: str) -> SpecError:
    return SpecError(
        SpecErrorCode.InvalidPublicBaseUrl, f"public_base_url: {rule}", url=value, rule=rule
    )


def canonical_public_base_url(value: str) -> str:
    """Validate an origin-only http(s) URL and return it without a trailing '/'."""
    text = value.strip()
    if not text:
        raise _reject(value, "must not be empty")
    if any(ch.isspace() for ch in text):
        raise _reject(value, "must not contain whitespace")
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise _reject(value, "scheme must be http or https")
    if "#" in text:
        raise _reject(value, "must not contain a fragment")
    if "?" in text:
        raise _reject(value, "must not contain a query string")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        raise _reject(value, "must not contain userinfo")
    if slash and path:
        raise _reject(value, "must not contain a path (origin only)")
    if not authority:
        raise _reject(value, "host must not be empty")
    if authority.startswith("["):
        host_part, bracket, port_part = authority[1:].partition("]")
        if not bracket:
            raise _reject(value, "unterminated IPv6 literal")
        try:
            ipaddress.IPv6Address(host_part)
        except ValueError as exc:
            raise _reject(value, "invalid IPv6 literal host") from exc
        if port_part and not port_part.startswith(":"):
            raise _reject(value, "unexpected characters after IPv6 host")
        port = port_part[1:] if port_part else None
    else:
        host_part, colon, port_text = authority.partition(":")
        if not host_part:
            raise _reject(value, "host must not be empty")
        port = port_text if colon else None
    if port is not None and (not (port.isascii() and port.isdigit()) or int(port) > 65535):
        raise _reject(value, "port must be numeric (0-65535)")
    try:
        urlsplit(text)
    except ValueError as exc:
        raise _reject(value, f"unparseable URL ({exc})") from exc
    return text.rstrip("/")


def parse_public_base_url(value: str, field: str = "public_base_url") -> str:
    """The canonical URL, or an InvalidArgumentError naming the field and the rule (CLI form)."""
    try:
        return canonical_public_base_url(value)
    except SpecError as exc:
        raise InvalidArgumentError(field, str(exc.details.get("rule", exc.message)), value) from exc


def socket_addr_rule(value: str) -> str | None:
    """The rule a socket address like `127.0.0.1:8080` or `[::1]:8080` breaks, or None."""
    host, sep, port = value.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        return "must be a socket address like 127.0.0.1:8080"
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "must be a socket address with an IP host, like 127.0.0.1:8080"
    if (ip.version == 6) != bracketed:
        return "an IPv6 host must be bracketed, like [::1]:8080 (and only IPv6)"
    return None


def check_socket_addr(value: str, field: str = "listen_addr") -> str:
    """A socket address, or an InvalidArgumentError naming the field and the rule (CLI form)."""
    rule = socket_addr_rule(value)
    if rule is not None:
        raise InvalidArgumentError(field, rule, value)
    return value


def check_stored_listen_addr(value: str) -> None:
    """The same socket-address rule for a loaded or saved document (a spec error)."""
    rule = socket_addr_rule(value)
    if rule is not None:
        raise SpecError(
            SpecErrorCode.InvalidListenAddr,
            f"host_config.listen_addr: {rule}",
            listen_addr=value,
            rule=rule,
        )


class EnvironmentHostConfig(SpecModel):
    """Where and how an environment is hosted."""

    env_id: EnvId
    region: str | None = None
    tenant_org_id: str | None = None
    listen_addr: str | None = None
    public_base_url: str | None = None
    gui_enabled: bool | None = None

    def resolved_listen_addr(self) -> str:
        """`listen_addr` or the default 127.0.0.1:8080."""
        return self.listen_addr or DEFAULT_LISTEN_ADDR

    def resolved_gui_enabled(self) -> bool:
        """`gui_enabled` or true iff the env is `local`."""
        return self.gui_enabled if self.gui_enabled is not None else self.env_id == LOCAL_ENV_ID
