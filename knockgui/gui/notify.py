"""Desktop notifications that open the window when clicked, where Qt's own do not (StatusNotifier desktops).

On KDE, GNOME's AppIndicator, waybar... Qt's D-Bus tray sends ``QSystemTrayIcon.showMessage()`` as an
``org.freedesktop.Notifications.Notify`` without actions, so clicking the notification does nothing and
``messageClicked`` never fires. There the tray sends the notification itself, with a ``default`` action
(what a click on the notification invokes), and shows the window on its ``ActionInvoked``.

It speaks D-Bus with jeepney (keyring's own D-Bus library on Linux, so it is in every Linux install and
in the packaged build): PySide's QtDBus cannot send the ``u`` (uint32) argument that ``Notify`` needs.
jeepney's blocking connection is used without blocking: messages are sent and never waited for, and a
QSocketNotifier reads the replies and signals when they come. Imported and connected when the first
notification is sent (never at start-up).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DEFAULT_ACTION = "default"


class ClickableNotifications(QObject):
    """Sends notifications with a click action on the session bus; ``clicked`` when one of them is clicked."""

    clicked = Signal()

    def __init__(self, conn: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._pending: set[int] = set()  # serials of Notify calls whose reply (the notification's id) is due
        self._ids: set[int] = set()  # our notifications still shown
        self._reader = QSocketNotifier(conn.sock.fileno(), QSocketNotifier.Type.Read, self)
        self._reader.activated.connect(self._read)
        from jeepney import MatchRule, message_bus

        for member in ("ActionInvoked", "NotificationClosed"):
            rule = MatchRule(type="signal", interface=NOTIFICATIONS, path=NOTIFICATIONS_PATH, member=member)
            self._send(message_bus.AddMatch(rule))

    @classmethod
    def open(cls, parent: QObject | None = None) -> ClickableNotifications | None:
        """Connected to the session bus, or None where that cannot be (no jeepney, no bus)."""
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            return None
        try:
            conn = open_dbus_connection(bus="SESSION")
        except Exception:  # no bus address (KeyError), no socket (OSError), a bus that does not answer...
            return None
        return cls(conn, parent)

    def notify(self, app_name: str, summary: str, body: str, warning: bool = False, timeout_ms: int = 8000) -> bool:
        """Send one notification (a click on it emits ``clicked``); False if the bus connection is gone."""
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS, interface=NOTIFICATIONS)
        icon = "dialog-warning" if warning else "dialog-information"  # the icons Qt's own notification names
        actions = [DEFAULT_ACTION, "Open knockgui"]
        hints: dict[str, Any] = {}
        body_args = (app_name, 0, icon, summary, body, actions, hints, timeout_ms)
        serial = self._send(new_method_call(address, "Notify", "susssasa{sv}i", body_args))
        if serial is None:
            return False
        self._pending.add(serial)
        return True

    def close(self) -> None:
        self._reader.setEnabled(False)
        self._conn.close()

    def _send(self, message: Any) -> int | None:
        serial = next(self._conn.outgoing_serial)
        try:
            self._conn.send(message, serial=serial)
        except OSError:
            return None
        return int(serial)

    def _read(self) -> None:
        from jeepney import HeaderFields, MessageType

        while True:
            try:
                msg = self._conn.receive(timeout=0)
            except TimeoutError:
                return  # nothing more yet
            except (OSError, ValueError):  # the bus went away, or sent what jeepney cannot read
                self._reader.setEnabled(False)
                return
            kind = msg.header.message_type
            if kind in (MessageType.method_return, MessageType.error):
                serial = msg.header.fields.get(HeaderFields.reply_serial)
                if serial in self._pending:
                    self._pending.discard(serial)
                    if kind == MessageType.method_return and msg.body:
                        self._ids.add(int(msg.body[0]))
            elif kind == MessageType.signal and msg.header.fields.get(HeaderFields.interface) == NOTIFICATIONS:
                member = msg.header.fields.get(HeaderFields.member)
                if member == "ActionInvoked" and msg.body[0] in self._ids and msg.body[1] == DEFAULT_ACTION:
                    self.clicked.emit()
                elif member == "NotificationClosed":
                    self._ids.discard(msg.body[0])
