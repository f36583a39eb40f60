"""The tray menu is kept current ahead and left alone when it opens unchanged (what a dbusmenu host needs).

In process (offscreen): opening the menu with nothing changed keeps every entry (same objects, so the same
dbusmenu ids); a list reload rebuilds it without opening it; replaced submenus are deleted, not kept.
The same behaviour over D-Bus with a real tray host: tests/gui/test_tray_sni.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from knockgui.core.model import Router
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.gui.main_window import MainWindow
from knockgui.gui.tray import Tray
from knockgui.gui.tray_menu import submenus
from tests.gui.conftest import make_inventory

SEED = "1337:tcp 17954:udp"


def _submenus(tray: Tray) -> list[QMenu]:
    QCoreApplication.sendPostedEvents(None, int(QEvent.Type.DeferredDelete.value))  # run deleteLater()
    return tray.menu.findChildren(QMenu)


def _shown(menu: QMenu) -> list[QMenu]:
    """Every submenu reachable from the menu's entries."""
    out = []
    subs = submenus(menu)
    for action in menu.actions():
        sub = subs.get(action)
        if sub is not None:
            out += [sub, *_shown(sub)]
    return out


def _group(tray: Tray, name: str) -> QMenu:
    """The group's submenu in the menu as it is now (a replaced one may still wait for its deletion)."""
    subs = submenus(tray.menu)
    [menu] = [subs[a] for a in tray.menu.actions() if a in subs and subs[a].objectName() == f"group:{name}"]
    return menu


def test_the_menu_is_kept_current_ahead_and_unchanged_when_it_opens(qtbot: QtBot, config_dir: Path) -> None:
    routers = [
        (Router(name="alpha", host="192.0.2.1", group="north"), SEED),
        (Router(name="zulu", host="192.0.2.2"), SEED),
    ]
    window = MainWindow(make_inventory(config_dir, routers), Settings(), config_dir)
    qtbot.addWidget(window)
    tray = Tray(window, config_dir)
    before = tray.menu.actions()
    _group(tray, "north").aboutToShow.emit()  # its entries are built when it first opens
    subs = _submenus(tray)
    assert (
        sorted(map(id, subs)) == sorted(map(id, _shown(tray.menu))) and len(subs) == 4
    )  # north, alpha, zulu, Knock group
    # Opening it with nothing changed: no rebuild, the very same entries.
    tray.menu.aboutToShow.emit()
    assert tray.menu.actions() == before
    assert tray.refresh_menu() is False
    # A router added and the window's list reloaded: the menu follows without being opened ...
    window.inventory.add(Router(name="bravo", host="192.0.2.3", group="north"), RouterSecret(parse_sequence(SEED)))
    window.refresh()
    bravo = f"router:{window.inventory.find('bravo').id}"
    qtbot.waitUntil(lambda: tray.menu.actions() != before)
    assert bravo not in [sub.objectName() for sub in _shown(tray.menu)]  # a new, unopened north
    _group(tray, "north").aboutToShow.emit()
    assert bravo in [sub.objectName() for sub in _shown(tray.menu)]
    # ... and the replaced submenus are gone (QMenu.clear() leaves them; each stayed exported over D-Bus).
    subs = _submenus(tray)
    assert (
        sorted(map(id, subs)) == sorted(map(id, _shown(tray.menu))) and len(subs) == 5
    )  # north, alpha, bravo, zulu, Knock group
    # Opening it many times changes nothing and leaks nothing.
    for _ in range(5):
        tray.menu.aboutToShow.emit()
    assert len(_submenus(tray)) == 5
    tray.icon.hide()


def test_a_running_knock_disables_its_entries_in_place(
    qtbot: QtBot, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = MainWindow(
        make_inventory(config_dir, [(Router(name="alpha", host="127.0.0.1"), SEED)]), Settings(), config_dir
    )
    qtbot.addWidget(window)
    tray = Tray(window, config_dir)
    alpha = window.inventory.find("alpha")
    [sub] = _shown(tray.menu)
    entries = sub.actions()
    assert [a.text() for a in entries] == ["Knock && connect", "Knock only"] and all(a.isEnabled() for a in entries)
    monkeypatch.setattr(window.runner, "running", lambda: [alpha.id])
    assert tray.refresh_menu() is False  # nothing the menu shows changed: no rebuild ...
    assert sub.actions() == entries and not any(a.isEnabled() for a in entries)  # ... the same entries, disabled
    monkeypatch.setattr(window.runner, "running", lambda: [])
    tray.menu.aboutToShow.emit()
    assert sub.actions() == entries and all(a.isEnabled() for a in entries)
    tray.icon.hide()


def test_opening_the_menu_shows_routers_another_program_added(qtbot: QtBot, config_dir: Path) -> None:
    window = MainWindow(
        make_inventory(config_dir, [(Router(name="alpha", host="192.0.2.1"), SEED)]), Settings(), config_dir
    )
    qtbot.addWidget(window)
    tray = Tray(window, config_dir)
    assert "bravo" not in [a.text() for a in tray.menu.actions()]
    make_inventory(config_dir, [(Router(name="bravo", host="192.0.2.2"), SEED)])  # the CLI, with the window hidden
    tray.menu.aboutToShow.emit()  # the menu opens
    assert [a.text() for a in tray.menu.actions()][:2] == ["alpha", "bravo"]
    assert window.model.rowCount() == 2  # the window's list followed too
