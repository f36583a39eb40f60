"""The main window's actions (toolbar, context menu, shortcuts) in one place.

Built before the window's first paint, so without PySide's ``Qt`` namespace (see :mod:`knockgui.gui.qtints`):
shortcuts are written as text ("Del", "Esc"), enum settings by name, and the icons are knockgui's own
(:mod:`knockgui.gui.icons`; ``QStyle``'s standard icons would build its ~11 enums, 4 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu, QMenuBar, QToolBar, QWidget

from knockgui.core.model import Router
from knockgui.gui.icons import action_icon
from knockgui.gui.qtints import set_enum_property


@dataclass
class Actions:
    connect: QAction
    knock_only: QAction
    knock_group: QAction
    add: QAction
    edit: QAction
    duplicate: QAction
    delete: QAction
    copy_host: QAction
    script: QAction
    cancel: QAction
    find: QAction
    settings: QAction
    import_file: QAction
    export_file: QAction
    set_sequence: QAction

    def router_actions(self) -> list[QAction]:
        """Actions that need a selected router."""
        return [
            self.connect,
            self.knock_only,
            self.knock_group,
            self.edit,
            self.duplicate,
            self.delete,
            self.copy_host,
            self.script,
        ]


def _action(
    parent: QWidget,
    text: str,
    shortcuts: list[QKeySequence] | None = None,
    tip: str = "",
    icon: str = "",
    name: str = "",
) -> QAction:
    action = QAction(text, parent)
    if shortcuts:
        action.setShortcuts(shortcuts)
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    if icon:
        action.setIcon(action_icon(icon))
    action.setObjectName(name or text)
    parent.addAction(action)
    return action


def create_actions(window: QWidget) -> Actions:
    key = QKeySequence
    actions = Actions(
        connect=_action(
            window,
            "&Knock && connect",
            [],  # Enter: handled by the list and the filter box themselves
            "Knock, check the port opened, then start the client (Enter or double-click)",
            "connect",
            "connect",
        ),
        knock_only=_action(
            window,
            "Knock &only",
            [key("Ctrl+K")],
            "Knock and check the port, without starting the client",
            "knock",
            "knock_only",
        ),
        knock_group=_action(
            window,
            "Knock &group",
            [key("Ctrl+Shift+K")],
            "Knock and check every router of the selected router's group, without starting clients",
            "knock",
            "knock_group",
        ),
        add=_action(window, "&Add router…", [key("Ctrl+N")], "Add a router (Ctrl+N)", "add", "add"),
        edit=_action(window, "&Edit…", [key("F2"), key("Ctrl+E")], "Edit the router (F2)", "edit", "edit"),
        duplicate=_action(window, "D&uplicate…", [key("Ctrl+D")], "Copy the router into a new one", name="duplicate"),
        delete=_action(window, "&Delete", [key("Del")], "Delete the router", "delete", "delete"),
        copy_host=_action(window, "Copy &host", [key("Ctrl+Shift+C")], "Copy the host to the clipboard", name="copy"),
        script=_action(window, "RouterOS &script…", [], "The router's firewall rules for this sequence", name="script"),
        cancel=_action(
            window,
            "&Cancel knocks",
            [key("Esc")],
            "Cancel running knocks (Esc)",
            "cancel",
            "cancel",
        ),
        find=_action(window, "&Find", [key("Ctrl+F")], "Filter the list (Ctrl+F)", name="find"),
        settings=_action(window, "Se&ttings…", [key("Ctrl+,")], "Program paths, delays, timeouts", name="settings"),
        import_file=_action(window, "&Import…", [key("Ctrl+I")], "Import routers from a file", name="import"),
        export_file=_action(
            window, "E&xport…", [], "Export the routers to a file (with secrets: encrypted)", name="export"
        ),
        set_sequence=_action(
            window,
            "Set se&quence…",
            [],
            "Set the knock sequence of the selected routers, a group, or every imported router at once",
            name="set_sequence",
        ),
    )
    # Delete acts on the list only when it has focus (not while typing in the filter box).
    set_enum_property(actions.delete, "shortcutContext", "WidgetShortcut")
    actions.cancel.setEnabled(False)
    return actions


def context_menu(
    parent: QWidget,
    view: QAbstractItemView,
    actions: Actions,
    pos: QPoint,
    router: Router | None = None,
    start_knock: Callable[[Router, bool, str | None], object] | None = None,
) -> None:
    """The list's context menu: router actions on a row (with "Connect with ▸" the router's services),
    Add and Import on empty space. The menu key and Shift+F10 open it at the current row."""
    menu = QMenu(parent)
    if view.indexAt(pos).isValid():
        menu.addActions([actions.connect, actions.knock_only, actions.knock_group])
        if router is not None and start_knock is not None:
            with_menu = menu.addMenu("Connect &with")
            with_menu.setObjectName("connect_with")
            for spec in router.services:
                text = f"{spec.label} (port {spec.effective_port})" + (
                    " - default" if spec is router.services[0] else ""
                )
                item = with_menu.addAction(text.replace("&", "&&"))
                described = spec.describe()
                item.setObjectName(f"service:{described}")
                item.triggered.connect(lambda _=False, svc=described: start_knock(router, True, svc))
        menu.addSeparator()
        menu.addActions([actions.edit, actions.duplicate, actions.delete])
        menu.addSeparator()
        menu.addActions([actions.copy_host, actions.script, actions.set_sequence])
    else:
        menu.addActions([actions.add, actions.import_file])
    menu.exec(view.viewport().mapToGlobal(pos))


def build_toolbar(actions: Actions) -> QToolBar:
    toolbar = QToolBar("Routers")
    toolbar.setObjectName("routerToolbar")
    set_enum_property(toolbar, "toolButtonStyle", "ToolButtonTextBesideIcon")
    a = actions
    for action in (a.connect, a.knock_only, a.cancel, None, a.add, a.edit, a.delete, None, a.import_file, a.settings):
        if action is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(action)
    return toolbar


def build_menus(bar: QMenuBar, actions: Actions) -> None:
    """Every action in a menu too (with its shortcut shown), so everything is reachable by keyboard."""
    a = actions
    routers = bar.addMenu("&Routers")
    routers.addActions([a.connect, a.knock_only, a.knock_group, a.cancel])
    routers.addSeparator()
    routers.addActions([a.add, a.edit, a.duplicate, a.delete])
    routers.addSeparator()
    routers.addActions([a.copy_host, a.script, a.set_sequence])
    routers.addSeparator()
    routers.addActions([a.find, a.import_file, a.export_file, a.settings])
