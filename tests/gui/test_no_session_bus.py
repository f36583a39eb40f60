"""Without a desktop session bus, knockgui starts no D-Bus daemon that outlives it (issue 16 item 13).

On a real private X display with no ``DBUS_SESSION_BUS_ADDRESS`` and no ``$XDG_RUNTIME_DIR/bus``, libdbus
would autolaunch a bus (``dbus-launch --autolaunch`` and a ``dbus-daemon``) that stays after knockgui quits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knockgui.core import process
from tests.testbed.display import XDisplay


def _buses_on(display: str) -> list[tuple[int, str]]:
    """dbus-launch and dbus-daemon processes started for ``display`` (found by their environment)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if name in ("dbus-daemon", "dbus-launch") and f"DISPLAY={display}".encode() in env:
            found.append((int(pid), name))
    return found


def test_no_bus_is_left_behind_after_knockgui_quits(xdisplay: XDisplay, config_dir: Path, tmp_path: Path) -> None:
    runtime = tmp_path / "run"  # a session without a bus socket in its runtime folder
    runtime.mkdir(mode=0o700)
    proc = xdisplay.spawn(
        [sys.executable, "-m", "knockgui", "--config-dir", str(config_dir)],
        env={"XDG_RUNTIME_DIR": str(runtime)},
        session_bus=False,
        stderr=subprocess.PIPE,
    )
    try:
        xdisplay.xdotool("search", "--sync", "--onlyvisible", "--name", "knockgui", timeout=30)
        time.sleep(1.0)  # the tray's D-Bus check runs just after the first paint
        os.kill(proc.pid, signal.SIGTERM)  # quit as a logout does: knockgui alone, not its process group
        assert proc.wait(timeout=15) == 0
    finally:
        left = _buses_on(xdisplay.display)
        for pid, _name in left:  # whatever was left is this test's to stop
            os.kill(pid, signal.SIGKILL)
        xdisplay.stop(proc)
    assert left == [], f"knockgui left a session bus it started behind: {left}"


def test_programs_knockgui_starts_do_not_inherit_its_own_only_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "env.txt"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:")
    monkeypatch.setitem(process.OWN_ONLY, "DBUS_SESSION_BUS_ADDRESS", "disabled:")
    code = "import os, sys; open(sys.argv[1], 'w').write(os.environ.get('DBUS_SESSION_BUS_ADDRESS', '(unset)'))"
    child = process.start([sys.executable, "-c", code, str(out)])
    deadline = time.monotonic() + 20
    while child.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == "(unset)"
