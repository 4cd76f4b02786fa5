"""Content digests in the store's `sha256:<lowercase hex>` form."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greentic_deployer.bundle.progress import StageProgress

_CHUNK = 1024 * 1024


def sha256_file(path: Path, progress: StageProgress | None = None) -> str:
    """`sha256:<hex>` of a file, read in fixed-size chunks (constant memory)."""
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        total = os.fstat(handle.fileno()).st_size
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress("hash", done, total)
    return f"sha256:{digest.hexdigest()}"
