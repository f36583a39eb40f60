"""The main window: the router list with its filter, the actions, and the knock flow's reports.

Every knock or connect runs in a worker (:mod:`knockgui.gui.worker`); its progress, result or
error sentence goes into the router's Result cell and the status bar. Esc cancels running knocks.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QItemSelectionModel, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from knockgui import APP_NAME
from knockgui.core.model import Router
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui import window_state
from knockgui.gui.actions import build_menus, build_toolbar, context_menu, create_actions
from knockgui.gui.editing import EditingMixin
from knockgui.gui.errors import show_exception
from knockgui.gui.first_paint import after_first_paint
from knockgui.gui.keyring_status import KeyringStatusLabel
from knockgui.gui.qtints import (
    KEY_DOWN,
    KEY_ENTER,
    KEY_ESCAPE,
    KEY_F10,
    KEY_MENU,
    KEY_PAGE_DOWN,
    KEY_PAGE_UP,
    KEY_RETURN,
    KEY_UP,
    set_enum_property,
)
from knockgui.gui.result_text import connect_result_status, knock_result_status, progress_text
from knockgui.gui.router_model import Column, RouterFilterProxy, RouterTableModel, StatusKind, header_labels
from knockgui.gui.worker import TaskRunner

SAVED_COLUMNS = {c.value: c.name.lower() for c in Column if c is not Column.RESULT}  # Result stretches
EMPTY_TEXT = (
    "<h3>No routers yet</h3>"
    "<p>Add your first router with <b>Add router…</b> (Ctrl+N): its name, host and the knock sequence "
    "its firewall expects.</p><p>Or <b>Import…</b> (Ctrl+I) a file exported from knockgui or a list of routers.</p>"
    "<p>To see the whole flow without a router, start <code>knockgui --demo</code>.</p>"
)


class MainWindow(EditingMixin, QMainWindow):
    reknocked = Signal(str, object, str)  # router id, KnockResult or None, error sentence

    def __init__(
        self,
        inventory: Inventory,
        settings: Settings,
        config_dir: Path,
        *,
        title_note: str = "",
        launch: bool = True,
    ) -> None:
        super().__init__()
        self.inventory = inventory
        self.settings = settings
        self.config_dir = config_dir
        self.launch_enabled = launch
        self.setWindowTitle(f"{APP_NAME}{' ' + title_note if title_note else ''} — {config_dir}")
        self.runner = TaskRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.crashed.connect(self._on_crashed)
        self._timeouts: dict[str, float] = {}
        self._keepers: dict[str, Any] = {}  # router id -> KeepOpen re-knocking while its client runs
        self.reknocked.connect(self._on_reknocked)
        app = QCoreApplication.instance()
        if app is not None:  # quitting from the tray closes no window: stop the workers all the same
            app.aboutToQuit.connect(self.shutdown)
        self._user_moved = False

        self.model = RouterTableModel([], self)  # filled (and sorted once) by refresh()
        self.proxy = RouterFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.acts = create_actions(self)

        self.filter = QLineEdit()
        self.filter.setObjectName("filter")
        self.filter.setPlaceholderText("Filter by name, host or group (Ctrl+F); Enter connects")
        self.filter.textChanged.connect(self._filter_changed)
        self.filter.returnPressed.connect(self.connect_selected)
        self.filter.installEventFilter(self)
        self.group = QComboBox()
        self.group.setObjectName("groupFilter")
        self.group.setToolTip("Show one group only")
        self.group.currentIndexChanged.connect(self._group_changed)

        self.view = QTableView()
        self.view.setObjectName("routerList")
        self.view.setModel(self.proxy)
        # The header shows the titles of a C++ model and sorts through sort_by (no Qt enums before the first
        # paint: see knockgui.gui.qtints); the view's own sorting stays off, the proxy keeps the model's order.
        self.view.horizontalHeader().setModel(header_labels(self))
        self.view.horizontalHeader().sectionClicked.connect(self._header_clicked)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(Column.RESULT, QHeaderView.ResizeMode.Stretch)
        for column, width in ((Column.NAME, 230), (Column.HOST, 130), (Column.GROUP, 100), (Column.SERVICE, 110)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _index: self.connect_selected())
        set_enum_property(self.view, "contextMenuPolicy", "CustomContextMenu")
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.addAction(self.acts.delete)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.installEventFilter(self)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        set_enum_property(self.empty, "alignment", "AlignCenter")
        set_enum_property(self.empty, "textInteractionFlags", "TextSelectableByMouse")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.group)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.setTabOrder(self.filter, self.group)
        self.setTabOrder(self.group, self.view)

        a = self.acts
        self.addToolBar(build_toolbar(a))
        build_menus(self.menuBar(), a)

        self.keyring_label = KeyringStatusLabel(self.runner, self.statusBar().showMessage, self)
        self.statusBar().addPermanentWidget(self.keyring_label)

        a.connect.triggered.connect(self.connect_selected)
        a.knock_only.triggered.connect(lambda: self.connect_selected(launch=False))
        a.knock_group.triggered.connect(lambda: self.knock_group())
        a.add.triggered.connect(self.add_router)
        a.edit.triggered.connect(self.edit_selected)
        a.duplicate.triggered.connect(self.duplicate_selected)
        a.delete.triggered.connect(self.delete_selected)
        a.copy_host.triggered.connect(self.copy_host)
        a.script.triggered.connect(self.show_script)
        a.cancel.triggered.connect(self.cancel_knocks)
        a.find.triggered.connect(self.focus_filter)
        a.settings.triggered.connect(self.edit_settings)
        a.import_file.triggered.connect(self.import_file)
        a.export_file.triggered.connect(self.export_file)
        a.set_sequence.triggered.connect(self.set_sequence)
        self.runner.idle.connect(lambda: a.cancel.setEnabled(False))

        self.resize(900, 520)
        window_state.restore(self, header, config_dir, SAVED_COLUMNS)
        self._file_signature = self._signature()
        self.refresh()
        if inventory.warning:
            self.statusBar().showMessage(inventory.warning)
        self._keyring_checked = False  # asked after the first show: loading keyring must not delay the window

    # --- list --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the list from the inventory, keeping the selection and last results."""
        current = self.selected_router()
        self.model.set_routers(self.inventory.routers)
        groups = self.model.groups()
        blocked = self.group.blockSignals(True)
        chosen = self.group.currentData()
        self.group.clear()
        self.group.addItem("All groups", None)
        for group in groups:
            self.group.addItem(group, group)
        self.group.setCurrentIndex(max(0, self.group.findData(chosen)) if chosen else 0)
        self.group.blockSignals(blocked)
        self.proxy.set_group(self.group.currentData())  # "All groups" when the chosen one is gone
        self.group.setVisible(bool(groups))
        self.stack.setCurrentWidget(self.view if self.model.rowCount() else self.empty)
        self._select(current.id if current else None)

    def _select(self, router_id: str | None) -> None:
        """Select ``router_id`` if it is visible, else the first row."""
        row = 0
        if router_id is not None:
            source = self.model.row_of(router_id)
            if source >= 0:
                mapped = self.proxy.mapFromSource(self.model.index(source, 0))
                row = mapped.row() if mapped.isValid() else 0
        if self.proxy.rowCount() == 0:
            self._selection_changed()
            return
        index = self.proxy.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self._programmatic = True
        self.view.selectionModel().setCurrentIndex(index, flags)
        self._programmatic = False
        self.view.scrollTo(index)
        self._selection_changed()

    def _filter_changed(self, text: str) -> None:
        # Typing selects the first match unless the user moved the selection; clearing keeps it.
        keep = self.selected_router() if self._user_moved or not text else None
        self._programmatic = True  # the proxy's reset clears the selection: not the user's doing
        self.proxy.set_filter_text(text)
        self._programmatic = False
        self._select(keep.id if keep else None)
        if keep is None or self.selected_router() != keep:
            self._user_moved = False

    def _group_changed(self) -> None:
        self.proxy.set_group(self.group.currentData())
        self._select(None)

    def _context_menu(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        router = self.proxy.router(index.row()) if index.isValid() else None
        context_menu(self, self.view, self.acts, pos, router, self.start_knock)

    def _keyboard_context_menu(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self._context_menu(self.view.visualRect(index).center())
        else:
            self._context_menu(self.view.viewport().rect().center())

    def selected_router(self) -> Router | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or not self.view.selectionModel().isSelected(index):
            rows = self.view.selectionModel().selectedRows()
            if not rows:
                return None
            index = rows[0]
        return self.proxy.router(index.row())

    def selected_routers(self) -> list[Router]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows())
        return [self.proxy.router(r) for r in rows]

    def _selection_changed(self, *_args: Any) -> None:
        if not getattr(self, "_programmatic", False) and self.view.hasFocus():
            self._user_moved = True  # a click or arrow key in the list (arrows in the filter: _move_selection)
        has = bool(self.view.selectionModel().selectedRows())
        for action in self.acts.router_actions():
            action.setEnabled(has)

    def _header_clicked(self, column: int) -> None:
        """A click on a column title sorts by it; a second click reverses the order."""
        current, descending = self.model.sort_order()
        self.sort_by(column, descending=not descending if column == current else False)

    def sort_by(self, column: int, descending: bool = False) -> None:
        """Sort the list by a column (the header's arrow follows), keeping the selection."""
        self._show_sort_arrow(column, descending)
        self.model.sort_rows(column, descending)
        current = self.view.selectionModel().currentIndex()
        if current.isValid():
            self.view.scrollTo(current)

    def _show_sort_arrow(self, column: int, descending: bool) -> None:
        from PySide6.QtCore import Qt

        header = self.view.horizontalHeader()
        header.setSortIndicator(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)

    def focus_filter(self) -> None:
        from PySide6.QtCore import Qt

        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (KEY_DOWN, KEY_UP, KEY_PAGE_DOWN, KEY_PAGE_UP):
                self._move_selection(event.key())
                return True
            if event.key() == KEY_ESCAPE and not self.runner.running() and self.filter.text():
                self.filter.clear()
                return True
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (KEY_RETURN, KEY_ENTER) and not event.modifiers():
                self.connect_selected()
                return True
            if event.key() == KEY_MENU or (event.key() == KEY_F10 and _only_shift(event)):
                self._keyboard_context_menu()  # the menu key / Shift+F10: the menu of the current row
                return True
        return super().eventFilter(watched, event)

    def _move_selection(self, key: int) -> None:
        rows = self.proxy.rowCount()
        if not rows:
            return
        current = self.view.selectionModel().currentIndex().row()
        steps: dict[int, int] = {KEY_DOWN: 1, KEY_UP: -1, KEY_PAGE_DOWN: 10, KEY_PAGE_UP: -10}
        step = steps[key]
        row = min(max(current + step, 0), rows - 1)
        index = self.proxy.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index)
        self._user_moved = True

    # --- knock flow --------------------------------------------------------------------------
    def report(self, router: Router, text: str, kind: StatusKind, detail: str = "") -> None:
        """The one place a router's outcome is shown: its Result cell and the status bar."""
        self.model.set_status(router.id, text, kind, detail=detail)
        self.statusBar().showMessage(f"{router.name}: {text}" + (f"; {detail}" if detail else ""))

    def connect_selected(self, launch: bool = True) -> None:
        routers = self.selected_routers() if self.view.hasFocus() else []
        router = self.selected_router()
        targets = routers or ([router] if router else [])
        if not targets:
            what = f'matches "{self.filter.text()}"' if self.filter.text() else "is selected"
            self.statusBar().showMessage(f"No router {what}: change the filter, or add one with Ctrl+N.")
        for target in targets:
            self.start_knock(target, launch=launch)

    def knock_group(self, group: str | None = None) -> int:
        """Knock (and check, without launching) every router of ``group``, by default the selected
        router's; the thread pool bounds how many run at once. Returns how many were started."""
        if group is None:
            router = self.selected_router()
            if router is None:
                self.statusBar().showMessage("No router is selected: select one of the group to knock.")
                return 0
            group = router.group
        members = [r for r in self.inventory.routers if r.group.strip().casefold() == group.strip().casefold()]
        started = sum(1 for member in members if self.start_knock(member, launch=False))
        label = f'group "{group}"' if group.strip() else "routers without a group"
        self.statusBar().showMessage(f"Knocking {started} of the {len(members)} {label}…")
        return started

    def start_knock(self, router: Router, launch: bool = True, service: str | None = None) -> bool:
        if self.runner.is_running(router.id):
            self.statusBar().showMessage(f"{router.name}: a knock is already running (Esc cancels it)")
            return False
        from knockgui.core.connect import connect

        inventory, settings = self.inventory, self.settings
        launch = launch and self.launch_enabled
        self._timeouts[router.id] = router.timeout_s or settings.default_timeout_s

        def reknocked(result: Any, error: Any) -> None:  # from the keep-open thread: queued to the GUI
            self.reknocked.emit(router.id, result, error.message if error is not None else "")

        def job(on_progress: Any, cancel: threading.Event) -> Any:
            return connect(
                inventory,
                router,
                settings,
                service=service,
                launch=launch,
                on_progress=on_progress,
                cancel=cancel,
                on_reknock=reknocked,
            )

        self.runner.start(router.id, job)
        self.acts.cancel.setEnabled(True)
        self.report(router, "knocking…", StatusKind.BUSY)
        return True

    def cancel_knocks(self) -> None:
        count = self.runner.cancel_all()
        if count:
            self.statusBar().showMessage(f"cancelling {count} knock{'s' if count > 1 else ''}…")

    def _router(self, router_id: str) -> Router | None:
        row = self.model.row_of(router_id)
        return self.model.router_at(row) if row >= 0 else None

    def _on_progress(self, key: str, event: object) -> None:
        router = self._router(key)
        if router is not None:
            self.report(router, progress_text(event), StatusKind.BUSY)

    def _on_finished(self, key: str, result: object) -> None:
        router = self._router(key)
        if router is None:
            return
        timeout = self._timeouts.pop(key, None)
        keeper = getattr(result, "keep_open", None)
        if keeper is not None:
            self._keepers[key] = keeper
        detail = ""
        if hasattr(result, "knock"):
            text, kind, detail = connect_result_status(result, timeout)
        else:
            text, kind = knock_result_status(result, timeout)
        self.report(router, text, kind, detail)

    def _on_reknocked(self, key: str, result: object, error: str) -> None:
        router = self._router(key)
        if router is not None:
            text, kind = (error, StatusKind.FAILED) if error else knock_result_status(result)
            self.report(router, f"kept open: {text}", kind)

    def _on_failed(self, key: str, message: str) -> None:
        router = self._router(key)
        if router is not None:
            self.report(router, message, StatusKind.FAILED)

    def _on_cancelled(self, key: str) -> None:
        router = self._router(key)
        if router is not None:
            self.report(router, "cancelled", StatusKind.INFO)

    def _on_crashed(self, key: str, details: str) -> None:
        router = self._router(key)
        if router is not None:
            self.report(router, "failed unexpectedly (see the details)", StatusKind.FAILED)
        show_exception(self, details)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._keyring_checked:
            self._keyring_checked = True
            after_first_paint(self, self._finish_after_first_paint)
            timer = QTimer(self)  # a child: it dies with the window, so it never fires into a deleted one
            timer.setSingleShot(True)
            timer.timeout.connect(self._check_keyring)
            timer.start(100)

    def _finish_after_first_paint(self) -> None:
        """What the first paint need not wait for: the header's arrow on the column the list is sorted by
        (setting it takes a ``Qt.SortOrder``, the first of which costs PySide 13 ms: see qtints), and the
        filter box's clear button (shown only once something is typed; its icon comes from the desktop's
        icon theme, which takes Qt ~18 ms to load on X11)."""
        self.filter.setClearButtonEnabled(True)
        if not self.view.horizontalHeader().isSortIndicatorShown():  # the rows are in this order already
            self._show_sort_arrow(*self.model.sort_order())
        self._show_still_open()

    def _show_still_open(self) -> None:
        """Routers that a knock opened earlier (this run or another, the CLI's too) and that still list
        this computer: ``open until 14:32`` in their Result cell."""
        from knockgui.core.opened import OpenState

        entries = OpenState(self.inventory.path.parent).all()
        for router in self.model.routers:
            entry = entries.get(router.id)
            if entry is not None and self.model.status(router.id) is None:
                knocked = entry.until - router.final_timeout_s
                self.model.set_status(router.id, f"open until {entry.clock()}", StatusKind.OK, at=knocked)

    def _check_keyring(self) -> None:
        self.keyring_label.check(self.inventory.secrets)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.reload_if_changed()
        super().changeEvent(event)

    def shutdown(self) -> None:
        """Cancel knocks and keep-open re-knocks (launched programs keep running), remember the window's
        size and column widths; also on app quit."""
        self.runner.cancel_all()
        for keeper in self._keepers.values():
            keeper.cancel.set()
        self.runner.wait(2000)
        window_state.save(self, self.view.horizontalHeader(), self.config_dir, SAVED_COLUMNS)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _only_shift(event: QKeyEvent) -> bool:
    from PySide6.QtCore import Qt  # at a key press, long after the first paint (see knockgui.gui.qtints)

    return event.modifiers() == Qt.KeyboardModifier.ShiftModifier
