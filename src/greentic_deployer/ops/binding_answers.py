"""Reading a binding's recorded wizard answers from `<env>/<answers_ref>`."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.json_bounds import loads_bounded
from greentic_deployer.store.files import MAX_DOCUMENT_BYTES, FileRefusedError, read_regular_file


def load_binding_answers(ctx: OpContext, env_id: str, answers_ref: str) -> Any:
    """Contained under the env dir (no `..`, no symlink escape); missing or bad JSON → conflict."""
    lexical = ctx.store.env_dir(env_id) / PurePosixPath(answers_ref)
    if not lexical.exists() and not lexical.is_symlink():
        raise ConflictError(
            f"binding records answers_ref `{answers_ref}` but the file does not exist "
            f"under the environment directory; write it or rebind without --answers-ref"
        )
    path = ctx.store.read_env_relative(env_id, answers_ref, "answers_ref")
    try:
        # Containment already resolved any symlink; the target must be a regular file
        # (a FIFO or device would block the read forever).
        raw = read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES)
    except FileRefusedError as exc:
        raise ConflictError(f"answers_ref `{answers_ref}` {exc.problem}") from exc
    except OSError as exc:
        raise ConflictError(f"answers_ref `{answers_ref}` cannot be read: {exc}") from exc
    try:
        return loads_bounded(raw)
    except ValueError as exc:  # bad UTF-8/JSON or nesting past the bound
        raise ConflictError(f"answers_ref `{answers_ref}` is not readable JSON: {exc}") from exc
