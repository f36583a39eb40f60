"""A quit of the application is never vetoed by "close to tray" (knockgui.gui.application).

Closing the window with the tray shown hides it; ``QApplication.quit()`` (SIGTERM, SIGINT, logout,
Cmd+Q) closes it and ends the program: the application's ``quit_requested`` tells the tray first. Qt
closes every visible window on a quit and gives up at the first that refuses: a refused close hides the
main window, but any other window still open (a notification balloon, a parentless dialog) then keeps
the program running. Tested in this process (pytest-qt's application is a KnockguiApplication:
tests/conftest.py ``qapp_cls``) and in the real ``knockgui`` program on a display with a tray host
(SIGTERM as a session manager or ``kill`` sends it); a tray under a plain QApplication is refused with
a sentence rather than left to veto quits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from knockgui.core.settings import Settings
from knockgui.gui.application import KnockguiApplication
from knockgui.gui.main_window import MainWindow
from knockgui.gui.tray import Tray
from tests.gui.conftest import make_inventory
from tests.testbed.display import XDisplay
from tests.testbed.sni import close_window

SAFETY_EXIT = 99
WINDOW = r"^knockgui — "


def _exec(app: QApplication, action: Callable[[], object]) -> int:
    """Run the real event loop, do ``action`` inside it; 99 if the loop did not end within 3 s."""
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: app.exit(SAFETY_EXIT))
    safety.start(3000)
    QTimer.singleShot(50, action)
    try:
        return app.exec()
    finally:
        safety.stop()  # pending, it would end a later test's event loop (app.exit ends every running loop)


class CloseSeen(QObject):
    """Records the Close events a window really gets: installed before the tray's filter, it runs after it
    (Qt calls the filters installed last first), so it sees a close only if close to tray let it through."""

    def __init__(self) -> None:
        super().__init__()
        self.closes = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.closes += 1
        return False


@pytest.mark.qt_log_ignore("systemTrayWindowChanged", "does not support raise")  # offscreen: no tray, no raise
def test_a_quit_closes_the_window_that_closing_only_hides_to_the_tray(qtbot: QtBot, config_dir: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, KnockguiApplication)
    window = MainWindow(make_inventory(config_dir), Settings(close_to_tray=True), config_dir)
    qtbot.addWidget(window)
    seen = CloseSeen()
    window.installEventFilter(seen)
    tray = Tray(window, config_dir, on_quit=app.quit, parent=window)
    tray.show()
    assert tray.icon.isVisible()
    other = QLabel("another top-level window, as a notification balloon or a parentless dialog")
    qtbot.addWidget(other)
    app.setQuitOnLastWindowClosed(False)  # as knockgui.gui.quick.attach does with a tray
    try:
        window.show()
        qtbot.waitExposed(window)
        assert _exec(app, window.close) == SAFETY_EXIT  # closing only hid the window: the loop ran on
        assert not window.isVisible() and seen.closes == 0 and not tray.quitting
        tray.show_window()
        other.show()
        with qtbot.waitSignal(app.quit_requested, timeout=5000):
            # Qt closes every visible window and gives up if one refuses; a refused close hides the main
            # window, but stops the closing there: a window not closed yet would keep the program running.
            assert _exec(app, app.quit) == 0  # the quit closed the windows and ended the loop
        assert seen.closes == 1  # the main window was closed (its closeEvent ran), not hidden
        assert tray.quitting and not window.isVisible() and not other.isVisible()
    finally:
        tray.icon.hide()
        app.setQuitOnLastWindowClosed(True)


PLAIN = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui.main_window import MainWindow
from knockgui.gui.tray import Tray

app = QApplication([])
folder = Path(sys.argv[1])
window = MainWindow(Inventory.open(folder, MemorySecretStore()), Settings(), folder)
try:
    Tray(window, folder)
except TypeError as exc:
    print(exc)
"""


def test_a_tray_under_a_plain_qapplication_is_refused(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    out = subprocess.run(
        [sys.executable, "-c", PLAIN, str(config_dir)], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout == "knockgui's tray needs a KnockguiApplication (knockgui.gui.application) to see quits.\n"


@pytest.mark.xvfb
@pytest.mark.slow
def test_sigterm_ends_the_real_program_with_close_to_tray(xdisplay_with_tray: XDisplay, config_dir: Path) -> None:
    """The whole path in the program: the signal handler, the quit, the tray letting the window close, exit 0.

    (With only the main window open Qt would end the loop even if the tray refused the close, since a
    refused close hides the window: the test above covers the refusal with another window open.)
    """
    x = xdisplay_with_tray
    assert Settings().close_to_tray  # the default: closing the window hides it in the tray
    proc = x.spawn([sys.executable, "-m", "knockgui", "--config-dir", str(config_dir)], stderr=subprocess.PIPE)
    window = x.wait_window(WINDOW, timeout=30)
    x.wait_tray_icons(1)  # the tray is there (it comes after the first paint)
    pid = int(x.xdotool("getwindowpid", str(window)))
    assert pid != proc.pid  # knockgui itself, not its dbus-run-session
    # A window manager's close hides the window: the program goes on in the tray ...
    close_window(x.display, window)
    assert x.wait_no_window(WINDOW)
    assert proc.poll() is None
    # ... a click on its tray icon shows it again (Qt closes only visible windows on a quit: this one is).
    icon = x.wait_tray_icons(1)[0]
    x.xdotool("mousemove", "--window", str(icon.id), "5", "5")
    x.xdotool("click", "1")
    assert x.wait_window(WINDOW) == window
    # ... SIGTERM (a session ending, systemd, kill) ends it, cleanly, instead of being vetoed by the window.
    os.kill(pid, signal.SIGTERM)
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("knockgui still runs 15 s after SIGTERM: close to tray vetoed the quit")
    assert code == 0  # dbus-run-session's code is knockgui's
    assert proc.stderr is not None
    assert b"Traceback" not in proc.stderr.read()
