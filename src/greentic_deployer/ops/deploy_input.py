"""Building a deploy request from `op deploy` flags or its `--answers` payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from greentic_deployer.ops.answers_file import load_answers_file
from greentic_deployer.ops.deploy import DeployRequest, check_route_binding
from greentic_deployer.ops.payloads import DeployPayload, revenue_share
from greentic_deployer.spec.bundle import RouteBinding, TenantSelector
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.json_bounds import NestingTooDeepError, loads_bounded


def parse_override(spec: str, flag: str, *, as_json: bool) -> tuple[str, str, Any]:
    """`pack:key=value` → (pack, key, value); with `as_json` the value is parsed as JSON."""
    head, eq, raw = spec.partition("=")
    pack, colon, key = head.partition(":")
    if not eq or not colon or not pack.strip() or not key.strip():
        raise InvalidArgumentError(flag, "expected pack:key=value", spec)
    if not as_json:
        return pack, key, raw
    try:
        return pack, key, loads_bounded(raw)
    except json.JSONDecodeError as exc:
        raise InvalidArgumentError(flag, f"value is not valid JSON ({exc.msg})", spec) from exc
    except NestingTooDeepError as exc:
        raise InvalidArgumentError(flag, f"value is not usable JSON ({exc})", spec) from exc


def merge_overrides(
    from_file: Path | None, strings: list[str], jsons: list[str]
) -> dict[str, dict[str, Any]]:
    """The file first, then `--config-override`, then `--config-override-json` on top."""
    merged: dict[str, dict[str, Any]] = {}
    if from_file is not None:
        data = load_answers_file(from_file)
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise InvalidArgumentError(
                "--config-overrides-from", "expected an object of {pack_id: {key: value}}"
            )
        for pack, keys in data.items():
            merged.setdefault(str(pack), {}).update(keys)
    for spec in strings:
        pack, key, value = parse_override(spec, "--config-override", as_json=False)
        merged.setdefault(pack, {})[key] = value
    for spec in jsons:
        pack, key, value = parse_override(spec, "--config-override-json", as_json=True)
        merged.setdefault(pack, {})[key] = value
    return merged


def request_from_flags(
    *,
    bundle: Path,
    env: str,
    bundle_id: str | None,
    customer_id: str | None,
    idempotency_key: str | None,
    overrides: list[str],
    overrides_json: list[str],
    overrides_from: Path | None,
    hosts: list[str],
    path_prefixes: list[str],
    tenant: str | None,
    team: str | None,
) -> DeployRequest:
    """Validate the flag combination and build the request."""
    if team is not None and tenant is None:
        raise InvalidArgumentError("--team", "needs --tenant")
    route: RouteBinding | None = None
    if hosts or path_prefixes or tenant is not None:
        route = RouteBinding(
            hosts=hosts,
            path_prefixes=path_prefixes,
            tenant_selector=TenantSelector(tenant=tenant or "default", team=team or "default"),
        )
    check_route_binding(route, tenant_given=tenant is not None)
    return DeployRequest(
        bundle_path=bundle,
        environment_id=env,
        bundle_id=bundle_id,
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        route_binding=route,
        config_overrides=merge_overrides(overrides_from, overrides, overrides_json),
    )


def request_from_payload(payload: DeployPayload) -> DeployRequest:
    """The `--answers` form of `op deploy`."""
    route = payload.route_binding.to_spec() if payload.route_binding is not None else None
    tenant_given = route is not None and route.tenant_selector != TenantSelector()
    check_route_binding(route, tenant_given=tenant_given)
    return DeployRequest(
        bundle_path=Path(payload.bundle_path),
        environment_id=payload.environment_id,
        bundle_id=payload.bundle_id,
        customer_id=payload.customer_id,
        idempotency_key=payload.idempotency_key,
        route_binding=route,
        revenue_share=revenue_share(payload.revenue_share),
        bundle_source_uri=payload.bundle_source_uri,
        config_overrides=payload.config_overrides,
    )
