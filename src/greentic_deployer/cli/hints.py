"""Next-step hints the CLI adds to errors: only the edge knows the names of its verbs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from greentic_deployer.engine.errors import (
    BindingConflictError,
    BindingNotFoundError,
    DeploymentNotFoundError,
    DuplicateDeploymentError,
    LifecycleConflictError,
    RevisionNotFoundError,
    SplitNotFoundError,
)
from greentic_deployer.spec.errors import GreenticError
from greentic_deployer.store.errors import EnvNotFoundError

if TYPE_CHECKING:
    from greentic_deployer.cli.globals import GlobalOptions

_HINTS: tuple[tuple[type[GreenticError], str], ...] = (
    (RevisionNotFoundError, "list revisions with `op revisions list`"),
    (DeploymentNotFoundError, "list deployments with `op bundles list`"),
    (SplitNotFoundError, "set one with `op traffic set`"),
    (BindingNotFoundError, "bind it with `op env-packs add`"),
)


def _lifecycle_remedy(exc: LifecycleConflictError) -> str | None:
    return "check its lifecycle with `op revisions list`" if exc.way_out is None else None


def _deployment_remedy(exc: DuplicateDeploymentError) -> str | None:
    return None if exc.same_id else "change it with `op bundles update`"


def _binding_remedy(exc: BindingConflictError) -> str | None:
    return "change it with `op env-packs update`"


def _env_remedy(exc: EnvNotFoundError) -> str | None:
    # Only the store's standard message (`for_env`) leaves the way out to the edge.
    if exc.env_id is None:
        return None
    return "create it with `gtc op env create` or `gtc op env init`"


def _remedy(exc: GreenticError) -> str | None:
    """The command that fixes `exc`, printed on the error line itself (text and JSON alike).

    Unlike `hint` (its own `Hint:` line in text mode), a remedy reads as the end of the
    message, as it did when lower layers wrote it there: the output stays the same.
    """
    if isinstance(exc, LifecycleConflictError):
        return _lifecycle_remedy(exc)
    if isinstance(exc, DuplicateDeploymentError):
        return _deployment_remedy(exc)
    if isinstance(exc, BindingConflictError):
        return _binding_remedy(exc)
    if isinstance(exc, EnvNotFoundError):
        return _env_remedy(exc)
    return None


def shown_message(exc: GreenticError) -> str:
    """The error line: the neutral message, then `; <remedy>` when the CLI knows a command."""
    remedy = _remedy(exc)
    return exc.message if remedy is None else f"{exc.message}; {remedy}"


def nearest(name: str, candidates: list[str]) -> str | None:
    """The candidate closest to `name` (difflib ratio ≥ 0.6), if any."""
    import difflib

    found = difflib.get_close_matches(name, candidates, n=1)
    return found[0] if found else None


def _env_suggestion(exc: GreenticError, options: GlobalOptions | None) -> str | None:
    """`did you mean `local`?` for a missing environment whose id is close to a stored one."""
    from greentic_deployer.store.errors import EnvNotFoundError

    env_id = getattr(exc, "env_id", None)
    if options is None or not isinstance(exc, EnvNotFoundError) or env_id is None:
        return None
    try:
        from greentic_deployer.store.local import LocalFileStore, default_root

        ids = LocalFileStore(options.store_root or default_root()).list_ids()
    except (GreenticError, OSError):
        return None
    match = nearest(env_id, [i for i in ids if i != env_id])
    return None if match is None else f"did you mean `{match}`?"


def with_hint(exc: GreenticError, options: GlobalOptions | None = None) -> GreenticError:
    """Set the error's `hint` when the CLI has one for it (an existing hint is kept)."""
    if exc.hint is None:
        exc.hint = next((hint for kind, hint in _HINTS if isinstance(exc, kind)), None)
    if exc.hint is None:
        exc.hint = _env_suggestion(exc, options)
    return exc


def user_message(exc: GreenticError) -> str:
    """What the failure envelope prints: the message, then `; <hint>` when there is one."""
    hint = with_hint(exc).hint
    message = shown_message(exc)
    return message if hint is None else f"{message}; {hint}"


def _aligned(steps: list[tuple[str, str]]) -> list[str]:
    width = max(len(command) for command, _ in steps)
    return [f"{command:<{width}}   # {why}" for command, why in steps]


def next_steps(noun: str, verb: str, result: Any) -> list[str]:
    """Commands worth running after a successful `env init` or `deploy` (text mode)."""
    if not isinstance(result, dict):
        return []
    if (noun, verb) == ("env", "init"):
        env = result.get("environment_id", "local")
        return _aligned(
            [
                (f"gtc op env doctor {env} -o text", "check the bindings"),
                (f"gtc op deploy --bundle FILE.gtbundle --env {env}", "deploy a bundle"),
                (f"gtc op env show {env} -o text", "see what is there"),
            ]
        )
    if (noun, verb) == ("deploy", "deploy") and "deployment_id" in result:
        env, dep = result.get("environment_id"), result["deployment_id"]
        steps = [
            (f"gtc op traffic show {env} --deployment {dep}", "the live split"),
            (f"gtc op revisions list {env} -o text", "every revision"),
        ]
        if result.get("superseded_revisions"):
            steps.append(
                (f"gtc op traffic rollback {env} --deployment {dep}", "back to the previous one")
            )
        return _aligned(steps)
    return []
