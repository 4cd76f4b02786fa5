"""Input numbers never surface as internal errors; unexpected failures are still audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.env import create, update
from greentic_deployer.ops.payloads import CreateEnvPayload, TrafficEntryPayload, UpdateEnvPayload
from greentic_deployer.ops.traffic import entry_from_payload, parse_entry_arg
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.traffic import percent_to_bps
from greentic_deployer.store.local import LocalFileStore
from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE

RID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def parse_weight(weight: str) -> int:
    """An inline `<rid>=<weight>` argument's basis points, through the CLI's own path."""
    entry = TrafficEntryPayload.model_validate(parse_entry_arg(f"{RID}={weight}"))
    return entry_from_payload(entry).weight_bps


def _set_answers(tmp_path: Path, deployed: dict[str, str], weight: str) -> str:
    # Written by hand: json.dumps would refuse to spell the non-finite numbers.
    path = tmp_path / "split.json"
    entry = f'{{"revision_id": "{deployed["revision_id"]}", "weight_percent": {weight}}}'
    path.write_text(
        f'{{"environment_id": "local", "deployment_id": "{deployed["deployment_id"]}", '
        f'"idempotency_key": "k-{weight}", "entries": [{entry}]}}'
    )
    return str(path)


@pytest.mark.parametrize("weight", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_weight_percent_is_invalid_argument(
    local_env: Cli, tmp_path: Path, weight: str
) -> None:
    """Bug: `"weight_percent": NaN` failed as `store: internal error: InvalidOperation`."""
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    error = local_env.fail("traffic", "set", "--answers", _set_answers(tmp_path, deployed, weight))
    assert error["kind"] == "invalid-argument"
    assert error["message"].startswith("weight_percent:")
    assert "finite" in error["message"]


def test_excess_precision_percent_is_one_rule_in_both_forms(local_env: Cli, tmp_path: Path) -> None:
    """Bug: 50.0000000000000001 was 5000 bps in a payload but refused inline."""
    numeral = "100.0000000000000001"
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    payload = local_env.ok("traffic", "set", "--answers", _set_answers(tmp_path, deployed, numeral))
    assert payload["entries"] == [{"revision_id": deployed["revision_id"], "weight_bps": 10_000}]
    assert parse_weight(f"{numeral}%") == 10_000
    assert percent_to_bps(json.loads(numeral)) == percent_to_bps(numeral) == 10_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [("50.0000000000000001", 5000), ("12.34", 1234), ("0", 0), (33.33, 3333), (100, 10_000)],
)
def test_percent_rule_accepts(value: object, expected: int) -> None:
    """Bug guard: the shared percent rule converts exactly for both payload and inline input."""
    assert percent_to_bps(value) == expected
    if isinstance(value, str):
        assert parse_weight(f"{value}%") == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (-0.01, "between 0 and 100"),
        (float("-inf"), "finite"),
        (100.01, "between 0 and 100"),
        ("12.345", "0.01% steps"),
        (12.345, "0.01% steps"),
        (True, "decimal number"),
        (10**400, "between 0 and 100"),
    ],
)
def test_percent_rule_refuses(value: object, rule: str) -> None:
    """Bug guard: every refusal of the shared percent rule is a typed invalid-argument."""
    with pytest.raises(InvalidArgumentError, match=rule):
        percent_to_bps(value)


def test_unexpected_exception_in_a_mutating_verb_is_audited(
    ctx: OpContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: an unexpected exception in a mutating verb left no `failed` audit line."""
    create(ctx, CreateEnvPayload(environment_id="prod", name="Prod"))

    def explode(*_args: object, **_kw: object) -> None:
        raise RuntimeError("disk gremlin")

    monkeypatch.setattr(ctx.store, "transact", explode)
    with pytest.raises(RuntimeError, match="disk gremlin"):
        update(ctx, UpdateEnvPayload(environment_id="prod", name="Renamed"))
    assert isinstance(ctx.store, LocalFileStore)
    log = ctx.store.layout("prod").audit_log.read_text().splitlines()
    last = json.loads(log[-1])
    assert (last["noun"], last["verb"]) == ("env", "update")
    assert last["result"] == {
        "outcome": "error",
        "kind": "store",
        "message": "internal error: RuntimeError: disk gremlin",
    }
