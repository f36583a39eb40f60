"""The tray on a StatusNotifier desktop (KDE, GNOME with AppIndicator, waybar...), end to end with real parts.

A private session bus and Xvfb with the real ``status-notifier-watcher`` and ``gtk-sni-tray-standalone``
(a GTK tray bar that registers as the StatusNotifierHost and reads menus with libdbusmenu); the real
``knockgui --demo`` program (its loopback demo router) with a stand-in ``xdg-open`` that records what it
was asked to open. The test speaks D-Bus (jeepney) as a host does: the watcher's list, the item's
properties, the exported dbusmenu, ``AboutToShow``, ``Event(id, "clicked")`` and ``Activate``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.testbed import recorder
from tests.testbed.sni import Item, MenuNode, SniClient, SniDesktop, close_window, have_sni, wait_until

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]
WINDOW = r"^knockgui demo — "
DEMO = "Demo router (loopback)"
WRONG = "Demo, wrong sequence (loopback)"
GREEN, RED = (255, 0x1B, 0x9E, 0x3E), (255, 0xC6, 0x28, 0x28)  # tray.STATE_COLOURS as ARGB (ok, failed)
TRAY_CHECK = (  # Qt's answer, then knockgui's
    "from PySide6.QtWidgets import QApplication, QSystemTrayIcon\n"
    "from knockgui.gui.tray_presence import tray_available\n"
    "app = QApplication([])\n"
    "print(QSystemTrayIcon.isSystemTrayAvailable(), tray_available())\n"
)


@pytest.fixture(scope="module")
def desktop() -> Iterator[SniDesktop]:
    """Bus, display, watcher, host and dunst, shared by this module's tests (each starts its own knockgui)."""
    need(have_sni(notifications=True))
    with SniDesktop(host=True, notifications=True) as desk:
        yield desk


class Knockgui:
    """One ``knockgui --demo`` process on the desktop, with the recording xdg-open first on PATH."""

    def __init__(self, desk: SniDesktop, tmp_path: Path) -> None:
        self.desk = desk
        bin_dir = recorder.install(tmp_path / "bin", "xdg-open")
        self.records = tmp_path / "records"
        self.records.mkdir()
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "KG_RECORD_DIR": str(self.records)}
        self.proc = desk.spawn([sys.executable, "-m", "knockgui", "--demo"], env=env, stderr=subprocess.PIPE)
        self.window = desk.x.wait_window(WINDOW, timeout=30)

    def item(self) -> Item:
        return self.desk.client.wait_item(self.proc.pid)

    def opened(self) -> list[list[str]]:
        return [r["argv"] for r in recorder.records(self.records)]

    def tooltip(self, item: Item) -> str:
        _icon, _pixmaps, title, text = self.desk.client.item_properties(item)["ToolTip"]
        return f"{title}: {text}" if text else str(title)

    def close(self) -> None:
        self.desk.stop(self.proc)


@pytest.fixture
def knockgui(desktop: SniDesktop, tmp_path: Path) -> Iterator[Knockgui]:
    app = Knockgui(desktop, tmp_path)
    yield app
    app.close()


def _ids(root: MenuNode) -> list[int]:
    return [node.id for node in root.walk()]


def _open(client: SniClient, item: Item, *labels: str) -> MenuNode:
    """Follow ``labels`` down the menu as a host does: AboutToShow on each submenu, then the layout again."""
    _rev, root = client.layout(item)
    for depth in range(1, len(labels) + 1):
        node = root.find(*labels[:depth])
        if node.props.get("children-display") == "submenu":
            client.about_to_show(item, node.id)
            _rev, root = client.layout(item)
    return root.find(*labels)


def _dot(props: dict[str, object]) -> tuple[int, int, int, int]:
    """(A, R, G, B) at the middle of the state dot of the 64 px IconPixmap (ARGB32, network byte order)."""
    pixmaps = props["IconPixmap"]
    assert isinstance(pixmaps, list)
    width, height, data = next(p for p in pixmaps if p[0] == 64)
    assert len(data) == width * height * 4
    at = (48 * width + 48) * 4
    return data[at], data[at + 1], data[at + 2], data[at + 3]


def _ours(history: list[dict[str, object]], router: str) -> list[dict[str, object]]:
    """knockgui's notifications about ``router`` in dunst's history."""
    return [n for n in history if n.get("appname") == "knockgui" and str(n.get("body")).startswith(f"{router}: ")]


def _http_get(url: str) -> str:
    m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", url)
    assert m, url
    with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=5) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def test_the_item_registers_with_sensible_properties_and_its_menu_lists_the_routers(knockgui: Knockgui) -> None:
    client = knockgui.desk.client
    item = knockgui.item()
    watcher = client.watcher()
    assert watcher["IsStatusNotifierHostRegistered"] is True
    assert item.service in watcher["RegisteredStatusNotifierItems"]
    props = client.item_properties(item)
    assert (props["Id"], props["Title"], props["Status"], props["Category"]) == (
        "knockgui", "knockgui", "Active", "ApplicationStatus",
    )  # fmt: skip
    assert props["ItemIsMenu"] is False  # a click activates (shows the window); the menu is on the other button
    assert knockgui.tooltip(item) == "knockgui"
    # The icon goes as pixels (knockgui's own icon, no theme name); opaque somewhere, sizes as announced.
    assert props["IconName"] == ""
    sizes = sorted((w, h) for w, h, _ in props["IconPixmap"])
    assert (64, 64) in sizes
    for w, h, data in props["IconPixmap"]:
        assert len(data) == w * h * 4 and any(data[0::4]), (w, h)
    assert _dot(props)[0] == 255 and _dot(props) not in (RED, GREEN)  # idle: no state dot yet
    # The menu: groups (sorted), no recent yet, then Open window and Quit.
    assert props["Menu"] == client.menu_path(item)
    _revision, root = client.layout(item)
    assert root.labels() == ["Branches", "Core", "Demo", "Lab", "Knock group", "---", "Open window", "Quit"]
    # A group's entries are built when it first opens: until then it is exported as an empty submenu ...
    demo = root.find("Demo")
    assert demo.props.get("children-display") == "submenu" and demo.children == ()
    # ... and the host's AboutToShow on it (what libdbusmenu sends as it opens it) fills it; the host learns
    # of the new entries by the LayoutUpdated signal that follows (the bar test below shows them in GTK).
    updates = client.layout_updates(item, lambda: client.about_to_show(item, demo.id))
    assert updates, "no LayoutUpdated after the group was filled"
    _rev, root = client.layout(item)
    assert root.find("Demo").id == demo.id and root.find("Demo").labels() == [DEMO, WRONG]
    assert root.find("Demo", DEMO).labels() == ["Knock & connect", "Knock only"]
    assert root.find("Demo", DEMO).props.get("children-display") == "submenu"
    assert root.find("Branches").children == ()  # the groups not opened stay empty
    assert _open(client, item, "Branches").labels() == ["Branch office gateway", "Warehouse AP"]
    _rev, again = client.layout(item)
    assert all(n.props.get("enabled", True) for n in again.walk())
    # Opening a filled group again changes nothing: the ids the host holds stay valid.
    client.about_to_show(item, demo.id)
    assert _ids(client.layout(item)[1]) == _ids(again)
    # The item is knockgui's own (the owner of the bus name the watcher lists is the program started).
    assert client.pid_of(item.service) == knockgui.proc.pid


def test_a_menu_entry_clicked_over_dbusmenu_knocks_and_the_menu_stays_current(knockgui: Knockgui) -> None:
    client = knockgui.desk.client
    item = knockgui.item()
    _rev, root = client.layout(item)
    # Opening the menu (AboutToShow, as the host does) changes nothing while nothing changed: the ids the
    # host already holds stay valid (they were all replaced on every opening before).
    client.about_to_show(item, 0)
    _rev, again = client.layout(item)
    assert _ids(again) == _ids(root) and again.labels() == root.labels()
    # Knock only on the demo router with its steps swapped: the port stays shut, the tooltip says why, the
    # icon shows the red dot, nothing is opened.
    client.click(item, _open(client, item, "Demo", WRONG, "Knock only").id)
    wait_until(lambda: _dot(client.item_properties(item)) in (RED, GREEN), 15, "a red or green dot")
    assert _dot(client.item_properties(item)) == RED  # "failed"
    tooltip = knockgui.tooltip(item)
    assert tooltip.startswith(f"knockgui: {WRONG}: ") and "port open" not in tooltip, tooltip
    assert knockgui.opened() == []
    # The result also came as a notification, through Qt's D-Bus tray to the real notification daemon.
    [failed] = wait_until(lambda: _ours(client.notifications(), WRONG), 10, "the notification of the failure")
    assert (failed["appname"], failed["summary"]) == ("knockgui", "knockgui")
    assert failed["body"] == tooltip.removeprefix("knockgui: "), failed
    # Without being opened again, the exported menu now starts with the recently used router.
    _rev, now = client.layout(item)
    assert now.labels()[:3] == ["Recent", WRONG, "---"], now.labels()
    assert now.children[0].props.get("enabled") is False  # a heading, not an entry
    assert now.labels()[3:] == root.labels()
    # A person picks Demo > Demo router > Knock & connect: the demo router is knocked, its port opens and
    # the browser opener is started on the demo's page.
    client.click(item, _open(client, item, "Demo", DEMO, "Knock & connect").id)
    wait_until(knockgui.opened, 15, "xdg-open being started")
    [[url]] = knockgui.opened()
    assert "knockgui demo" in _http_get(url).lower()  # the loopback router serves only a source that knocked
    wait_until(lambda: "port open" in knockgui.tooltip(item), 10, "the tooltip saying the port is open")
    pattern = rf"knockgui: {re.escape(DEMO)}: WebFig port open in [\d.]+ ms, launching the browser; open until [\d: -]+"
    assert re.fullmatch(pattern, knockgui.tooltip(item)), knockgui.tooltip(item)
    assert _dot(client.item_properties(item)) == GREEN  # "ok"
    [done] = wait_until(lambda: _ours(client.notifications(), DEMO), 10, "the notification of the knock")
    assert done["body"] == knockgui.tooltip(item).removeprefix("knockgui: "), done
    _rev, last = client.layout(item)
    assert last.labels()[:4] == ["Recent", DEMO, WRONG, "---"], last.labels()


def test_clicking_the_result_notification_shows_the_window(knockgui: Knockgui) -> None:
    """Qt's D-Bus tray sends its notifications without actions (a click did nothing); knockgui's have one."""
    desk, client = knockgui.desk, knockgui.desk.client
    item = knockgui.item()
    client.notifications()  # close what earlier tests left on screen
    client.call(item.path, item.service, "org.kde.StatusNotifierItem", "Activate", "ii", (0, 0))
    assert desk.x.wait_no_window(WINDOW)  # in the tray now
    client.click(item, _open(client, item, "Demo", WRONG, "Knock only").id)
    wait_until(lambda: client.notifications_shown() == 1, 15, "the knock's notification on screen")
    client.click_notification()
    desk.x.wait_window(WINDOW)  # a click on the notification brought the window back
    shown = _ours(client.notifications(), WRONG)[0]  # the newest (dunst's history is the module's)
    assert (shown["appname"], shown["summary"]) == ("knockgui", "knockgui")
    assert shown["body"] == knockgui.tooltip(item).removeprefix("knockgui: ")


def test_a_person_picks_entries_in_the_real_tray_bar(tmp_path: Path) -> None:
    """Right-click on knockgui's icon in gtk-sni-tray's bar, arrows and Return in its (libdbusmenu) menu."""
    need(have_sni())
    with SniDesktop(host=True) as desk:  # its own bar: knockgui's icon is the only one, at the left
        knockgui = Knockgui(desk, tmp_path)
        try:
            _pick_in_the_bar(knockgui)
        finally:
            knockgui.close()


def _pick_in_the_bar(knockgui: Knockgui) -> None:
    knockgui.item()
    x = knockgui.desk.x
    x.xdotool("windowmove", str(knockgui.window), "200", "200")  # no window manager: it covered the bar

    def menus() -> int:
        """Open menu levels: the bar's mapped windows taller than a tooltip (the bar itself is 24 px)."""
        count = 0
        for window in x.xdotool("search", "--onlyvisible", "--class", "gtk-sni-tray-standalone", check=False).split():
            size = re.search(r"Geometry: (\d+)x(\d+)", x.xdotool("getwindowgeometry", window, check=False))
            count += bool(size and int(size.group(2)) > 40)
        return count

    def open_menu(*keys: str, levels: int = 1) -> None:
        """Right-click the icon, then type ``keys`` until ``levels`` menu levels are open (tries again)."""
        for _ in range(5):
            # The host draws the icon a moment after the watcher lists it, and GTK takes the keyboard a moment
            # after the menu shows: a click or keys that came too early are tried again from a closed menu.
            x.xdotool("key", "Escape", "Escape", "Escape")
            wait_until(lambda: menus() == 0, 10, "the menu closing")
            x.xdotool("mousemove", "12", "12", "click", "3")  # the bar's first icon (24 px high, top left)
            try:
                wait_until(lambda: menus() >= 1, 2, "the tray menu")
                time.sleep(0.2)
                if keys:
                    x.xdotool("key", *keys)
                wait_until(lambda: menus() >= levels, 2, f"{levels} menu levels")
                return
            except RuntimeError:
                continue
        raise AssertionError(f"the tray menu did not open {levels} levels deep on a right-click and {keys}")

    # Demo > (GTK opens the first entry's submenu by itself, or on Right) Demo router (loopback) >
    for _ in range(5):  # keys that GTK took before its grab moved to the submenu: again from a closed menu
        open_menu("Down", "Down", "Down", "Right", levels=2)
        time.sleep(0.2)
        x.xdotool("key", "Right")
        try:
            wait_until(lambda: menus() >= 3, 3, "the router's submenu")
            break
        except RuntimeError:
            continue
    else:
        raise AssertionError("the router's submenu did not open on Down, Down, Down, Right, Right")
    x.xdotool("key", "Return")  # its first entry: Knock & connect
    wait_until(knockgui.opened, 15, "xdg-open being started")
    [[url]] = knockgui.opened()
    assert "knockgui demo" in _http_get(url).lower()
    wait_until(lambda: menus() == 0, 10, "the menu closing")
    # Again: the host now shows the menu with the Recent heading; the last entry is still Quit.
    open_menu("Up")
    x.xdotool("key", "Return")
    assert knockgui.proc.wait(timeout=15) == 0


def test_activate_open_window_close_to_tray_and_quit(knockgui: Knockgui) -> None:
    desk, client = knockgui.desk, knockgui.desk.client
    item = knockgui.item()
    x = desk.x
    # A click on the icon (the host sends Activate) hides the shown window; the menu's Open window shows it.
    client.call(item.path, item.service, "org.kde.StatusNotifierItem", "Activate", "ii", (0, 0))
    assert x.wait_no_window(WINDOW)
    _rev, root = client.layout(item)
    client.click(item, root.find("Open window").id)
    window = x.wait_window(WINDOW)
    # Closing the window (as a window manager does) hides it to the tray: the program and its item stay.
    close_window(x.display, window)
    assert x.wait_no_window(WINDOW)
    assert knockgui.proc.poll() is None
    assert item in client.items()
    # Quit in the menu ends the program; the watcher drops its item.
    client.click(item, client.layout(item)[1].find("Quit").id)
    assert knockgui.proc.wait(timeout=15) == 0
    wait_until(lambda: item not in client.items(), 10, "the watcher dropping the item")
    assert knockgui.proc.stderr is not None
    assert b"Traceback" not in knockgui.proc.stderr.read()


def test_a_watcher_without_a_host_is_no_tray_and_closing_the_window_quits(tmp_path: Path) -> None:
    need(have_sni())
    with SniDesktop(host=False) as desk:
        assert desk.client.watcher()["IsStatusNotifierHostRegistered"] is False
        check = subprocess.run(
            [sys.executable, "-c", TRAY_CHECK], env=desk.env(), capture_output=True, text=True, timeout=30
        )
        # Qt would use its D-Bus tray (a watcher is there) and call it available, though no host shows items;
        # knockgui asks the watcher and sees no tray.
        assert check.stdout.split() == ["True", "False"], check.stderr
        app = Knockgui(desk, tmp_path)
        try:
            # No item: knockgui made no tray icon (the window says so: tests/gui/xcb_tray_cases.py) ...
            time.sleep(1.0)  # room for a registration that must not come
            assert desk.client.items() == []
            # ... so closing the window quits, instead of hiding it in a tray nobody shows.
            close_window(desk.x.display, app.window)
            assert app.proc.wait(timeout=15) == 0
        finally:
            app.close()
        # Once a host runs, both see the tray.
        desk.start_host()
        check = subprocess.run(
            [sys.executable, "-c", TRAY_CHECK], env=desk.env(), capture_output=True, text=True, timeout=30
        )
        assert check.stdout.split() == ["True", "True"], check.stderr
