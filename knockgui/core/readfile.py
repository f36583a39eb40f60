"""Reading a file knockgui did not necessarily write: only a regular file, and only up to a size.

``read_regular(path, limit)`` opens without blocking (a FIFO would otherwise hang the open), refuses
anything but a regular file (a FIFO, ``/dev/zero``, a socket, a folder) and reads at most ``limit``
bytes: a bigger file is refused instead of being read into memory. Its errors are
:class:`UnreadableFile` (a ConfigError) whose ``reason`` completes a sentence that names the file
("... is a named pipe (FIFO), not a regular file"); a missing file is ``FileNotFoundError`` as usual.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from knockgui.core.errors import ConfigError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class UnreadableFile(ConfigError):
    """A file that is not a regular file, or is too large; ``reason`` follows the file's name in a sentence."""

    def __init__(self, path: Path, reason: str, advice: str) -> None:
        super().__init__(f"{path} {reason}; {advice}")
        self.reason = reason


def _size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def read_regular(path: Path, limit: int, advice: str = "give a regular file.") -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit`` bytes); UnreadableFile otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise UnreadableFile(path, f"is {kind}, not a regular file", advice)
        too_big = f"is larger than {_size_text(limit)}, more than such a file can be"
        if info.st_size > limit:
            raise UnreadableFile(path, too_big, advice)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # the size can change while it is read (a file still growing)
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnreadableFile(path, too_big, advice)
        return b"".join(chunks)
    finally:
        os.close(fd)
