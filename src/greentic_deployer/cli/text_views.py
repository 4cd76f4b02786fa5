"""Purpose-made text views: `env show` as a summary, `env doctor` as checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from greentic_deployer.cli.layout import Layout
from greentic_deployer.cli.text import cell, percent

SHORT_ID = 10  # enough ULID characters to tell revisions of one environment apart


def _short(revision_id: str, wide: bool) -> str:
    return revision_id if wide or len(revision_id) <= SHORT_ID else revision_id[:SHORT_ID] + "…"


def env_show(layout: Layout, result: dict[str, Any], wide: bool) -> None:
    """Identity, addresses, bindings, and each deployment with its revisions and split."""
    env: dict[str, Any] = result.get("environment") or {}
    host: dict[str, Any] = env.get("host_config") or {}
    runtime = result.get("runtime") or {}
    discovered = runtime.get("discovered") or {}
    layout.fields(
        [
            ("Environment", cell(env.get("environment_id"))),
            ("Name", cell(env.get("name"))),
            ("Region", cell(host.get("region"))),
            ("Tenant", cell(host.get("tenant_org_id"))),
            ("Listen", cell(host.get("listen_addr") or discovered.get("listen_addr"))),
            ("Public URL", cell(host.get("public_base_url"))),
            ("Health", cell((env.get("health") or {}).get("state"))),
            ("Runtime", cell(runtime.get("generated_by")) if runtime else "none"),
        ]
    )
    layout.heading("Bindings")
    binding_headers = ["SLOT", "KIND", "GENERATION"] + (["PACK-REF"] if wide else [])
    layout.table(
        binding_headers,
        [
            [p["slot"], p["kind"], str(p.get("generation", 0))]
            + ([cell(p.get("pack_ref"))] if wide else [])
            for p in env.get("packs", [])
        ],
        title="bindings",
    )
    revisions: list[dict[str, Any]] = env.get("revisions", [])
    splits = {s["deployment_id"]: s for s in env.get("traffic_splits", [])}
    rows = []
    for dep in env.get("bundles", []):
        mine = [r for r in revisions if r.get("deployment_id") == dep["deployment_id"]]
        states = Counter(r.get("lifecycle") for r in mine)
        detail = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        split = splits.get(dep["deployment_id"])
        shares = (
            " ".join(
                f"{_short(e['revision_id'], wide)}={percent(e['weight_bps'])}"
                for e in split["entries"]
            )
            if split
            else "none"
        )
        row = [
            dep["bundle_id"],
            dep["deployment_id"],
            dep.get("customer_id", "-"),
            dep.get("status", "-"),
            f"{len(mine)} ({detail})" if mine else "0",
            shares,
        ]
        if wide:
            row.append(cell(dep.get("created_at")))
        rows.append(row)
    layout.heading("Deployments")
    headers = ["BUNDLE", "DEPLOYMENT", "CUSTOMER", "STATUS", "REVISIONS", "SPLIT"]
    layout.table(headers + (["CREATED"] if wide else []), rows, title="deployments")


# Slots `env init` binds by default: without them the environment cannot run a bundle.
_DEFAULT_SLOTS = ("deployer", "secrets", "telemetry", "sessions", "state")


def doctor_checks(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(check, ok|warning|error, one-line explanation) for a doctor report."""
    checks: list[tuple[str, str, str]] = []
    validate = result.get("validate") or {}
    if validate.get("status") == "ok":
        checks.append(("document", "ok", "environment.json parses and passes validation"))
    else:
        checks.append(("document", "error", f"invalid: {validate.get('message', 'unknown')}"))
    missing = list(result.get("missing_slots") or [])
    needed = [s for s in missing if s in _DEFAULT_SLOTS]
    if needed:
        checks.append(
            (
                "core slots",
                "error",
                f"unbound: {', '.join(needed)}; bind them with `gtc op env-packs add` "
                "(or `gtc op env init` for local)",
            )
        )
    else:
        note = "; revocation is unbound (optional: it has no default binding)" * (
            "revocation" in missing
        )
        checks.append(("core slots", "ok", f"every default slot is bound{note}"))
    for key, label, bad, good in (
        ("unknown_kinds", "pack kinds", "no handler in the registry for", "every kind resolves"),
        (
            "slot_mismatches",
            "slot match",
            "bound to a slot its handler does not serve:",
            "every handler serves its slot",
        ),
        (
            "version_skew",
            "versions",
            "requested version not supported:",
            "every requested version is supported",
        ),
    ):
        problems = result.get(key) or []
        if problems:
            shown = ", ".join(p if isinstance(p, str) else str(p.get("kind")) for p in problems)
            checks.append((label, "error", f"{bad} {shown}"))
        else:
            checks.append((label, "ok", good))
    extensions = result.get("extensions") or {}
    ext_problems = sum(
        len(extensions.get(k) or []) for k in ("unknown_kinds", "slot_mismatches", "version_skew")
    )
    count = extensions.get("count", 0)
    checks.append(
        (
            "extensions",
            "warning" if ext_problems else "ok",
            f"{ext_problems} of {count} extension(s) do not resolve"
            if ext_problems
            else f"{count} extension(s), all resolve",
        )
    )
    stale = result.get("stale_revisions") or []
    checks.append(
        (
            "revisions",
            "warning" if stale else "ok",
            f"pack-list lock missing for {', '.join(stale)}; stage them again"
            if stale
            else "every staged revision has its pack-list lock",
        )
    )
    checks.append(
        (
            "runtime",
            "ok" if result.get("has_runtime") else "warning",
            "runtime.json present"
            if result.get("has_runtime")
            else "runtime.json missing; `gtc op env init` writes it for local",
        )
    )
    return checks


def env_doctor(layout: Layout, result: dict[str, Any], wide: bool) -> None:
    """One row per check with its verdict and why it matters."""
    checks = doctor_checks(result)
    statuses = {status for _, status, _ in checks}
    worst = next(s for s in ("error", "warning", "ok") if s in statuses or s == "ok")
    layout.fields(
        [
            ("Environment", cell(result.get("environment_id"))),
            ("Verdict", worst),
            ("Checked", cell(result.get("checked_at"))),
        ]
    )
    rows = [[c, s, d] for c, s, d in checks]
    if wide:
        rows.append(["bound slots", "ok", cell(result.get("bound_slots"))])
    layout.table(["CHECK", "STATUS", "DETAIL"], rows, title="checks")


VIEWS: dict[tuple[str, str], Callable[[Layout, dict[str, Any], bool], None]] = {
    ("env", "show"): env_show,
    ("env", "doctor"): env_doctor,
}
