"""The system tray: quick knock from a menu, the knock's state on the icon, its result as a notification.

The menu always matches the inventory: the routers used most recently first (under a "Recent" heading),
then every router by group (a submenu per group, its entries built when it first opens), each router a
submenu with "Knock && connect" (its default action) and "Knock only"; then Open window and Quit
(:mod:`knockgui.gui.tray_menu`). It is rebuilt when what it shows changes (the window's list is
reloaded, a knock changes the recent list) and checked again when it opens (``aboutToShow``), where it
is rebuilt only if something changed; a knock that runs disables that router's entries in place. On a
StatusNotifier tray (KDE, GNOME's AppIndicator, waybar...) Qt exports the menu over D-Bus (dbusmenu):
the host reads the layout ahead, asks ``AboutToShow`` when it opens a menu (Qt always answers "no
update needed", and announces entries added meanwhile with ``LayoutUpdated``) and sends the chosen
entry's id back. Rebuilding there on every opening gave every entry new ids, sent dozens of
``LayoutUpdated`` signals and kept each replaced submenu alive, so the menu is kept current ahead
instead, its ids stay stable while nothing changes, and replaced submenus are deleted.

A knock from the tray (or from a second start, a link) runs through the main window's own path,
``window.start_knock(router, launch)`` and its worker pool, so the window's Result column shows it
too; the tray listens to the same runner's reports. The icon shows that a knock runs and how the last
one ended (icon and tooltip); the result also comes as a notification:
"MikroTik-Office: Winbox port open in 40 ms, launching Winbox" or the failure sentence.

Where no tray exists (GNOME without the AppIndicator extension) :func:`tray_available` is False: the app
says so once in the status bar and closing the window quits. ``close_to_tray`` and
``start_minimised`` are settings (``knockgui.core.settings``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from knockgui import APP_NAME
from knockgui.core.errors import KnockguiError
from knockgui.core.model import SERVICE_LABELS, Router
from knockgui.core.readfile import read_regular
from knockgui.gui.application import KnockguiApplication
from knockgui.gui.tray_menu import TrayMenu, first_menu_action
from knockgui.gui.tray_presence import NO_TRAY_MESSAGE, install_no_tray_notice, status_notifier_host, tray_available

if TYPE_CHECKING:
    from knockgui.gui.notify import ClickableNotifications

RECENT_FILE = "recent.json"
RECENT_MAX = 5


class TrayState(Enum):
    IDLE = "idle"
    BUSY = "busy"
    OK = "ok"
    FAILED = "failed"


STATE_COLOURS = {TrayState.BUSY: "#e0a000", TrayState.OK: "#1b9e3e", TrayState.FAILED: "#c62828"}


class KnockWindow(Protocol):
    """What the tray needs of the main window (knockgui.gui.main_window.MainWindow has it)."""

    inventory: Any
    settings: Any
    runner: Any

    def start_knock(self, router: Router, launch: bool = True, service: str | None = None) -> bool: ...

    def knock_group(self, group: str | None = None) -> int: ...


# --- texts -------------------------------------------------------------------------------------------
def _state_name(check: object) -> str:
    raw = getattr(check, "state", "")
    return str(getattr(raw, "name", raw)).upper()


def _ms(latency: float) -> str:
    return f"{latency:.1f}" if latency < 1 else f"{latency:.0f}"


def notification_text(router: Router, result: object) -> tuple[str, bool]:
    """The notification for a finished knock (a ConnectResult or a KnockResult) and whether it succeeded.

    ``MikroTik-Office: Winbox port open in 40 ms, launching Winbox``; on failure the result's sentence.
    """
    knock = getattr(result, "knock", result)
    check = getattr(knock, "check", None)
    plan_kind = getattr(getattr(result, "service", None), "kind", router.service)
    service = SERVICE_LABELS.get(plan_kind, "service")
    launched = getattr(result, "launched", None)
    ok = bool(getattr(result, "was_successful", lambda: False)())
    if ok and check is not None and _state_name(check) == "OPEN":
        latency = getattr(check, "latency_ms", None)
        text = f"{service} port open" + (f" in {_ms(latency)} ms" if latency is not None else "")
        if launched is not None:
            label = getattr(launched, "label", "") or service
            if label.startswith("The "):  # "The browser" starts error sentences; here it is mid-sentence
                label = "t" + label[1:]
            text += f", launching {label}"
        until = getattr(result, "open_until", None)
        if until is not None:
            text += f"; open until {until.clock()}"
        return f"{router.name}: {text}", True
    if ok:
        steps = getattr(knock, "steps_sent", 0)
        return f"{router.name}: knocked ({steps} step{'s' if steps != 1 else ''} sent)", True
    message = str(getattr(result, "message", "") or getattr(knock, "message", "") or "the knock failed")
    return f"{router.name}: {message}", False


# --- recently used -----------------------------------------------------------------------------------
class RecentRouters:
    """Router ids used most recently, newest first, in ``recent.json`` beside the inventory (no secrets)."""

    def __init__(self, config_dir: Path | None, limit: int = RECENT_MAX) -> None:
        self.path = config_dir / RECENT_FILE if config_dir is not None else None
        self.limit = limit
        self.ids: list[str] = []
        if self.path is not None:
            try:
                data = json.loads(read_regular(self.path, 1024 * 1024).decode("utf-8"))
                if isinstance(data, list):
                    self.ids = [i for i in data if isinstance(i, str)][: self.limit]
            except (OSError, KnockguiError, ValueError, RecursionError):
                self.ids = []

    def note(self, router_id: str) -> None:
        self.ids = [router_id, *(i for i in self.ids if i != router_id)][: self.limit]
        if self.path is None:
            return
        try:
            tmp = self.path.with_name(RECENT_FILE + ".tmp")
            tmp.write_text(json.dumps(self.ids), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # the order of a menu is not worth an error

    def pick(self, routers: list[Router]) -> list[Router]:
        by_id = {r.id: r for r in routers}
        return [by_id[i] for i in self.ids if i in by_id]


# --- icons -------------------------------------------------------------------------------------------
def state_icon(state: TrayState) -> QIcon:
    """The app icon with a coloured dot for busy / ok / failed."""
    from knockgui.core import resources

    base = QPixmap(str(resources.icon_png_path(64))) if resources.exists("knockgui-64.png") else QPixmap()
    if base.isNull():
        base = QPixmap(64, 64)
        base.fill(QColor("#37474f"))
    colour = STATE_COLOURS.get(state)
    if colour is None:
        return QIcon(base)
    pixmap = base.scaled(64, 64)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("white"))
    painter.setBrush(QColor(colour))
    painter.drawEllipse(34, 34, 28, 28)
    painter.end()
    return QIcon(pixmap)


# --- the tray ----------------------------------------------------------------------------------------
class Tray(QObject):
    """The tray icon of one main window. ``icon`` is the QSystemTrayIcon; ``menu`` its context menu."""

    def __init__(
        self,
        window: QWidget,
        config_dir: Path | None = None,
        *,
        on_quit: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        app = QApplication.instance()
        if not isinstance(app, KnockguiApplication):  # a programming error: knockgui.gui.app.main makes one
            raise TypeError("knockgui's tray needs a KnockguiApplication (knockgui.gui.application) to see quits.")
        super().__init__(parent)
        self.window = window
        self.knocker: KnockWindow = window  # type: ignore[assignment]
        self.recent = RecentRouters(config_dir)
        self.on_quit = on_quit or QApplication.quit
        self.quitting = False
        self.state = TrayState.IDLE
        self.last_message = ""
        self._notify: set[str] = set()
        self._clickable: ClickableNotifications | None = None
        self._clickable_checked = False
        self._icons: dict[TrayState, QIcon] = {}  # painted when first shown (see _icon)
        self._running_seen: set[str] = set()  # knocks whose first progress report came
        self._refresh = QTimer(self)  # a change seen inside a signal: refresh once the event loop is back
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self.refresh_menu)

        self.menus = TrayMenu(
            self.routers,
            self.recent.pick,
            self.knocker.runner,
            self.knock,
            self.show_window,
            self.quit,
            knock_group=self.knock_group,
        )
        self.menu = self.menus.menu
        self.menu.aboutToShow.connect(self.refresh_menu)
        self.icon = QSystemTrayIcon(self._icon(TrayState.IDLE), self)
        self.icon.setToolTip(APP_NAME)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.messageClicked.connect(self.show_window)

        runner = self.knocker.runner
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        model = getattr(window, "model", None)
        for name in ("modelReset", "rowsInserted", "rowsRemoved"):  # the window reloaded its list
            signal = getattr(model, name, None)
            if signal is not None:
                signal.connect(self.schedule_refresh)
        self.rebuild_menu()
        window.installEventFilter(self)  # close to tray (see eventFilter)
        app.quit_requested.connect(self._on_quit_requested)  # before Qt closes the window (see eventFilter)

    def _icon(self, state: TrayState) -> QIcon:
        if state not in self._icons:
            self._icons[state] = state_icon(state)
        return self._icons[state]

    # --- visibility ----------------------------------------------------------------------------
    def show(self) -> None:
        self.icon.show()

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.show_window()

    def quit(self) -> None:
        self.quitting = True
        self.icon.hide()
        self.window.close()
        self.on_quit()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.toggle_window()

    def _on_quit_requested(self) -> None:
        self.quitting = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Close to tray: while the tray shows and the setting is on, closing the window hides it.

        A quit of the application (``QApplication.quit()`` from SIGTERM, logout, Cmd+Q) first closes every
        visible window and gives up at the first that refuses (a window still open then keeps the program
        running): the application's ``quit_requested`` comes before that (:mod:`knockgui.gui.application`),
        and from then on closing is let through.
        """
        if watched is self.window and not self.quitting and event.type() == QEvent.Type.Close:
            settings = getattr(self.knocker, "settings", None)
            if getattr(settings, "close_to_tray", False) and self.icon.isVisible():
                event.ignore()
                self.window.hide()
                return True
        return False

    # --- menu ----------------------------------------------------------------------------------
    def routers(self) -> list[Router]:
        return list(self.knocker.inventory.routers)

    def schedule_refresh(self, *_args: object) -> None:
        """Refresh the menu once control is back in the event loop (never inside one of its own signals)."""
        self._refresh.start()

    def refresh_menu(self) -> bool:
        """Rebuild the menu if what it shows changed, else only its entries' enabled state; True if rebuilt.

        Called when the menu opens (``aboutToShow``) and after changes, so a StatusNotifier host that
        read the menu ahead has the current one, with the same ids while nothing changed.
        """
        reload = getattr(self.window, "reload_if_changed", None)
        if callable(reload):
            reload()  # another program (the CLI) may have changed the list while knockgui sat in the tray
        self._refresh.stop()
        return self.menus.refresh()

    def rebuild_menu(self) -> None:
        """Recent routers, then routers by group, then Open window and Quit (see :meth:`refresh_menu`)."""
        self.menus.rebuild()

    # --- knocking ------------------------------------------------------------------------------
    def knock_group(self, group: str) -> int:
        """Knock (and check) every router of ``group`` through the window; the result of each comes back
        as for any knock from the tray."""
        started: int = self.knocker.knock_group(group)
        if started:
            self._set_state(TrayState.BUSY, f'knocking {started} routers of "{group}"…')
        return started

    def knock(self, router_id: str, launch: bool = True, service: str | None = None) -> bool:
        """Knock (and connect) through the window's own path; the result comes back as a notification."""
        router = next((r for r in self.routers() if r.id == router_id), None)
        if router is None:
            self._set_state(TrayState.FAILED, "That router is no longer in the inventory.")
            return False
        return self.start(router, launch, service)

    def start(self, router: Router, launch: bool = True, service: str | None = None) -> bool:
        self.recent.note(router.id)
        started = self.knocker.start_knock(router, launch, service)
        if started:
            self._notify.add(router.id)
            self._set_state(TrayState.BUSY, f"knocking on {router.name}…")
        self.schedule_refresh()  # the recent list changed; the router's entries are disabled while it runs
        return started

    def _router(self, key: str) -> Router | None:
        return next((r for r in self.routers() if r.id == key), None)

    def _wants_notification(self, key: str) -> bool:
        asked = key in self._notify
        self._notify.discard(key)
        return asked or not self.window.isVisible() or self.window.isMinimized()

    def _on_progress(self, key: str, _event: object) -> None:
        router = self._router(key)
        if router is not None and self.state is not TrayState.BUSY:
            self._set_state(TrayState.BUSY, f"knocking on {router.name}…")
        if router is not None and key not in self._running_seen:
            self._running_seen.add(key)  # a knock started elsewhere (the window): disable its entries ahead
            self.schedule_refresh()

    def _on_finished(self, key: str, result: object) -> None:
        router = self._router(key)
        if router is None:
            return  # not a router's task (the keyring check)
        self.recent.note(router.id)
        text, ok = notification_text(router, result)
        self._done(key, text, TrayState.OK if ok else TrayState.FAILED)

    def _on_failed(self, key: str, message: str) -> None:
        router = self._router(key)
        if router is not None:
            self._done(key, f"{router.name}: {message}", TrayState.FAILED)

    def _on_cancelled(self, key: str) -> None:
        router = self._router(key)
        if router is not None:
            self._done(key, f"{router.name}: the knock was cancelled", TrayState.IDLE)

    def _done(self, key: str, text: str, state: TrayState) -> None:
        self._running_seen.discard(key)
        self.schedule_refresh()
        notify = self._wants_notification(key)
        still = [k for k in self.knocker.runner.running() if self._router(k) is not None and k != key]
        self._set_state(TrayState.BUSY if still else state, text)
        if notify:
            self.last_message = text
            if self.icon.isVisible():
                self._show_message(text, warning=state is TrayState.FAILED)

    def _show_message(self, text: str, warning: bool) -> None:
        """The notification; a click on it shows the window (on StatusNotifier desktops: see gui/notify.py)."""
        clickable = self._clickable_notifications()
        if clickable is not None and clickable.notify(APP_NAME, APP_NAME, text, warning=warning):
            return
        kind = QSystemTrayIcon.MessageIcon
        self.icon.showMessage(APP_NAME, text, kind.Warning if warning else kind.Information, 8000)

    def _clickable_notifications(self) -> ClickableNotifications | None:
        """Where Qt's tray is its D-Bus one (a StatusNotifier watcher on the session bus), notifications of
        our own with a click action; elsewhere (XEmbed, Windows, macOS) Qt's, whose click Qt reports."""
        if not self._clickable_checked:
            self._clickable_checked = True
            if sys.platform not in ("win32", "darwin") and status_notifier_host() is not None:
                from knockgui.gui.notify import ClickableNotifications

                self._clickable = ClickableNotifications.open(self)
                if self._clickable is not None:
                    self._clickable.clicked.connect(self.show_window)
        return self._clickable

    def _set_state(self, state: TrayState, text: str) -> None:
        self.state = state
        self.icon.setIcon(self._icon(state))
        self.icon.setToolTip(f"{APP_NAME}: {text}" if text else APP_NAME)


__all__ = [
    "NO_TRAY_MESSAGE",
    "RecentRouters",
    "Tray",
    "TrayState",
    "first_menu_action",
    "install_no_tray_notice",
    "notification_text",
    "state_icon",
    "tray_available",
]
