"""Where text output lands: rich tables on a terminal, kubectl-style columns in a pipe."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TextIO

GAP = "   "  # three spaces between plain columns, as kubectl prints them


_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def plain_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, no_headers: bool = False
) -> list[str]:
    """Columns padded to their widest cell, CAPS headers, no padding after the last column."""
    lines: list[list[str]] = [] if no_headers else [[h.upper() for h in headers]]
    lines.extend([str(cell) for cell in row] for row in rows)
    if not lines:
        return []
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    out = []
    for line in lines:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(line[:-1])] + [line[-1]]
        out.append(GAP.join(cells).rstrip())
    return out


class Layout:
    """One text rendering: headings, field lists and tables, in the destination's style."""

    def __init__(self, *, terminal: bool, no_headers: bool, stream: TextIO | None = None) -> None:
        self.terminal = terminal
        self.no_headers = no_headers
        self.stream = stream or sys.stdout
        self._started = False
        if terminal:
            from rich.console import Console

            self.console: Console | None = Console(file=self.stream)
        else:
            self.console = None

    def _gap(self) -> None:
        # Sections are separated by one blank line; the first needs none.
        if self._started:
            self._write("")
        self._started = True

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")

    def heading(self, text: str) -> None:
        """A section title (`Bindings:` in a pipe, bold on a terminal)."""
        self._gap()
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(text, style="bold"))
        else:
            self._write(f"{text}:")
        self._started = False  # the section's body follows without a blank line

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        """`Label:   value` lines, labels aligned."""
        if not pairs:
            return
        self._gap()
        width = max(len(label) for label, _ in pairs) + 1
        if self.console is not None:
            from rich.table import Table

            table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
            table.add_column("field", style="bold", no_wrap=True)
            table.add_column("value", overflow="fold")
            for label, value in pairs:
                table.add_row(f"{label}:", value)
            self.console.print(table)
            return
        for label, value in pairs:
            self._write(f"{label + ':':<{width}}{GAP}{value}".rstrip())

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None
    ) -> None:
        """A table of rows; an empty one prints `No <title>.` on a terminal and nothing else."""
        self._gap()
        if self.console is None:
            for line in plain_table(headers, rows, no_headers=self.no_headers):
                self._write(line)
            return
        if not rows:
            self.console.print(f"[dim]No {(title or 'rows').lower()}.[/dim]")
            return
        from rich.table import Table

        table = Table(show_header=not self.no_headers, header_style="bold")
        for index, header in enumerate(headers):
            # An id folded over two lines cannot be copied: a column of ULIDs never wraps.
            ids = bool(rows) and all(_ULID.fullmatch(str(row[index])) for row in rows)
            table.add_column(header.upper(), overflow="fold", no_wrap=ids)
        for row in rows:
            table.add_row(*(str(c) for c in row))
        self.console.print(table)

    def line(self, text: str) -> None:
        """One line of prose."""
        self._gap()
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False)
        else:
            self._write(text)
