"""A private X display for tests: Xvfb on a free display number, optionally trayer as the tray host.

    with XDisplay(tray=True) as x:
        proc = x.spawn([sys.executable, "-m", "knockgui.gui.app", "--config-dir", str(cfg)])
        win = x.wait_window("knockgui")            # xdotool search --sync --onlyvisible --name
        x.xdotool("windowfocus", "--sync", str(win))
        icons = x.wait_tray_icons(1)               # windows docked inside trayer's ``panel``
        x.screenshot(tmp_path / "shot.png")

- The display number comes from ``Xvfb -displayfd`` (the server takes the first free number with its
  own lock file, so tests running in parallel never share a display). No TCP listener.
- ``spawn()`` starts a program on the display under its own ``dbus-run-session`` (or Qt autolaunches a
  session bus that outlives the test), in its own process group; ``close()`` stops every group and
  server it started, by process-group id.
- ``env()`` gives the variables for a program on this display (``DISPLAY``, ``QT_QPA_PLATFORM=xcb``).
- ``run_pytest()`` runs test cases in a child pytest on this display: a process has one QApplication
  and the rest of the suite creates it offscreen, so xcb cases (a real tray) need their own process.

API kept stable for the GUI tests: XDisplay(tray=False, size=...), start/close/__enter__/__exit__,
display, env(), spawn(), stop(), xdotool(), search(), wait_window(), wait_no_window(), window_name(),
start_tray(), stop_tray(), panel, tray_icons(), wait_tray_icons(), screenshot(), run_pytest(); and the
functions have_xvfb(), have_tray_host(), docked_icons(display), live_group_members(pgid), parse_tree().
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.testbed import reset_sigint

GRAB = r"""
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
ok = app.primaryScreen().grabWindow(0).save(sys.argv[1], "PNG")
sys.exit(0 if ok else 1)
"""


def have_xvfb() -> str:
    """'' when a private X display can be started here, else the reason it cannot."""
    for tool, package in (("Xvfb", "xvfb"), ("xdotool", "xdotool"), ("xwininfo", "x11-utils")):
        if not shutil.which(tool):
            return f"needs '{tool}' (Debian package {package})"
    if not shutil.which("dbus-run-session"):
        return "needs 'dbus-run-session' (Debian package dbus)"
    return ""


def have_tray_host() -> str:
    """'' when Xvfb and trayer (the tray host) are available, else the reason."""
    return have_xvfb() or ("" if shutil.which("trayer") else "needs 'trayer' (Debian package trayer)")


@dataclass(frozen=True)
class XWindow:
    """One X window as ``xwininfo -tree`` shows it."""

    id: int
    name: str
    wm_class: tuple[str, ...]
    width: int
    height: int


_TREE_LINE = re.compile(
    r"^\s*(0x[0-9a-f]+) (?:\"(?P<name>.*?)\"|\(has no name\)): \((?P<cls>[^)]*)\)\s+(?P<w>\d+)x(?P<h>\d+)"
)


def parse_tree(text: str) -> list[XWindow]:
    """Windows listed by ``xwininfo -tree`` (children, recursively), in order."""
    out = []
    for line in text.splitlines():
        m = _TREE_LINE.match(line)
        if not m:
            continue
        cls = tuple(re.findall(r'"([^"]*)"', m.group("cls")))
        out.append(XWindow(int(m.group(1), 16), m.group("name") or "", cls, int(m.group("w")), int(m.group("h"))))
    return out


def docked_icons(display: str) -> list[XWindow]:
    """Windows docked in trayer's ``panel`` on ``display`` (for a child process that only knows DISPLAY)."""
    env = {**os.environ, "DISPLAY": display}
    root = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, timeout=15).stdout
    panels = [w for w in parse_tree(root) if w.name == "panel" and "trayer" in w.wm_class]
    if not panels:
        return []
    out = subprocess.run(["xwininfo", "-tree", "-id", str(panels[0].id)], env=env, capture_output=True, text=True)
    return [w for w in parse_tree(out.stdout) if w.wm_class and w.id != panels[0].id]


class XDisplay:
    """A private Xvfb display (plus trayer when ``tray=True``). Use as a context manager or call close()."""

    def __init__(self, tray: bool = False, size: str = "1280x800x24") -> None:
        self.want_tray = tray
        self.size = size
        self.display = ""
        self.panel: int | None = None  # trayer's "panel" window id while the tray host runs
        self._xvfb: subprocess.Popen[bytes] | None = None
        self._tray: subprocess.Popen[bytes] | None = None
        self._procs: list[subprocess.Popen[bytes]] = []

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> XDisplay:
        read_fd, write_fd = os.pipe()
        try:
            self._xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", self.size, "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            os.close(write_fd)
            write_fd = -1
            number = b""
            while not number.endswith(b"\n"):
                chunk = os.read(read_fd, 32)  # Xvfb writes the number once it accepts connections
                if not chunk:
                    break
                number += chunk
            if not number.strip().isdigit():
                raise RuntimeError("Xvfb did not start (no display number on -displayfd)")
            self.display = ":" + number.decode().strip()
            if self.want_tray:
                self.start_tray()
        except BaseException:
            self.close()
            raise
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        return self

    def close(self) -> None:
        for proc in reversed(self._procs):
            self.stop(proc)
        self._procs.clear()
        self.stop_tray()
        if self._xvfb is not None:
            _stop_group(self._xvfb)
            self._xvfb = None

    def __enter__(self) -> XDisplay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- programs on the display -----------------------------------------------------------------
    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """This process's environment pointed at the private display (xcb), without any session bus."""
        env = dict(os.environ)
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        env["DISPLAY"] = self.display
        env["QT_QPA_PLATFORM"] = "xcb"
        env.update(extra or {})
        return env

    def spawn(
        self,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        session_bus: bool = True,
        **popen: object,
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` on this display (under its own dbus-run-session), stopped by close() or stop()."""
        full_env = self.env(env)
        cmd = ["dbus-run-session", "--", *argv] if session_bus else list(argv)
        popen.setdefault("stdin", subprocess.DEVNULL)
        popen.setdefault("preexec_fn", reset_sigint)  # tests send some of these programs SIGINT
        proc: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
            cmd, env=full_env, start_new_session=True, **popen
        )
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
        """Stop a spawned program (its whole process group: the program and its session bus)."""
        code = _stop_group(proc, timeout)
        if proc in self._procs:
            self._procs.remove(proc)
        return code

    # --- xdotool / xwininfo ----------------------------------------------------------------------
    def xdotool(self, *args: str, check: bool = True, timeout: float = 15.0) -> str:
        return self._run(["xdotool", *args], check=check, timeout=timeout)

    def search(self, name: str, onlyvisible: bool = True) -> list[int]:
        """Window ids whose title matches the regular expression ``name`` (no waiting)."""
        args = ["search", *(["--onlyvisible"] if onlyvisible else []), "--name", name]
        out = self.xdotool(*args, check=False)
        return [int(w) for w in out.split()]

    def wait_window(self, name: str, timeout: float = 15.0, onlyvisible: bool = True) -> int:
        """The first visible window whose title matches ``name``; RuntimeError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.search(name, onlyvisible)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise RuntimeError(f"no window named {name!r} appeared on {self.display} within {timeout} s")
            time.sleep(0.05)

    def wait_no_window(self, name: str, timeout: float = 15.0) -> bool:
        """True once no visible window matches ``name`` (False after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.search(name):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def window_name(self, window: int) -> str:
        return self.xdotool("getwindowname", str(window), check=False).strip()

    def tree(self, window: int | None = None) -> list[XWindow]:
        target = ["-root"] if window is None else ["-id", str(window)]
        return parse_tree(self._run(["xwininfo", "-tree", *target], check=False))

    # --- tray host -------------------------------------------------------------------------------
    def start_tray(self, timeout: float = 10.0) -> int:
        """Start trayer (the system tray host) on this display; returns its ``panel`` window id."""
        if self._tray is not None:
            assert self.panel is not None
            return self.panel
        self._tray = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "240",
             "--height", "24", "--transparent", "false", "--expand", "false"],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            self.panel = self.wait_window("^panel$", timeout=timeout)
        except RuntimeError:
            self.stop_tray()
            raise RuntimeError("trayer did not show its panel") from None
        return self.panel

    def stop_tray(self) -> None:
        if self._tray is not None:
            _stop_group(self._tray)
        self._tray = None
        self.panel = None

    def tray_icons(self) -> list[XWindow]:
        """Client windows docked in the tray (named or classed descendants of trayer's ``panel``)."""
        if self.panel is None:
            return []
        return [w for w in self.tree(self.panel) if w.wm_class and w.id != self.panel]

    def wait_tray_icons(self, count: int = 1, timeout: float = 15.0, wm_class: str | None = None) -> list[XWindow]:
        """Wait until at least ``count`` icons (of ``wm_class`` when given) are docked; RuntimeError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            icons = [w for w in self.tray_icons() if wm_class is None or wm_class in w.wm_class]
            if len(icons) >= count:
                return icons
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(icons)} tray icon(s) docked on {self.display}, expected {count}")
            time.sleep(0.05)

    # --- pictures and child test runs ------------------------------------------------------------
    def screenshot(self, path: Path) -> Path:
        """Save the whole screen as a PNG (a Qt grab in a child process: no ImageMagick needed)."""
        proc = self.spawn([sys.executable, "-c", GRAB, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=30)
        finally:
            self.stop(proc)
        if proc.returncode != 0 or not path.exists():
            raise RuntimeError(f"screenshot failed: {err.decode(errors='replace').strip()[-500:]}")
        return path

    def run_pytest(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120.0) -> tuple[int, str]:
        """Run ``pytest ARGS`` in a child process on this display (xcb, own session bus): (exit code, output).

        Inside the child, the ``xcb_display`` fixture of tests/conftest.py restores DISPLAY, QT_QPA_PLATFORM
        and the session bus (the autouse isolation removes them) before the QApplication is made.
        """
        inner = {"KNOCKGUI_TEST_DISPLAY": self.display, **(env or {})}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        script = 'export KNOCKGUI_TEST_DBUS="$DBUS_SESSION_BUS_ADDRESS"; exec "$@"'
        proc = self.spawn(
            ["sh", "-c", script, "sh", *cmd],
            env=inner,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=str(Path(__file__).resolve().parents[2]),
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc)
            out, _ = proc.communicate()
            return 124, out.decode(errors="replace") + f"\n(child pytest killed after {timeout} s)"
        self.stop(proc)
        return proc.returncode, out.decode(errors="replace")

    def _run(self, cmd: list[str], check: bool, timeout: float = 15.0) -> str:
        proc = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout


def live_group_members(pgid: int) -> list[int]:
    """Pids in process group ``pgid`` that still run (zombies waiting for their reaper do not count)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            pids.append(int(entry.name))
    return pids


def _stop_group(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
    """SIGTERM the process group led by ``proc`` (started with start_new_session), then SIGKILL."""
    pgid = proc.pid
    if proc.poll() is None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:  # leftovers of the group (a session bus whose leader already exited)
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    code = proc.wait()
    deadline = time.monotonic() + timeout
    while live_group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream:
            stream.close()
    return code
