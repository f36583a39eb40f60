"""Atomic file writes: a temporary file in the same folder, flush, fsync, then ``os.replace``.

A write interrupted at any point (an exception, a crash, a full disk) leaves either the old file or
the new one, never a mix; the temporary file is removed on failure (a crash may leave one behind,
named ``.NAME.*.tmp``, which readers ignore). On POSIX, in the main thread, Ctrl-C and SIGTERM are held
while the file is written (a few milliseconds) and act right after: a KeyboardInterrupt could otherwise
land between creating the temporary file and the ``try`` that removes it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from knockgui.core.errors import ConfigError


def _blocking_file(folder: Path) -> Path | None:
    """The file (not a folder) that stands where ``folder`` or one of its parents should be, if any."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def make_folder(folder: Path, path: Path, verb: str) -> None:
    """Create ``folder`` (for ``path``); ConfigError naming the fix when it cannot be, e.g. a file is in the way."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        blocker = _blocking_file(folder)
        if blocker is not None:
            raise ConfigError(
                f"Could not {verb} {path}: {blocker} is a file, not a folder; move that file away or choose "
                "another folder."
            ) from None
        raise ConfigError(f"Could not {verb} {path} ({exc.strerror or exc}); check the folder's permissions.") from None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (POSIX, main thread) until the block ends; they are delivered then."""
    import threading

    if os.name != "posix" or threading.current_thread() is not threading.main_thread():
        yield
        return
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically. ConfigError (one sentence) on failure."""
    folder = path.parent
    make_folder(folder, path, "write")
    with _signals_held():
        _write_and_replace(folder, path, data, mode)


def _write_and_replace(folder: Path, path: Path, data: bytes, mode: int) -> None:
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ConfigError(f"Could not write {path} ({exc.strerror or exc}); check the folder's permissions.") from None
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, mode)
        except (AttributeError, OSError):
            pass
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ConfigError(
            f"Could not save {path} ({exc.strerror or exc}); the previous version is unchanged, check free space "
            "and permissions."
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); harmless where directories cannot be opened (Windows)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``.NAME.lock`` beside ``path`` (between processes: GUI, CLI, links)."""
    lock_path = path.with_name(f".{path.name}.lock")
    make_folder(lock_path.parent, path, "lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"Could not lock {path} ({exc.strerror or exc}); check the folder's permissions.") from None
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
