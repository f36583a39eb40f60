"""The tray's context menu, cheap for big inventories: a group's entries are built when it first opens.

Layout: the routers used most recently (under a "Recent" heading), then a submenu per group, then the
routers without a group (at the top level while there are at most :data:`UNGROUPED_AT_TOP` of them, else
in an "Other routers" submenu after the groups), then Open window and Quit. Each router is a submenu with
"Knock && connect" (its default action) and "Knock only".

Every router entry costs a QMenu and two QActions (over dbusmenu, three exported items), about 0.1 ms
each on X11: built all at once, 1,000 routers froze the just-shown window for a tenth of a second at
start-up and after every change of the list. So the recent routers and the few ungrouped ones are built
at once, and a group's submenu is built empty and filled the first time it is about to show
(``QMenu.aboutToShow``). On a StatusNotifier tray Qt exports such a submenu as a submenu
(``children-display: submenu``) with no children yet, and forwards the host's ``AboutToShow(id)`` of it
to that QMenu's ``aboutToShow``; the entries added there reach the host with the ``LayoutUpdated``
signal that follows, and it shows them (checked with the real libdbusmenu host: tests/gui/test_tray_sni.py).

The menu is rebuilt only when what it shows changes (:meth:`TrayMenu.refresh`), so dbusmenu ids stay
the same while nothing changed, a filled group stays filled, and replaced submenus are deleted (QMenu.clear()
deletes actions, not submenus: each stayed exported over D-Bus). Which routers' knocks run is kept
in place (:meth:`TrayMenu.sync_enabled`), for entries built at once and for those built later alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from knockgui.core.model import SERVICE_LABELS, Router

UNGROUPED_AT_TOP = 10  # more routers without a group than this go into an "Other routers" submenu
OTHER_ROUTERS = "Other routers"


def _by_name(routers: list[Router]) -> list[Router]:
    return sorted(routers, key=lambda r: r.name.casefold())


class LazyMenu(QMenu):
    """A submenu whose routers' entries are built the first time it is about to show."""

    def __init__(
        self, title: str, routers: list[Router], build: Callable[[QMenu, Router], object], parent: QMenu
    ) -> None:
        super().__init__(title, parent)
        self.routers = routers
        self.filled = False
        self._build = build
        self.aboutToShow.connect(self.fill)

    def fill(self) -> None:
        """Build the entries (once; later openings keep them, and with them their dbusmenu ids)."""
        if self.filled:
            return
        self.filled = True
        for router in self.routers:
            self._build(self, router)


class TrayMenu:
    """The menu (``menu``) of a tray: what it shows, its router entries, and their enabled state.

    ``routers()`` gives the inventory's routers, ``recent(routers)`` the recently used ones among them,
    ``runner`` has ``is_running(id)`` and ``running()``; ``knock(id, launch)``, ``show_window()`` and
    ``quit()`` are what the entries do.
    """

    def __init__(
        self,
        routers: Callable[[], list[Router]],
        recent: Callable[[list[Router]], list[Router]],
        runner: Any,
        knock: Callable[[str, bool, str | None], object],
        show_window: Callable[[], None],
        quit: Callable[[], None],
        knock_group: Callable[[str], object] | None = None,
    ) -> None:
        self.routers = routers
        self.recent = recent
        self.runner = runner
        self.knock = knock
        self.show_window = show_window
        self.quit = quit
        self.knock_group = knock_group
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.key: tuple[object, ...] | None = None  # what the menu shows now (see current_key)
        self.knock_actions: dict[str, list[QAction]] = {}  # router id -> its entries built so far

    def current_key(self, routers: list[Router]) -> tuple[object, ...]:
        """Everything the menu shows, except which knocks run (updated in place)."""
        shown = tuple((r.id, r.name, r.group, r.host, r.services) for r in routers)
        return shown, tuple(r.id for r in self.recent(routers))

    def refresh(self) -> bool:
        """Rebuild the menu if what it shows changed, else only its entries' enabled state; True if rebuilt."""
        if self.key != self.current_key(self.routers()):
            self.rebuild()
            return True
        self.sync_enabled()
        return False

    def sync_enabled(self) -> None:
        running = set(self.runner.running())
        for router_id, actions in self.knock_actions.items():
            enabled = router_id not in running
            for action in actions:
                if action.isEnabled() != enabled:
                    action.setEnabled(enabled)

    def rebuild(self) -> None:
        menu = self.menu
        replaced = list(submenus(menu).values())
        menu.clear()  # deletes the menu's own actions, not its submenus:
        for sub in replaced:
            sub.deleteLater()  # (each would stay exported over dbusmenu, with its entries, for ever)
        self.knock_actions = {}
        routers = self.routers()
        self.key = self.current_key(routers)
        recent = self.recent(routers)
        if recent:
            # A heading as a disabled entry, not addSection(): dbusmenu has no section titles, so a section
            # reached a StatusNotifier host as a bare separator at the top of the menu.
            heading = menu.addAction("Recent")
            heading.setObjectName("recentHeading")
            heading.setEnabled(False)
            for router in recent:
                self.router_menu(menu, router)
            menu.addSeparator()
        groups: dict[str, list[Router]] = {}
        for router in routers:
            groups.setdefault(router.group, []).append(router)
        for group in sorted(g for g in groups if g):
            self._lazy(group, f"group:{group}", groups[group])
        ungrouped = _by_name(groups.get("", []))
        if len(ungrouped) > UNGROUPED_AT_TOP:
            self._lazy(OTHER_ROUTERS, "ungrouped", ungrouped)
        else:
            for router in ungrouped:
                self.router_menu(menu, router)
        if not routers:
            empty = menu.addAction("No routers yet: add one in the window")
            empty.setEnabled(False)
        named = sorted(g for g in groups if g)
        knock_group = self.knock_group
        if named and knock_group is not None:
            whole = menu.addMenu("Knock group")  # knock and check every router of a group (no launch)
            whole.setObjectName("knockGroup")
            for group in named:
                item = whole.addAction(f"{group} ({len(groups[group])})".replace("&", "&&"))
                item.setObjectName(f"knockGroup:{group}")
                item.triggered.connect(lambda _=False, g=group: knock_group(g))
        menu.addSeparator()
        open_window = menu.addAction("Open window")
        open_window.setObjectName("openWindow")
        open_window.triggered.connect(self.show_window)
        quit_action = menu.addAction("Quit")
        quit_action.setObjectName("quit")
        quit_action.triggered.connect(self.quit)

    def _lazy(self, title: str, name: str, routers: list[Router]) -> LazyMenu:
        sub = LazyMenu(title.replace("&", "&&"), _by_name(routers), self.router_menu, self.menu)
        sub.setObjectName(name)
        self.menu.addMenu(sub)
        return sub

    def router_menu(self, parent: QMenu, router: Router) -> QMenu:
        """The router's submenu in ``parent``: Knock && connect (default) and Knock only."""
        sub = parent.addMenu(router.name.replace("&", "&&"))
        sub.setObjectName(f"router:{router.id}")
        sub.setToolTip(f"{router.host} ({SERVICE_LABELS[router.service]} port {router.service_port})")
        enabled = not self.runner.is_running(router.id)  # entries built later start in the current state too
        connect = QAction("Knock && connect", sub)
        connect.setObjectName("connect")
        connect.triggered.connect(lambda _=False, rid=router.id: self.knock(rid, True, None))
        only = QAction("Knock only", sub)
        only.setObjectName("knock_only")
        only.triggered.connect(lambda _=False, rid=router.id: self.knock(rid, False, None))
        actions = [connect, only]
        for action in actions:
            action.setEnabled(enabled)
            sub.addAction(action)
        if len(router.services) > 1:
            with_menu = sub.addMenu("Connect with")
            with_menu.setObjectName("connect_with")
            for spec in router.services:
                item = QAction(f"{spec.label} (port {spec.effective_port})".replace("&", "&&"), with_menu)
                described = spec.describe()
                item.setObjectName(f"service:{described}")
                item.setEnabled(enabled)
                item.triggered.connect(lambda _=False, rid=router.id, svc=described: self.knock(rid, True, svc))
                with_menu.addAction(item)
                actions.append(item)
        self.knock_actions.setdefault(router.id, []).extend(actions)
        sub.setDefaultAction(connect)
        return sub


def submenus(menu: QMenu) -> dict[QAction, QMenu]:
    """The submenus of ``menu``'s entries, by entry.

    Not through ``QAction.menu()``: in PySide6 6.8 (the Windows build's) the wrapper it returns for a menu
    made by ``addMenu(title)`` is owned by Python, so dropping it deletes the submenu.
    """
    from PySide6.QtCore import Qt

    children = menu.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return {child.menuAction(): child for child in children}


def first_menu_action(menu: QMenu, object_name: str) -> QAction | None:
    """The first action (searching submenus built so far) whose objectName is ``object_name``."""
    subs = submenus(menu)
    for action in menu.actions():
        if action.objectName() == object_name:
            return action
        sub = subs.get(action)
        if sub is not None:
            found = first_menu_action(sub, object_name)
            if found is not None:
                return found
    return None
