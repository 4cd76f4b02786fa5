"""The CLI runner (tests/cli) and in-process context (tests/ops) fixtures."""

from __future__ import annotations

from tests.cli.conftest import gtc, local_env
from tests.ops.conftest import ctx

__all__ = ["ctx", "gtc", "local_env"]
