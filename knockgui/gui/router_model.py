"""The router list as a Qt table model, its filter proxy, and the short "last result" texts.

The model holds :class:`knockgui.core.model.Router` objects (no secrets) and, per router id, the
last status shown in the Result column. The filter proxy matches the typed text against name, host
and group (case-insensitive) and an optional group; it precomputes a lowercase haystack per row so
a keystroke over 5,000 routers costs one pass in Python plus a set lookup per row.

Nothing here touches PySide's ``Qt`` namespace (see :mod:`knockgui.gui.qtints`): the model overrides
no method that Qt calls with a ``Qt`` enum (``headerData``, ``sort``). The column titles come from
:func:`header_labels`, a C++ model the list's header shows; sorting is :meth:`RouterTableModel.sort_rows`,
called by the window when a header is clicked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtGui import QBrush, QColor, QStandardItemModel

from knockgui.core.model import Router
from knockgui.gui.qtints import DISPLAY_ROLE, FOREGROUND_ROLE, TOOLTIP_ROLE, USER_ROLE

ModelIndex = QModelIndex | QPersistentModelIndex

ROUTER_ROLE = USER_ROLE + 1  # the Router object of a row


class Column(IntEnum):
    NAME = 0
    HOST = 1
    GROUP = 2
    SERVICE = 3
    RESULT = 4


HEADERS = {
    Column.NAME: "Name",
    Column.HOST: "Host",
    Column.GROUP: "Group",
    Column.SERVICE: "Service",
    Column.RESULT: "Last result",
}


class StatusKind(StrEnum):
    BUSY = "busy"
    OK = "ok"
    FAILED = "failed"
    INFO = "info"


@dataclass(frozen=True)
class RowStatus:
    """What the Result column says about a router, and when it was said."""

    text: str  # the whole report: "open in 38 ms; started Winbox to 10.0.0.1"
    kind: StatusKind
    at: float  # time.time()
    detail: str = ""  # the part shown after the time, e.g. what was launched
    headline: str = ""  # the part shown before the time: "open in 38 ms"


NO_SEQUENCE = "no knock sequence yet (imported): Routers > Set sequence…"
_COLOURS = {
    StatusKind.OK: QColor(0x1B, 0x7F, 0x3B),
    StatusKind.FAILED: QColor(0xB0, 0x1E, 0x1E),
    StatusKind.BUSY: QColor(0x1F, 0x5F, 0xAF),
}


def header_labels(parent: QObject | None = None) -> QStandardItemModel:
    """The column titles as a model for the list's horizontal header (``QHeaderView.setModel``).

    A Python ``headerData`` would be called with a ``Qt.Orientation`` while the window is built, and
    converting that makes PySide build its whole ``Qt`` namespace (13 ms before the first paint); this
    model answers in C++. It has no rows, only the columns of :class:`Column`, like the router model."""
    model = QStandardItemModel(0, len(Column), parent)
    model.setHorizontalHeaderLabels([HEADERS[column] for column in Column])
    return model


def clock(at: float) -> str:
    """Local wall-clock time as ``10:42``."""
    return time.strftime("%H:%M", time.localtime(at))


def service_text(router: Router) -> str:
    """The default service and how many others: ``winbox 8291 +1``."""
    more = len(router.services) - 1
    return f"{router.service.value} {router.service_port}" + (f" +{more}" if more else "")


class RouterTableModel(QAbstractTableModel):
    """Rows are routers; columns are :class:`Column`."""

    def __init__(self, routers: list[Router] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._routers: list[Router] = list(routers or [])
        self._status: dict[str, RowStatus] = {}
        self._haystacks: list[str] = []
        self._sort: tuple[int, bool] = (Column.NAME, False)  # column, descending: kept by set_routers
        self._sort_list(*self._sort)
        self._rebuild_index()

    # --- data access -------------------------------------------------------------------------
    def _rebuild_index(self) -> None:
        self._haystacks = [f"{r.name}\x00{r.host}\x00{r.group}".lower() for r in self._routers]
        self._rows = {r.id: i for i, r in enumerate(self._routers)}

    @property
    def routers(self) -> list[Router]:
        return list(self._routers)

    def haystacks(self) -> list[str]:
        """Per row, ``name\\0host\\0group`` in lower case (for the filter)."""
        return self._haystacks

    def set_routers(self, routers: list[Router]) -> None:
        self.beginResetModel()
        self._routers = list(routers)
        known = {r.id for r in self._routers}
        self._status = {k: v for k, v in self._status.items() if k in known}
        self._sort_list(*self._sort)
        self._rebuild_index()
        self.endResetModel()

    def router_id_at(self, row: int) -> str:
        return self._routers[row].id

    def router_at(self, row: int) -> Router:
        return self._routers[row]

    def row_of(self, router_id: str) -> int:
        """The row of a router, or -1."""
        return self._rows.get(router_id, -1)

    def groups(self) -> list[str]:
        return sorted({r.group for r in self._routers if r.group}, key=str.lower)

    def status(self, router_id: str) -> RowStatus | None:
        return self._status.get(router_id)

    def set_status(
        self, router_id: str, text: str, kind: StatusKind, at: float | None = None, detail: str = ""
    ) -> None:
        row = self.row_of(router_id)
        if row < 0:
            return
        full = f"{text}; {detail}" if detail else text
        self._status[router_id] = RowStatus(full, kind, time.time() if at is None else at, detail, text)
        index = self.index(row, Column.RESULT)
        self.dataChanged.emit(index, index)

    def sort_order(self) -> tuple[int, bool]:
        """The column the rows are sorted by, and whether descending (by name, ascending, at first)."""
        return self._sort

    def sort_key(self, router: Router, column: int) -> Any:
        if column == Column.RESULT:
            status = self._status.get(router.id)
            return status.at if status else 0.0
        if column == Column.SERVICE:
            return service_text(router)
        return (router.name, router.host, router.group)[column].lower()

    def _sort_list(self, column: int, descending: bool) -> None:
        self._routers.sort(key=lambda r: (self.sort_key(r, column), r.name.lower()), reverse=descending)

    def sort_rows(self, column: int, descending: bool = False) -> None:
        """Sort by a column in Python (one list sort, not Qt's per-comparison calls), keeping persistent
        indexes (the selection) on their routers; later :meth:`set_routers` keep this order."""
        if not 0 <= column < len(Column):
            return
        self._sort = (column, descending)
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [self._routers[i.row()].id for i in old_persistent]
        self._sort_list(column, descending)
        self._rebuild_index()
        new = [self.index(self._rows[rid], i.column()) for rid, i in zip(old_ids, old_persistent, strict=True)]
        self.changePersistentIndexList(old_persistent, new)
        self.layoutChanged.emit()

    # --- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._routers)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: ModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        router = self._routers[index.row()]
        column = index.column()
        if role in (DISPLAY_ROLE, TOOLTIP_ROLE):
            if column == Column.NAME:
                return router.name
            if column == Column.HOST:
                return router.host
            if column == Column.GROUP:
                return router.group
            if column == Column.SERVICE:
                return service_text(router)
            status = self._status.get(router.id)
            if status is None:
                return NO_SEQUENCE if router.needs_sequence else ""
            if status.kind is StatusKind.BUSY:
                return status.text
            if role == TOOLTIP_ROLE:
                return status.text
            detail = f" — {status.detail}" if status.detail else ""
            return f"{status.headline or status.text}, {clock(status.at)}{detail}"
        if role == FOREGROUND_ROLE and column == Column.RESULT:
            status = self._status.get(router.id)
            if status and status.kind in _COLOURS:
                return QBrush(_COLOURS[status.kind])
            if status is None and router.needs_sequence:
                return QBrush(_COLOURS[StatusKind.FAILED])
        if role == ROUTER_ROLE:
            return router
        return None


class RouterFilterProxy(QSortFilterProxyModel):
    """Filters on typed text (name, host, group; every word must match) and on one group.

    The proxy never sorts (Qt's per-comparison ``lessThan`` calls cost ~180 ms per keystroke over 5,000
    rows once a sort column is set): it keeps the source model's order, which
    :meth:`RouterTableModel.sort_rows` sets.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._group: str | None = None
        self._accepted: set[str] | None = None  # router ids, None = all
        self._stale = False

    def setSourceModel(self, model: Any) -> None:
        old = self.sourceModel()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._mark_stale)
        super().setSourceModel(model)
        # Before the proxy re-filters a reset source (new routers), the accepted set must be recomputed:
        # mark it stale now, recompute on the first filterAcceptsRow (the source holds the new rows then).
        model.modelAboutToBeReset.connect(self._mark_stale)
        self._recompute()

    def filter_text(self) -> str:
        return self._text

    def group(self) -> str | None:
        return self._group

    def set_filter_text(self, text: str) -> None:
        self._text = text
        self._apply()

    def set_group(self, group: str | None) -> None:
        self._group = group or None
        self._apply()

    def _apply(self) -> None:
        # A reset is much cheaper than Qt's row-by-row removal when thousands of rows come and go
        # (40 ms vs 8 ms over 5,000 rows); the window restores the selection by router id.
        before = self._accepted
        self._recompute()
        if self._accepted == before:
            return
        after = self._accepted
        self._accepted = before
        self.beginResetModel()
        self._accepted = after
        self.endResetModel()

    def _recompute(self) -> None:
        model = self.sourceModel()
        if not isinstance(model, RouterTableModel):
            self._accepted = None
            return
        words = self._text.lower().split()
        group = self._group.lower() if self._group else None
        if not words and group is None:
            self._accepted = None
            return
        hay = model.haystacks()
        routers = model.routers
        rows: list[int] | range = range(len(hay))
        if group is not None:
            rows = [i for i in rows if routers[i].group.lower() == group]
        self._accepted = {routers[i].id for i in rows if all(w in hay[i] for w in words)}

    def _mark_stale(self) -> None:
        self._stale = True

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if self._stale:
            self._stale = False
            self._recompute()
        if self._accepted is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, RouterTableModel)
        return model.router_id_at(source_row) in self._accepted

    def router(self, proxy_row: int) -> Router:
        value = self.index(proxy_row, 0).data(ROUTER_ROLE)
        assert isinstance(value, Router)
        return value
