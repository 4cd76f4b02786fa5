"""`meta.k8s.io/v1` Table answers, so `kubectl get` prints the columns it prints on a cluster."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

Cell = str | int
Column = tuple[str, str, Callable[[dict[str, Any], float], Cell]]


def wants_table(accept: str | None) -> bool:
    """Whether the Accept header asks for a Table first."""
    if not accept:
        return False
    first = accept.split(",", 1)[0]
    return "as=Table" in first


def age(obj: Mapping[str, Any], now: float) -> str:
    """A short age like kubectl's: `42s`, `5m`, `3h`, `2d`."""
    stamp = (obj.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    created = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    seconds = max(0, int(now - created))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 3 * 3600:
        return f"{seconds // 60}m"
    if seconds < 48 * 3600:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _status(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict(obj.get("status") or {})


def _pod_ready(obj: dict[str, Any], _: float) -> Cell:
    statuses = _status(obj).get("containerStatuses") or []
    return f"{sum(1 for s in statuses if s.get('ready'))}/{len(statuses)}"


def _pod_phase(obj: dict[str, Any], _: float) -> Cell:
    for status in _status(obj).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return str(waiting["reason"])
    return str(_status(obj).get("phase", "Pending"))


def _pod_restarts(obj: dict[str, Any], _: float) -> Cell:
    return sum(int(s.get("restartCount", 0)) for s in _status(obj).get("containerStatuses") or [])


def _deploy_ready(obj: dict[str, Any], _: float) -> Cell:
    desired = int((obj.get("spec") or {}).get("replicas", 1))
    return f"{int(_status(obj).get('readyReplicas', 0))}/{desired}"


def _counter(field: str) -> Callable[[dict[str, Any], float], Cell]:
    return lambda obj, _: int(_status(obj).get(field, 0))


NAME: Column = ("Name", "name", lambda obj, _: str(obj["metadata"]["name"]))
AGE: Column = ("Age", "", age)
COLUMNS: dict[str, list[Column]] = {
    "deployments": [
        NAME,
        ("Ready", "", _deploy_ready),
        ("Up-to-date", "", _counter("updatedReplicas")),
        ("Available", "", _counter("availableReplicas")),
        AGE,
    ],
    "pods": [
        NAME,
        ("Ready", "", _pod_ready),
        ("Status", "", _pod_phase),
        ("Restarts", "", _pod_restarts),
        AGE,
    ],
    "namespaces": [NAME, ("Status", "", lambda obj, _: str(_status(obj).get("phase", ""))), AGE],
}


def table(
    plural: str,
    items: list[dict[str, Any]],
    rv: str,
    now: float,
    *,
    full: bool,
    headers: bool = True,
) -> dict[str, Any]:
    """A Table of `items`; each row carries the object (`full`) or its metadata.

    A watch sends the column definitions with its first event only (`headers=False` after).
    """
    columns = COLUMNS.get(plural, [NAME, AGE])
    rows = []
    for obj in items:
        if full:
            carried = obj
        else:
            carried = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj.get("metadata", {}),
            }
        rows.append({"cells": [cell(obj, now) for _, _, cell in columns], "object": carried})
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv},
        "columnDefinitions": [
            {
                "name": name,
                "type": "string",
                "format": fmt,
                "description": name,
                "priority": 0,
            }
            for name, fmt, _ in columns
        ]
        if headers
        else [],
        "rows": rows,
    }
