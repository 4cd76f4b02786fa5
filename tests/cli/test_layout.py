"""Text layout pieces: plain columns, doctor verdicts, the staging bar, env suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from greentic_deployer.cli.hints import nearest
from greentic_deployer.cli.layout import plain_table
from greentic_deployer.cli.progress import StageBar
from greentic_deployer.cli.text_views import doctor_checks


def test_plain_table_pads_all_but_the_last_column() -> None:
    lines = plain_table(["slot", "kind"], [["deployer", "a"], ["state", "bbbbbbbbbbbbbb"]])
    assert lines == ["SLOT       KIND", "deployer   a", "state      bbbbbbbbbbbbbb"]


def test_plain_table_without_headers_sizes_to_the_rows() -> None:
    assert plain_table(["long header", "x"], [["a", "b"]], no_headers=True) == ["a   b"]


def test_an_empty_table_prints_only_its_header() -> None:
    assert plain_table(["a", "b"], []) == ["A   B"]
    assert plain_table(["a", "b"], [], no_headers=True) == []


def _report(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "environment_id": "local",
        "validate": {"status": "ok"},
        "bound_slots": ["deployer", "secrets", "telemetry", "sessions", "state"],
        "missing_slots": ["revocation"],
        "unknown_kinds": [],
        "slot_mismatches": [],
        "version_skew": [],
        "extensions": {"count": 0, "unknown_kinds": [], "slot_mismatches": [], "version_skew": []},
        "stale_revisions": [],
        "has_runtime": True,
    }
    report.update(changes)
    return report


def _status(report: dict[str, Any]) -> dict[str, str]:
    return {check: status for check, status, _ in doctor_checks(report)}


def test_doctor_all_ok_with_only_revocation_unbound() -> None:
    assert set(_status(_report()).values()) == {"ok"}


@pytest.mark.parametrize(
    ("changes", "check", "status"),
    [
        ({"missing_slots": ["secrets", "revocation"]}, "core slots", "error"),
        ({"validate": {"status": "error", "message": "bad"}}, "document", "error"),
        ({"unknown_kinds": ["acme.x@1.0.0"]}, "pack kinds", "error"),
        (
            {"slot_mismatches": [{"kind": "k", "bound_slot": "a", "handler_slot": "b"}]},
            "slot match",
            "error",
        ),
        (
            {"version_skew": [{"kind": "k", "requested": "2", "supported": "1"}]},
            "versions",
            "error",
        ),
        ({"stale_revisions": ["01HZX0000000000000000000AA"]}, "revisions", "warning"),
        ({"has_runtime": False}, "runtime", "warning"),
        (
            {
                "extensions": {
                    "count": 1,
                    "unknown_kinds": ["x"],
                    "slot_mismatches": [],
                    "version_skew": [],
                }
            },
            "extensions",
            "warning",
        ),
    ],
)
def test_doctor_verdicts(changes: dict[str, Any], check: str, status: str) -> None:
    assert _status(_report(**changes))[check] == status


def test_the_stage_bar_stays_silent_for_small_bundles(capsys: pytest.CaptureFixture[str]) -> None:
    bar = StageBar(min_bytes=1024)
    bar("copy", 10, 100)
    bar.close()
    assert capsys.readouterr().err == ""


def test_the_stage_bar_draws_each_phase(capsys: pytest.CaptureFixture[str]) -> None:
    bar = StageBar(min_bytes=0)
    for phase in ("copy", "hash", "extract"):
        bar(phase, 2048, 2048)
    bar.close()
    err = capsys.readouterr().err
    assert "Copying bundle" in err and "Hashing" in err and "Extracting" in err


def test_nearest_env_id() -> None:
    assert nearest("lcal", ["local", "staging"]) == "local"
    assert nearest("prod", ["local", "staging"]) is None
