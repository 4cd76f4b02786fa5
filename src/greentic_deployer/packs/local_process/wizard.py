"""The local-process wizard: one optional `port_range` question (recorded, not consumed)."""

from __future__ import annotations

import re

from greentic_deployer.packs.contract import InvalidAnswersError
from greentic_deployer.packs.registry import WizardQuestion, WizardSpec

WIZARD_ID = "greentic.deployer.local-process.wizard"
DEFAULT_PORT_RANGE = (8080, 8090)
PORT_RANGE_PATTERN = r"[0-9]+\.\.=[0-9]+"


def format_port_range(port_range: tuple[int, int]) -> str:
    """`(8080, 8090)` → `8080..=8090`."""
    return f"{port_range[0]}..={port_range[1]}"


def parse_port_range(text: str) -> tuple[int, int]:
    """`<start>..=<end>` with 1 ≤ start ≤ end ≤ 65535; InvalidAnswersError otherwise."""
    if not re.fullmatch(PORT_RANGE_PATTERN, text.strip()):
        raise InvalidAnswersError(f"port_range {text!r} must look like <start>..=<end>")
    start_text, _, end_text = text.strip().partition("..=")
    start, end = int(start_text), int(end_text)
    if not 1 <= start <= 65535 or not 1 <= end <= 65535:
        raise InvalidAnswersError(f"port_range {text!r}: ports must be within 1..=65535")
    if start > end:
        raise InvalidAnswersError(f"port_range {text!r}: start must not exceed end")
    return start, end


def _check_port_range(text: str) -> None:
    parse_port_range(text)


WIZARD_SPEC = WizardSpec(
    id=WIZARD_ID,
    title="Local-process deployer",
    questions=(
        WizardQuestion(
            id="port_range",
            required=False,
            default=format_port_range(DEFAULT_PORT_RANGE),
            help=(
                "Inclusive port range the local-process deployer searches for an available "
                "port, as <start>..=<end>. Leave blank for the default 8080..=8090."
            ),
            pattern=PORT_RANGE_PATTERN,
            check=_check_port_range,
        ),
    ),
)
