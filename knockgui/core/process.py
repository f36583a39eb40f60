"""The ONE way knockgui starts external programs (Winbox, ssh, a terminal, a browser, a custom command).

* The executable is resolved first (a setting's path, then PATH, then extra folders), and a missing
  program becomes a :class:`LaunchError` sentence naming the setting to fix.
* Arguments are always a list: no shell ever parses them.
* Programs are detached and outlive knockgui. POSIX: a new session, stdin/stdout/stderr on
  ``/dev/null``, and a reaper thread that waits for the child so no zombie remains while knockgui runs
  (after knockgui exits, init adopts it). Windows: ``DETACHED_PROCESS`` for GUI programs,
  ``CREATE_NEW_CONSOLE`` for console clients (ssh.exe, telnet.exe), both in a new process group.
  The flags are computed by :func:`popen_options`, which takes the platform as a parameter.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from knockgui.core.errors import LaunchError

# Windows process creation flags (the constants exist in ``subprocess`` only on Windows).
DETACHED_PROCESS = 0x00000008
CREATE_NEW_CONSOLE = 0x00000010
CREATE_NEW_PROCESS_GROUP = 0x00000200


def pure_path(platform: str) -> type[PurePath]:
    """The path flavour of ``platform`` (Windows paths on ``win32``, POSIX paths elsewhere)."""
    return PureWindowsPath if platform == "win32" else PurePosixPath


def is_executable_file(path: str) -> bool:
    """Whether ``path`` is a file this process may execute."""
    return os.path.isfile(path) and os.access(path, os.X_OK)


class Locator:
    """Finds programs the way a given platform would: a path as given, then PATH, then extra folders.

    ``platform``, ``env`` (for PATH) and ``is_executable`` are parameters so that Windows and macOS
    look-ups can be tested here against a table of files.
    """

    def __init__(
        self,
        platform: str = sys.platform,
        env: Mapping[str, str] | None = None,
        is_executable: Callable[[str], bool] = is_executable_file,
    ) -> None:
        self.platform = platform
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.is_executable = is_executable
        self.path_cls = pure_path(platform)

    def path_dirs(self) -> list[str]:
        sep = ";" if self.platform == "win32" else ":"
        return [d for d in self.env.get("PATH", "").split(sep) if d]

    def is_path(self, name: str) -> bool:
        """Whether ``name`` names a file by path (has a folder part) rather than a bare program name."""
        if self.platform == "win32":
            return "\\" in name or "/" in name or ":" in name
        return "/" in name

    def _candidates(self, name: str) -> list[str]:
        if self.platform == "win32" and not self.path_cls(name).suffix:
            return [name + ".exe", name]
        return [name]

    def find(self, names: Sequence[str], extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> str | None:
        """The first of ``names`` found as a path, on PATH, then in ``extra_dirs``; ``None`` if none is."""
        extra = [os.fspath(d) for d in extra_dirs]
        for name in names:
            if not name:
                continue
            if self.is_path(name):
                expanded = self.expand(name)
                if self.is_executable(expanded):
                    return expanded
                continue
            for folder in [*self.path_dirs(), *extra]:
                for candidate in self._candidates(name):
                    full = str(self.path_cls(folder) / candidate)
                    if self.is_executable(full):
                        return full
        return None

    def expand(self, name: str) -> str:
        """``~`` expanded with this locator's HOME (or USERPROFILE)."""
        if name.startswith("~"):
            home = self.env.get("HOME") or self.env.get("USERPROFILE") or ""
            if home:
                return home + name[1:]
        return name


def resolve_program(
    name_or_path: str,
    extra_dirs: Iterable[Path] = (),
    *,
    label: str | None = None,
    setting: str | None = None,
) -> Path:
    """The full path of a program on this computer, or a :class:`LaunchError` naming what to fix."""
    locator = Locator()
    found = locator.find([name_or_path], extra_dirs)
    if found:
        return Path(found)
    raise not_found_error(label or name_or_path, name_or_path, setting, is_path=locator.is_path(name_or_path))


def not_found_error(label: str, name: str, setting: str | None, *, is_path: bool = False) -> LaunchError:
    """The sentence for a program that is not there."""
    if is_path:
        fix = f"fix its path in Settings ({setting})" if setting else "check the path"
        return LaunchError(f"{label} was not found at {name}: {fix}.")
    if setting:
        return LaunchError(f"{label} was not found: set its path in Settings ({setting}) or put {name} on PATH.")
    return LaunchError(f"{label} was not found: install it or put {name} on PATH.")


def popen_options(platform: str = sys.platform, *, console: bool = False) -> dict[str, Any]:
    """Keyword arguments for :class:`subprocess.Popen` that detach a program on ``platform``.

    ``console`` asks Windows for a new console window (for console clients such as ssh.exe); the
    new console's own handles are then used, so standard streams are not redirected.
    """
    options: dict[str, Any] = {"close_fds": True}
    if platform == "win32":
        if console:
            options["creationflags"] = CREATE_NEW_CONSOLE | CREATE_NEW_PROCESS_GROUP
        else:
            options["creationflags"] = DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP
            options.update(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        options["start_new_session"] = True
        options.update(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return options


class DetachedProcess:
    """A started program. A reaper thread waits for it, so it never lingers as a zombie."""

    def __init__(self, popen: subprocess.Popen[bytes], label: str) -> None:
        self.pid = popen.pid
        self.label = label
        self.returncode: int | None = None
        self.exited = threading.Event()
        self._popen = popen
        self._thread = threading.Thread(target=self._reap, name=f"knockgui-reaper-{popen.pid}", daemon=True)
        self._thread.start()

    def _reap(self) -> None:
        self.returncode = self._popen.wait()
        self.exited.set()

    def running(self) -> bool:
        return not self.exited.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the program exits; ``True`` if it did within ``timeout``."""
        return self.exited.wait(timeout)

    def __repr__(self) -> str:
        state = "running" if self.running() else f"exited {self.returncode}"
        return f"DetachedProcess({self.label!r}, pid={self.pid}, {state})"


OWN_ONLY: dict[str, str] = {}  # variables knockgui set for itself alone: name -> value; children never get them


def start(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    console: bool = False,
    label: str = "",
    setting: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> DetachedProcess:
    """Start ``argv`` detached and return a handle on it; failures become :class:`LaunchError`."""
    args = list(argv)
    if not args or not all(isinstance(a, str) for a in args):
        raise LaunchError("Nothing to start: the command is empty; check the router's command or the settings.")
    if any("\x00" in a for a in args):
        raise LaunchError("The command contains a NUL character and cannot be started; check the router's settings.")
    name = label or os.path.basename(args[0])
    fix = f"check Settings ({setting})" if setting else "check the program's path"
    full_env = None if env is None else {**os.environ, **env}
    if any(os.environ.get(key) == value for key, value in OWN_ONLY.items()):
        full_env = {k: v for k, v in (full_env or os.environ).items() if OWN_ONLY.get(k) != v}
    try:
        popen = subprocess.Popen(args, env=full_env, cwd=cwd, **popen_options(sys.platform, console=console))
    except FileNotFoundError:
        raise not_found_error(name, args[0], setting, is_path=Locator().is_path(args[0])) from None
    except PermissionError:
        raise LaunchError(
            f"{name} could not be started: permission denied; make {args[0]} executable or {fix}."
        ) from None
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:
            raise LaunchError(
                f"{name} could not be started: {args[0]} is not a program for this system; {fix}."
            ) from None
        reason = exc.strerror or type(exc).__name__
        raise LaunchError(f"{name} could not be started ({reason}); {fix}.") from None
    return DetachedProcess(popen, name)


def start_detached(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Start ``argv`` detached (no shell; it outlives knockgui) and return its process id."""
    return start(argv, env).pid
