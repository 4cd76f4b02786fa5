"""Global `op` flags, accepted before or after the noun (like clap's global args)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The one list of accepted `--output` values: json (the envelope), the human renderings,
# and name (only the result's primary id, for scripts).
OUTPUT_FORMATS = ("json", "text", "wide", "name")
TEXT_FORMATS = ("text", "wide")
OUTPUT_FLAGS = ("--output", "-o")
VALUE_FLAGS = ("--store-root", "--answers", *OUTPUT_FLAGS)
BOOL_FLAGS = ("--schema", "--no-headers", "--dry-run")


@dataclass
class GlobalOptions:
    """Values of the global flags for this invocation."""

    store_root: Path | None = None
    answers: Path | None = None
    schema: bool = False
    output: str = "json"
    dry_run: bool = False
    no_headers: bool = False

    @property
    def text(self) -> bool:
        """Whether the result is rendered for people rather than as the JSON envelope."""
        return self.output in TEXT_FORMATS


def _split(arg: str, rest: list[str], i: int) -> tuple[str, str | None, bool]:
    """(flag name, value, value is attached) for `--flag=v`, `-ov`, `-o=v` or `--flag v`."""
    if arg.startswith("--"):
        if "=" in arg:
            name, value = arg.split("=", 1)
            return name, value, True
        return arg, rest[i + 1] if i + 1 < len(rest) else None, False
    if arg.startswith("-o") and len(arg) > 2:
        return "-o", arg[2:].removeprefix("="), True
    return arg, rest[i + 1] if i + 1 < len(rest) else None, False


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
        name, value, attached = _split(arg, rest, i)
        if name in OUTPUT_FLAGS and value not in OUTPUT_FORMATS and "render" in rest:
            # `op env render --output DIR` names a directory, not the output format.
            kept.append(arg)
        elif name == "-o" and attached:
            # click reads `-o=text` as the value `=text`; hand it over in the long form.
            hoisted.append(f"--output={value}")
        elif name in VALUE_FLAGS:
            if attached:
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
