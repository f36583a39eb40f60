"""Tray cases on a real X display (xcb). Not collected on their own: tests/gui/test_tray_xcb.py runs them
in a child pytest on a private Xvfb (with or without trayer as the tray host), because a process has one
QApplication and the rest of the suite makes it offscreen.

With a tray host: the icon docks in trayer's panel, the menu is rebuilt on aboutToShow and lists the
routers (recent first, then groups), its "Knock & connect" knocks the namespace router and starts the
stand-in Winbox, the notification says so, Knock only does not launch, a failure says why, closing the
window hides it. Without a tray host: the app says so once and closing the window quits.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from knockgui.core.model import Router
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.gui.main_window import MainWindow
from knockgui.gui.quick import Claim, attach
from knockgui.gui.single_instance import Request
from knockgui.gui.tray import NO_TRAY_MESSAGE, Tray, TrayState, first_menu_action
from knockgui.gui.tray_menu import submenus
from tests.gui.conftest import make_inventory
from tests.testbed import recorder
from tests.testbed.display import docked_icons
from tests.testbed.netns import NamespaceRouter
from tests.testbed.routers import make_router

SEED = "1337:tcp 17954:udp"


def _window(qtbot: QtBot, config_dir: Path, routers: list[tuple[Router, str]], **settings: object) -> MainWindow:
    inventory = make_inventory(config_dir, routers)
    window = MainWindow(inventory, Settings(default_timeout_s=2.0, **settings), config_dir)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window


def _open_menu(qtbot: QtBot, tray: Tray) -> QMenu:
    """Open the tray menu for real (aboutToShow rebuilds it), then close it."""
    tray.menu.popup(QPoint(20, 20))
    qtbot.waitUntil(tray.menu.isVisible, timeout=5000)
    tray.menu.hide()
    return tray.menu


def _titles(menu: QMenu) -> list[str]:
    subs = submenus(menu)
    return [a.text() for a in menu.actions() if a.text() or a in subs]


def _open_group(qtbot: QtBot, tray: Tray, group: str) -> QMenu:
    """Open the tray menu, go to the group's entry and press Right (Qt opens its submenu), then close both.

    The group's router entries are built when its submenu first opens (aboutToShow): this is the way a
    person gets them.
    """
    tray.menu.popup(QPoint(20, 20))
    qtbot.waitUntil(tray.menu.isVisible, timeout=5000)
    subs = submenus(tray.menu)
    [action] = [a for a in tray.menu.actions() if a in subs and subs[a].objectName() == f"group:{group}"]
    sub = subs[action]
    tray.menu.setActiveAction(action)
    QTest.keyClick(tray.menu, Qt.Key.Key_Right)
    qtbot.waitUntil(sub.isVisible, timeout=5000)
    assert sub.actions(), f"the {group} submenu opened empty"
    sub.hide()
    tray.menu.hide()
    return sub


def _router_menu(qtbot: QtBot, tray: Tray, router: Router) -> QMenu:
    """The router's submenu: at the top level (recent, ungrouped), or in its group's, opened for real."""
    menus = [tray.menu, _open_group(qtbot, tray, router.group)] if router.group else [tray.menu]
    for menu in menus:
        for sub in submenus(menu).values():
            if sub.objectName() == f"router:{router.id}":
                return sub
    raise AssertionError(f"{router.name} is not in the tray menu")


def _balloon_texts() -> list[str]:
    """Texts of the notification balloons Qt shows on screen (XEmbed trays)."""
    texts = []
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and type(widget).__name__ != "MainWindow":
            texts += [label.text() for label in widget.findChildren(QLabel)]
    return texts


SAFETY_EXIT = 99


def _exec(app: QApplication) -> int:
    """app.exec(), ended with 99 after 3 s if nothing else ends it; the safety timer is stopped after (a
    pending app.exit would end whatever event loop runs next, in a later test)."""
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: app.exit(SAFETY_EXIT))
    safety.start(3000)
    try:
        return app.exec()
    finally:
        safety.stop()


def _exec_closing(app: QApplication, window: QWidget) -> int:
    """Run the real event loop (app.exec), close the window from inside it; 99 if the loop did not end."""
    QTimer.singleShot(50, window.close)
    return _exec(app)


@pytest.fixture
def tray_host(xcb_display: str) -> str:
    if os.environ.get("KNOCKGUI_TRAY_HOST") != "1":
        pytest.skip("runs on a display with trayer (KNOCKGUI_TRAY_HOST=1)")
    return xcb_display


def test_with_tray_the_icon_docks_and_the_menu_follows_the_inventory(
    tray_host: str, qtbot: QtBot, config_dir: Path
) -> None:
    assert QApplication.platformName() == "xcb"
    assert QSystemTrayIcon.isSystemTrayAvailable()
    routers = [
        (Router(name="Zulu", host="127.0.0.1"), SEED),
        (Router(name="alpha", host="127.0.0.2", group="north"), SEED),
        (Router(name="bravo", host="127.0.0.3", group="south"), SEED),
    ]
    window = _window(qtbot, config_dir, routers)
    tray = Tray(window, config_dir)
    tray.show()
    qtbot.waitUntil(lambda: len(docked_icons(tray_host)) == 1, timeout=10000)
    menu = _open_menu(qtbot, tray)
    assert _titles(menu) == ["north", "south", "Zulu", "Knock group", "Open window", "Quit"]
    alpha = window.inventory.find("alpha")
    sub = _router_menu(qtbot, tray, alpha)
    assert [a.text() for a in sub.actions()] == ["Knock && connect", "Knock only"]
    assert sub.defaultAction() is sub.actions()[0]
    # A router added elsewhere appears the next time the menu opens.
    window.inventory.add(Router(name="charlie", host="127.0.0.4", group="north"), RouterSecret(parse_sequence(SEED)))
    north = _open_group(qtbot, tray, "north")
    assert _titles(north) == ["alpha", "charlie"]
    tray.icon.hide()


def test_with_tray_knock_and_connect_knocks_the_namespace_router_and_notifies(
    tray_host: str, qtbot: QtBot, config_dir: Path, seed_router: NamespaceRouter, recorder_bin: tuple[Path, Path]
) -> None:
    _bin, records = recorder_bin
    routers = [
        (Router(name="MikroTik-Office", host=seed_router.router4), SEED),
        # Nothing listens on 8299 in the namespace: its check fails even once this host is let in.
        (make_router(name="Other", host=seed_router.router4, group="lab", port=8299, timeout_s=0.5), SEED),
    ]
    window = _window(qtbot, config_dir, routers)
    window.show()
    tray = Tray(window, config_dir)
    tray.show()
    office = window.inventory.find("MikroTik-Office")
    assert not seed_router.is_open(8291)
    menu = _open_menu(qtbot, tray)
    assert "Recent" not in _titles(menu)
    _router_menu(qtbot, tray, office).defaultAction().trigger()
    assert tray.state is TrayState.BUSY and "knocking on MikroTik-Office" in tray.icon.toolTip()
    qtbot.waitUntil(lambda: len(recorder.records(records)) == 1, timeout=15000)
    qtbot.waitUntil(lambda: tray.state is TrayState.OK, timeout=5000)
    assert recorder.records(records)[0]["argv"] == [seed_router.router4]
    assert seed_router.set_members("safe_4") == [seed_router.host4]
    pattern = r"MikroTik-Office: Winbox port open in \d+(\.\d)? ms, launching Winbox; open until [\d: -]+"
    assert re.fullmatch(pattern, tray.last_message), tray.last_message
    assert re.fullmatch(f"knockgui: {pattern}", tray.icon.toolTip())
    qtbot.waitUntil(lambda: tray.last_message in _balloon_texts(), timeout=5000)
    # The window's own path ran it: its Result column shows the same knock.
    status = window.model.status(office.id)
    assert status is not None and status.text.startswith("open in ")
    # Recently used comes first now.
    menu = _open_menu(qtbot, tray)
    titles = _titles(menu)
    assert titles[:2] == ["Recent", "MikroTik-Office"]
    # Knock only: no second launch; the notification has no "launching".
    only = first_menu_action(_router_menu(qtbot, tray, office), "knock_only")
    assert only is not None
    only.trigger()
    qtbot.waitUntil(lambda: tray.state is not TrayState.BUSY, timeout=15000)
    assert re.fullmatch(
        r"MikroTik-Office: Winbox port open in \d+(\.\d)? ms; open until [\d: -]+", tray.last_message
    ), tray.last_message
    assert len(recorder.records(records)) == 1
    # A port that stays shut: the failure sentence, a failed icon, nothing launched.
    other = window.inventory.find("Other")
    _open_menu(qtbot, tray)
    _router_menu(qtbot, tray, other).defaultAction().trigger()
    qtbot.waitUntil(lambda: tray.state is TrayState.FAILED, timeout=15000)
    assert tray.last_message.startswith("Other: Winbox was not started. Port 8299"), tray.last_message
    assert "knockgui: Other: Winbox was not started." in tray.icon.toolTip()
    assert len(recorder.records(records)) == 1
    tray.icon.hide()


def test_with_tray_closing_hides_and_quit_quits(tray_host: str, qtbot: QtBot, config_dir: Path) -> None:
    window = _window(qtbot, config_dir, [], close_to_tray=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    quits: list[bool] = []
    access = attach(app, window, config_dir, Claim(Request("show")))
    try:
        assert window.isVisible() and access.tray is None  # the window first; the tray once it is painted
        qtbot.waitUntil(lambda: access.tray is not None)
        assert access.tray is not None
        access.tray.on_quit = lambda: quits.append(True)
        assert not app.quitOnLastWindowClosed()
        assert _exec_closing(app, window) == SAFETY_EXIT  # closing only hid it: the loop ran on
        assert not window.isVisible() and access.tray.icon.isVisible() and quits == []
        access.tray.show_window()
        assert window.isVisible()
        # QApplication.quit() (SIGTERM, logout) is not vetoed by close to tray: the loop ends.
        QTimer.singleShot(50, app.quit)
        assert _exec(app) == 0 and not window.isVisible()
        access.tray.quitting = False
        access.tray.show_window()
        quit_action = first_menu_action(_open_menu(qtbot, access.tray), "quit")
        assert quit_action is not None
        quit_action.trigger()
        assert quits == [True] and not window.isVisible()
    finally:
        access.close()
        app.setQuitOnLastWindowClosed(True)


def test_with_tray_start_minimised_stays_in_the_tray(tray_host: str, qtbot: QtBot, config_dir: Path) -> None:
    window = _window(qtbot, config_dir, [], start_minimised=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    access = attach(app, window, config_dir, Claim(Request("show")))
    try:
        assert access.tray is not None and access.tray.icon.isVisible()
        assert not window.isVisible()
    finally:
        access.close()
        app.setQuitOnLastWindowClosed(True)


def test_without_tray_the_window_says_so_and_closing_quits(xcb_display: str, qtbot: QtBot, config_dir: Path) -> None:
    if os.environ.get("KNOCKGUI_TRAY_HOST") != "0":
        pytest.skip("runs on a display without a tray host (KNOCKGUI_TRAY_HOST=0)")
    assert QApplication.platformName() == "xcb"
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    window = _window(qtbot, config_dir, [], close_to_tray=True, start_minimised=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    access = attach(app, window, config_dir, Claim(Request("show")))
    try:
        assert access.tray is None
        assert window.isVisible()  # start minimised without a tray: minimised, never lost
        assert window.statusBar().currentMessage() == NO_TRAY_MESSAGE
        assert app.quitOnLastWindowClosed()
        assert _exec_closing(app, window) == 0  # closing the window ended the event loop
        assert not window.isVisible()
    finally:
        access.close()
