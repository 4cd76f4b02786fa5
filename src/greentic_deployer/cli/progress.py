"""A rich progress bar on stderr while a bundle is staged (terminals only)."""

from __future__ import annotations

from typing import Any

# Small bundles stage in a blink; a bar would only flicker.
MIN_BYTES = 8 * 1024 * 1024
_LABELS = {"copy": "Copying bundle", "hash": "Hashing", "extract": "Extracting"}
_active: list[StageBar] = []


class StageBar:
    """The `StageProgress` callback the CLI hands to staging: one bar per phase."""

    def __init__(self, min_bytes: int = MIN_BYTES) -> None:
        self.min_bytes = min_bytes
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        """Advance `phase` to `done` of `total` bytes (the bar starts on a large total)."""
        if self._progress is None:
            if total < self.min_bytes:
                return
            self._start()
        if phase not in self._tasks:
            self._tasks[phase] = self._progress.add_task(_LABELS.get(phase, phase), total=total)
        self._progress.update(self._tasks[phase], completed=done, total=total)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description:<15}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._progress.start()

    def close(self) -> None:
        """Stop drawing (the finished bars stay on screen)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def stage_bar() -> StageBar | None:
    """A bar when stderr is a terminal, else none (pipes and logs get no progress noise)."""
    from greentic_deployer.cli.terminal import stderr_is_terminal

    if not stderr_is_terminal():
        return None
    bar = StageBar()
    _active.append(bar)
    return bar


def close_all() -> None:
    """Stop every bar this process started (called when a verb ends, however it ends)."""
    while _active:
        _active.pop().close()
