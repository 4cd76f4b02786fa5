"""The `local` environment: the operator's own, bootstrapped by `env init` (imports nothing)."""

from __future__ import annotations

LOCAL_ENV_ID = "local"
"""The id of the local environment; several defaults and policies key on it."""
