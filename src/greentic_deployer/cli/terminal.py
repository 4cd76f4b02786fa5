"""Where output goes: a terminal gets rich rendering, a pipe gets plain text."""

from __future__ import annotations

import os
import sys
from typing import TextIO

FORCE_TTY_ENV = "GREENTIC_FORCE_TTY"


def is_terminal(stream: TextIO) -> bool:
    """`GREENTIC_FORCE_TTY=1|0` overrides detection (tests, `script`, CI logs)."""
    forced = os.environ.get(FORCE_TTY_ENV)
    if forced is not None and forced != "":
        return forced not in ("0", "false", "no")
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal."""
    return is_terminal(sys.stdout)


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal."""
    return is_terminal(sys.stderr)
