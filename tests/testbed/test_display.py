"""The private display testbed itself: Xvfb starts on a free number, trayer hosts a real tray icon, all stops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.testbed.display import XDisplay, live_group_members, parse_tree

pytestmark = pytest.mark.xvfb

TRAY_PROGRAM = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon
app = QApplication(sys.argv[:1])
app.setApplicationName("kgdisplaytest")
print("available" if QSystemTrayIcon.isSystemTrayAvailable() else "missing", flush=True)
pm = QPixmap(22, 22); pm.fill(QColor("green"))
icon = QSystemTrayIcon(QIcon(pm)); icon.show()
win = QMainWindow(); win.setWindowTitle("kg-display-test-window"); win.resize(300, 200); win.show()
QTimer.singleShot(60000, app.quit)
app.exec()
"""


def test_parse_tree_reads_names_classes_and_sizes() -> None:
    text = (
        '     0x200003 "panel": ("panel" "trayer")  200x24+1080+0  +1080+0\n'
        "        0x200026 (has no name): ()  22x22+177+1  +1257+1\n"
    )
    wins = parse_tree(text)
    assert [(w.id, w.name, w.wm_class, w.width) for w in wins] == [
        (0x200003, "panel", ("panel", "trayer"), 200),
        (0x200026, "", (), 22),
    ]


def test_tray_host_docks_a_qt_icon_and_everything_stops(xdisplay_with_tray: XDisplay, tmp_path: Path) -> None:
    x = xdisplay_with_tray
    assert x.panel is not None and x.tray_icons() == []
    lock = Path(f"/tmp/.X11-unix/X{x.display[1:]}")  # the server socket (-displayfd takes no lock file)
    assert lock.exists()
    proc = x.spawn([sys.executable, "-c", TRAY_PROGRAM], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"available"
    icons = x.wait_tray_icons(1, wm_class="kgdisplaytest")
    assert icons[0].width > 0
    window = x.wait_window("^kg-display-test-window$")
    assert x.window_name(window) == "kg-display-test-window"
    shot = x.screenshot(tmp_path / "screen.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    x.stop(proc)
    assert proc.poll() is not None
    assert x.wait_no_window("^kg-display-test-window$")
    x.close()
    assert not lock.exists()
    assert live_group_members(proc.pid) == []  # the program and its session bus are gone


def test_without_tray_host_qt_sees_no_tray(xdisplay: XDisplay) -> None:
    assert xdisplay.panel is None
    proc = xdisplay.spawn([sys.executable, "-c", TRAY_PROGRAM], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"missing"
    xdisplay.wait_window("^kg-display-test-window$")
    assert xdisplay.tray_icons() == []


def test_two_displays_get_different_numbers() -> None:
    from tests.testbed.display import have_xvfb

    if have_xvfb():
        pytest.skip(have_xvfb())
    with XDisplay() as a, XDisplay() as b:
        assert a.display != b.display
