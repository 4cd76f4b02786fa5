"""Reading a binding's recorded wizard answers from `<env>/<answers_ref>`."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from greentic_deployer.ops.context import OpContext
from greentic_deployer.spec.errors import ConflictError


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
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConflictError(f"answers_ref `{answers_ref}` is not readable JSON: {exc}") from exc
