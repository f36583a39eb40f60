"""The tray menu builds a group's router entries when that group first opens (offscreen, in process).

Start-up builds only the recent routers, one empty submenu per group and the few ungrouped routers; a
group's ``aboutToShow`` fills it (once), its entries knock through the window's own path, and the
running state holds for entries built later. Over D-Bus with the real tray host: tests/gui/test_tray_sni.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui.main_window import MainWindow
from knockgui.gui.tray import RecentRouters, Tray
from knockgui.gui.tray_menu import OTHER_ROUTERS, UNGROUPED_AT_TOP, submenus

SECRET = RouterSecret(parse_sequence("1337:tcp 17954:udp"))


def _window(qtbot: QtBot, config_dir: Path, routers: list[Router]) -> MainWindow:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.upsert_many([(router, SECRET) for router in routers])
    window = MainWindow(inventory, Settings(), config_dir)
    qtbot.addWidget(window)
    return window


def _subs(menu: QMenu) -> list[QMenu]:
    """The submenus of ``menu``'s entries (one level)."""
    subs = submenus(menu)
    return [subs[a] for a in menu.actions() if a in subs]


def _group(tray: Tray, name: str) -> QMenu:
    [menu] = [sub for sub in _subs(tray.menu) if sub.objectName() == name]
    return menu


def _all_submenus(tray: Tray) -> list[QMenu]:
    QCoreApplication.sendPostedEvents(None, int(QEvent.Type.DeferredDelete.value))  # run deleteLater()
    return tray.menu.findChildren(QMenu)


def test_a_group_gets_its_entries_when_it_first_opens(
    qtbot: QtBot, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routers = [Router(name=f"r{i:03d}", host=f"192.0.2.{i % 250 + 1}", group=f"site{i % 8}") for i in range(200)]
    routers.append(Router(name="lonely", host="192.0.2.1"))
    window = _window(qtbot, config_dir, routers)
    RecentRouters(config_dir).note(routers[5].id)  # r005, in site5
    started: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        window, "start_knock", lambda router, launch=True, service=None: started.append((router.name, launch)) or True
    )
    tray = Tray(window, config_dir)
    labels = [a.text() for a in tray.menu.actions()]
    assert labels == ["Recent", "r005", "", *(f"site{i}" for i in range(8)), "lonely", "", "Open window", "Quit"]
    # Built at start: the recent router's and the ungrouped router's submenus and an empty one per group,
    # not 201 routers' (each a QMenu and two QActions).
    assert len(_all_submenus(tray)) == 1 + 8 + 1
    site3 = _group(tray, "group:site3")
    assert site3.actions() == []
    site3.aboutToShow.emit()  # what QMenu.popup() does, and what Qt does for dbusmenu's AboutToShow(id)
    names = [a.text() for a in site3.actions()]
    assert names == sorted(r.name for r in routers if r.group == "site3") and len(names) == 25
    entries = site3.actions()
    first = _subs(site3)[0]
    assert [a.text() for a in first.actions()] == ["Knock && connect", "Knock only"]
    assert first.defaultAction() is first.actions()[0]
    # Opening it again keeps the very entries (so the ids a dbusmenu host holds stay valid).
    site3.aboutToShow.emit()
    tray.menu.aboutToShow.emit()
    assert site3.actions() == entries and _group(tray, "group:site3") is site3
    assert len(_all_submenus(tray)) == 1 + 8 + 1 + 25
    # An entry built late knocks through the window's path, as any other.
    first.actions()[1].trigger()
    assert started == [(names[0], False)]
    # The other groups were left alone.
    assert _group(tray, "group:site4").actions() == []
    tray.icon.hide()


def test_running_knocks_disable_entries_built_later(
    qtbot: QtBot, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routers = [Router(name=n, host="192.0.2.1", group="north") for n in ("alpha", "bravo")]
    window = _window(qtbot, config_dir, routers)
    tray = Tray(window, config_dir)
    alpha, bravo = (window.inventory.find(n) for n in ("alpha", "bravo"))
    running: list[str] = [alpha.id]  # alpha's knock started (from the window) before the group ever opened
    monkeypatch.setattr(window.runner, "running", lambda: list(running))
    monkeypatch.setattr(window.runner, "is_running", lambda key: key in running)
    assert tray.refresh_menu() is False
    north = _group(tray, "group:north")
    north.aboutToShow.emit()
    alpha_menu, bravo_menu = _subs(north)

    def enabled() -> tuple[list[bool], list[bool]]:
        return [a.isEnabled() for a in alpha_menu.actions()], [a.isEnabled() for a in bravo_menu.actions()]

    assert enabled() == ([False, False], [True, True])
    # alpha's knock ends and bravo's starts: updated in place, no rebuild.
    running[:] = [bravo.id]
    assert tray.refresh_menu() is False
    assert _subs(north) == [alpha_menu, bravo_menu] and enabled() == ([True, True], [False, False])
    running.clear()
    tray.menu.aboutToShow.emit()
    assert enabled() == ([True, True], [True, True])
    tray.icon.hide()


@pytest.mark.parametrize("count", [UNGROUPED_AT_TOP, UNGROUPED_AT_TOP + 1])
def test_routers_without_a_group_go_into_a_submenu_once_there_are_many(
    qtbot: QtBot, config_dir: Path, count: int
) -> None:
    routers = [Router(name=f"u{i:02d}", host="192.0.2.1") for i in reversed(range(count))]
    routers.append(Router(name="grouped", host="192.0.2.2", group="lab"))
    window = _window(qtbot, config_dir, routers)
    tray = Tray(window, config_dir)
    labels = [a.text() for a in tray.menu.actions()]
    names = [f"u{i:02d}" for i in range(count)]
    if count <= UNGROUPED_AT_TOP:
        assert labels == ["lab", *names, "", "Open window", "Quit"]  # few: at the top level, built at once
    else:
        assert labels == ["lab", OTHER_ROUTERS, "", "Open window", "Quit"]
        other = _group(tray, "ungrouped")
        assert other.actions() == []
        other.aboutToShow.emit()
        assert [a.text() for a in other.actions()] == names
    tray.icon.hide()


def test_a_rebuild_after_opened_groups_leaks_no_submenu(qtbot: QtBot, config_dir: Path) -> None:
    routers = [Router(name=f"r{i}", host="192.0.2.1", group=f"g{i % 3}") for i in range(9)]
    window = _window(qtbot, config_dir, routers)
    tray = Tray(window, config_dir)
    for sub in _subs(tray.menu):
        sub.aboutToShow.emit()
    assert len(_all_submenus(tray)) == 3 + 9
    before = tray.menu.actions()
    window.inventory.add(Router(name="new", host="192.0.2.9", group="g0"), SECRET)
    window.refresh()
    qtbot.waitUntil(lambda: tray.menu.actions() != before)  # rebuilt, without being opened
    assert len(_all_submenus(tray)) == 3  # the filled groups were deleted with their entries; none opened yet
    assert sorted(map(id, _all_submenus(tray))) == sorted(map(id, _subs(tray.menu)))
    tray.icon.hide()


def test_a_router_with_several_services_has_connect_with_in_the_tray(
    qtbot: QtBot, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = (ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, 2222), ServiceSpec(Service.WEBFIG_HTTPS))
    window = _window(
        qtbot, config_dir, [Router(name="HQ", host="192.0.2.9", services=services), Router("One", "192.0.2.8")]
    )
    started: list[tuple[str, bool, str | None]] = []
    monkeypatch.setattr(
        window,
        "start_knock",
        lambda router, launch=True, service=None: started.append((router.name, launch, service)) or True,
    )
    tray = Tray(window, config_dir)
    hq, one = (sub for sub in _subs(tray.menu) if sub.objectName().startswith("router:"))
    assert [a.text() for a in hq.actions()] == ["Knock && connect", "Knock only", "Connect with"]
    assert [a.text() for a in one.actions()] == ["Knock && connect", "Knock only"]  # one service: no submenu
    [with_menu] = _subs(hq)
    assert [a.text() for a in with_menu.actions()] == [
        "Winbox (port 8291)",
        "SSH (port 2222)",
        "WebFig (https) (port 443)",
    ]
    with_menu.actions()[1].trigger()
    hq.defaultAction().trigger()
    assert started == [("HQ", True, "ssh:2222"), ("HQ", True, None)]
    tray.icon.hide()
