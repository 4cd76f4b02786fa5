"""Progress reports while a bundle is staged: `(phase, done, total)` in bytes."""

from __future__ import annotations

from collections.abc import Callable

StageProgress = Callable[[str, int, int], None]
"""Called with phase `copy`, `hash` or `extract`, bytes done so far, and the phase's total."""

PHASES = ("copy", "hash", "extract")
