"""Whether this desktop has a system tray, and the notice shown when it has none.

Kept apart from :mod:`knockgui.gui.tray` so a start-up without a tray never loads the tray's menus and
icon painting before the window's first paint (``knockgui.gui.quick.attach`` imports the tray only
where one exists).
"""

from __future__ import annotations

from PySide6.QtWidgets import QSystemTrayIcon, QWidget

NO_TRAY_MESSAGE = (
    "No system tray on this desktop (on GNOME, install the AppIndicator extension): closing the window quits knockgui."
)


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


def install_no_tray_notice(window: QWidget) -> None:
    """Say once that there is no tray; the window then quits on close (Qt's default)."""
    status = getattr(window, "statusBar", None)
    if callable(status):
        status().showMessage(NO_TRAY_MESSAGE)
    window.setProperty("knockgui_no_tray", True)
