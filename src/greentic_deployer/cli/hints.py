"""Next-step hints the CLI adds to errors: only the edge knows the names of its verbs."""

from __future__ import annotations

from greentic_deployer.engine.errors import (
    BindingNotFoundError,
    DeploymentNotFoundError,
    RevisionNotFoundError,
    SplitNotFoundError,
)
from greentic_deployer.spec.errors import GreenticError

_HINTS: tuple[tuple[type[GreenticError], str], ...] = (
    (RevisionNotFoundError, "list revisions with `op revisions list`"),
    (DeploymentNotFoundError, "list deployments with `op bundles list`"),
    (SplitNotFoundError, "set one with `op traffic set`"),
    (BindingNotFoundError, "bind it with `op env-packs add`"),
)


def with_hint(exc: GreenticError) -> GreenticError:
    """Set the error's `hint` when the CLI has one for its type (an existing hint is kept)."""
    if exc.hint is None:
        exc.hint = next((hint for kind, hint in _HINTS if isinstance(exc, kind)), None)
    return exc


def user_message(exc: GreenticError) -> str:
    """What the failure envelope prints: the message, then `; <hint>` when there is one."""
    hint = with_hint(exc).hint
    return exc.message if hint is None else f"{exc.message}; {hint}"
