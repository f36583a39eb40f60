"""Whether this desktop has a system tray, and the notice shown when it has none.

Kept apart from :mod:`knockgui.gui.tray` so a start-up without a tray never loads the tray's menus and
icon painting before the window's first paint (``knockgui.gui.quick.attach`` imports the tray only
where one exists).

On Linux desktops with a StatusNotifier tray (KDE, GNOME's AppIndicator extension, waybar...) Qt uses the
D-Bus tray whenever an ``org.kde.StatusNotifierWatcher`` is on the session bus, and reports a tray even
when no host (no panel) is registered with that watcher: the icon would then show nowhere and closing the
window would hide it for good. So where a watcher answers that no host is registered, there is no tray.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QSystemTrayIcon, QWidget

NO_TRAY_MESSAGE = (
    "No system tray on this desktop (on GNOME, install the AppIndicator extension): closing the window quits knockgui."
)


WATCHER = "org.kde.StatusNotifierWatcher"


def tray_available() -> bool:
    """Whether an icon in the tray would show: Qt says so, and no StatusNotifier watcher says it has no host."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return False
    if sys.platform in ("win32", "darwin"):
        return True
    return status_notifier_host() is not False


def status_notifier_host() -> bool | None:
    """The session bus's StatusNotifierWatcher's IsStatusNotifierHostRegistered; None without an answer."""
    from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return None
    ask = QDBusMessage.createMethodCall(WATCHER, "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties", "Get")
    ask.setArguments([WATCHER, "IsStatusNotifierHostRegistered"])
    reply = bus.call(ask, QDBus.CallMode.Block, 2000)  # a local daemon answers at once; a hung one costs 2 s
    values = reply.arguments()
    if reply.errorName() or len(values) != 1:
        return None  # no watcher (an XEmbed tray), or one that does not tell
    value = values[0]
    value = value.variant() if hasattr(value, "variant") else value
    return value if isinstance(value, bool) else None


def install_no_tray_notice(window: QWidget) -> None:
    """Say once that there is no tray; the window then quits on close (Qt's default)."""
    status = getattr(window, "statusBar", None)
    if callable(status):
        status().showMessage(NO_TRAY_MESSAGE)
    window.setProperty("knockgui_no_tray", True)
