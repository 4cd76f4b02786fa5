"""Global `op` flags, accepted before or after the noun (like clap's global args)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VALUE_FLAGS = ("--store-root", "--answers", "--output")
BOOL_FLAGS = ("--schema", "--dry-run")
# The one list of `--output` values: the option's check and the flag hoisting both read it.
OUTPUT_FORMATS = ("json", "text", "name")


@dataclass
class GlobalOptions:
    """Values of the global flags for this invocation."""

    store_root: Path | None = None
    answers: Path | None = None
    schema: bool = False
    output: str = "json"
    dry_run: bool = False


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move global flags found after `op <noun> …` to right after `op`, keeping order."""
    if "op" not in argv:
        return argv
    start = argv.index("op") + 1
    head, rest = argv[:start], argv[start:]
    hoisted: list[str] = []
    kept: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            kept.extend(rest[i:])
            break
        name = arg.split("=", 1)[0]
        value = arg.split("=", 1)[1] if "=" in arg else (rest[i + 1] if i + 1 < len(rest) else "")
        if name == "--output" and value not in OUTPUT_FORMATS and "render" in rest:
            # `op env render --output DIR` names a directory, not the output format.
            kept.append(arg)
        elif name in VALUE_FLAGS:
            if "=" in arg:
                hoisted.append(arg)
            else:
                hoisted.extend(rest[i : i + 2])
                i += 1
        elif arg in BOOL_FLAGS:
            hoisted.append(arg)
        else:
            kept.append(arg)
        i += 1
    return head + hoisted + kept
