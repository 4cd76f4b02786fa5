"""The CLI runner fixtures, shared with tests/cli."""

from __future__ import annotations

from tests.cli.conftest import gtc, local_env

__all__ = ["gtc", "local_env"]
