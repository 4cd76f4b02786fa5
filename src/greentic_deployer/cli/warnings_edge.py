"""How warnings reach a terminal: env-pack problems as one clean `warning: …` line each."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from greentic_deployer.packs.registry import EnvPackWarning


@contextmanager
def clean_env_pack_warnings() -> Iterator[None]:
    """Print each distinct EnvPackWarning once as `warning: <message>` on stderr.

    Python's default would print the category, the file and line of the `warnings.warn` call
    and the source line; a user only needs the message (which already names the entry point
    and the cause). Other warnings keep Python's format. Restored on exit.
    """
    seen: set[str] = set()
    with warnings.catch_warnings():
        original = warnings.showwarning
        # "always" here, de-duplicated by text below: the default per-location registry
        # would both repeat a message raised from two places and hide a repeat from one.
        warnings.simplefilter("always", EnvPackWarning)

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if not issubclass(category, EnvPackWarning):
                original(message, category, filename, lineno, file, line)
                return
            text = str(message)
            if text in seen:
                return
            seen.add(text)
            print(f"warning: {text}", file=sys.stderr, flush=True)

        warnings.showwarning = show
        yield
