"""Reading a small JSON object from an extracted bundle: regular file, bounded size."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from greentic_deployer.bundle.errors import BundleError


def read_json_object(
    path: Path, subject: str, max_bytes: int, error: type[BundleError]
) -> dict[str, Any]:
    """The file's JSON object; symlinks, oversize files and non-objects raise `error`."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        raise error(subject, f"cannot be read: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        raise error(subject, "must be a regular file (symlinks are not followed)")
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)  # never read more than the limit allows
    if len(raw) > max_bytes:
        raise error(subject, f"is larger than {max_bytes} bytes")
    try:
        document: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise error(subject, f"is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise error(subject, "must be a JSON object")
    return document
