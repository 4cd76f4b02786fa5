"""Reading a file that must be a regular file: never blocks on a FIFO or device, bounded size."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Generous for any environment document or answers file; stops a runaway file early.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class FileRefusedError(Exception):
    """The path exists but is not a regular file (or is too large); `problem` says why."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path = path
        self.problem = problem


def describe_mode(mode: int) -> str:
    """`a FIFO (named pipe)`, `a directory`, … for a non-regular file's mode."""
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _require_regular(path: Path, mode: int, follow_symlinks: bool) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISLNK(mode) and not follow_symlinks:
        raise FileRefusedError(path, "is a symbolic link; it must be a regular file")
    raise FileRefusedError(path, f"is {describe_mode(mode)}, not a regular file")


def read_regular_file(path: Path, *, max_bytes: int, follow_symlinks: bool = False) -> bytes:
    """The bytes of a regular file of at most `max_bytes`.

    The type is checked before opening (a FIFO or device is never opened for a blocking read)
    and again on the open descriptor (the path may be swapped in between). Absence propagates
    as FileNotFoundError/NotADirectoryError; other OS failures as OSError.
    """
    info = path.stat() if follow_symlinks else path.lstat()
    _require_regular(path, info.st_mode, follow_symlinks)
    flags = os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= _NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise FileRefusedError(path, "is a symbolic link; it must be a regular file") from exc
        raise
    try:
        info = os.fstat(fd)
        _require_regular(path, info.st_mode, follow_symlinks)
        if info.st_size > max_bytes:
            raise FileRefusedError(path, f"is larger than {max_bytes} bytes")
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, _CHUNK):
            total += len(chunk)
            if total > max_bytes:  # the file grew after fstat
                raise FileRefusedError(path, f"is larger than {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
