"""The router table model and its filter proxy."""

from __future__ import annotations

from PySide6.QtCore import Qt

from knockgui.core.model import Router, Service
from knockgui.gui.router_model import Column, RouterFilterProxy, RouterTableModel, StatusKind, header_labels
from tests.testbed.routers import make_router


def routers() -> list[Router]:
    return [
        make_router(name="Core-1", host="10.1.0.1", group="Core", service=Service.WINBOX),
        make_router(name="branch-a", host="a.example.net", group="Branches", service=Service.SSH),
        make_router(name="branch-b", host="10.2.0.1", group="Branches", service=Service.WEBFIG, port=8080),
        Router(name="lab", host="lab.example.org", group=""),
    ]


def names(proxy: RouterFilterProxy) -> list[str]:
    return [proxy.router(row).name for row in range(proxy.rowCount())]


def test_columns_show_fields_and_service_port(qtbot) -> None:
    model = RouterTableModel(routers())
    assert model.rowCount() == 4 and model.columnCount() == 5
    titles = header_labels()
    assert titles.columnCount() == model.columnCount()
    assert [titles.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "Name",
        "Host",
        "Group",
        "Service",
        "Last result",
    ]
    branch_b = next(r for r in model.routers if r.name == "branch-b")
    row = model.row_of(branch_b.id)
    assert model.index(row, Column.NAME).data() == "branch-b"
    assert model.index(row, Column.HOST).data() == "10.2.0.1"
    assert model.index(row, Column.GROUP).data() == "Branches"
    assert model.index(row, Column.SERVICE).data() == "webfig 8080"
    core = next(r for r in model.routers if r.name == "Core-1")
    assert model.index(model.row_of(core.id), Column.SERVICE).data() == "winbox 8291"
    assert model.index(row, Column.RESULT).data() == ""


def test_result_column_shows_text_and_time(qtbot) -> None:
    model = RouterTableModel(routers())
    router = model.routers[0]
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), a.column())))
    model.set_status(router.id, "open in 38 ms", StatusKind.OK, at=0.0)
    index = model.index(model.row_of(router.id), Column.RESULT)
    import time

    expected_clock = time.strftime("%H:%M", time.localtime(0.0))
    assert index.data() == f"open in 38 ms, {expected_clock}"
    assert index.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert changed == [(index.row(), Column.RESULT)]
    model.set_status(router.id, "step 1 of 2 sent (tcp)", StatusKind.BUSY)
    assert index.data() == "step 1 of 2 sent (tcp)"  # progress has no time
    model.set_status("no-such-id", "x", StatusKind.OK)  # ignored


def test_filter_matches_name_host_group_case_insensitive(qtbot) -> None:
    model = RouterTableModel(routers())
    proxy = RouterFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("BRANCH")
    assert sorted(names(proxy)) == ["branch-a", "branch-b"]
    proxy.set_filter_text("10.")
    assert sorted(names(proxy)) == ["Core-1", "branch-b"]
    proxy.set_filter_text("core")  # name and group
    assert names(proxy) == ["Core-1"]
    proxy.set_filter_text("example branches")  # every word must match somewhere
    assert names(proxy) == ["branch-a"]
    proxy.set_filter_text("nothing-like-this")
    assert proxy.rowCount() == 0
    proxy.set_filter_text("")
    assert proxy.rowCount() == 4


def test_group_filter_combines_with_text(qtbot) -> None:
    model = RouterTableModel(routers())
    proxy = RouterFilterProxy()
    proxy.setSourceModel(model)
    assert model.groups() == ["Branches", "Core"]
    proxy.set_group("Branches")
    assert sorted(names(proxy)) == ["branch-a", "branch-b"]
    proxy.set_filter_text("10.")
    assert names(proxy) == ["branch-b"]
    proxy.set_group(None)
    assert sorted(names(proxy)) == ["Core-1", "branch-b"]


def test_sorting_by_each_column_and_after_reload(qtbot) -> None:
    model = RouterTableModel(routers())
    proxy = RouterFilterProxy()
    proxy.setSourceModel(model)
    assert names(proxy) == ["branch-a", "branch-b", "Core-1", "lab"]  # by name at first
    assert model.sort_order() == (Column.NAME, False)
    model.sort_rows(Column.HOST, descending=True)
    assert [proxy.router(r).host for r in range(4)] == ["lab.example.org", "a.example.net", "10.2.0.1", "10.1.0.1"]
    model.sort_rows(Column.GROUP)
    assert names(proxy)[0] == "lab"  # empty group first
    lab = model.routers[model.row_of(next(r.id for r in model.routers if r.name == "lab"))]
    model.set_status(lab.id, "open", StatusKind.OK, at=100.0)
    model.sort_rows(Column.RESULT, descending=True)
    assert names(proxy)[0] == "lab"
    model.sort_rows(Column.NAME, descending=True)
    model.set_routers([*model.routers, Router(name="zulu", host="z")])  # reload keeps the order
    assert names(proxy)[0] == "zulu" and names(proxy)[-1] == "branch-a"
    proxy.set_filter_text("branch")
    assert names(proxy) == ["branch-b", "branch-a"]


def test_sort_keeps_selection_on_its_router(qtbot) -> None:
    from PySide6.QtWidgets import QTableView

    model = RouterTableModel(routers())
    proxy = RouterFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.selectRow(names(proxy).index("lab"))
    model.sort_rows(Column.HOST)
    assert names(proxy).index("lab") == 3  # moved: 10.1.0.1, 10.2.0.1, a.example.net, lab.example.org
    selected = view.selectionModel().selectedRows()
    assert [proxy.router(i.row()).name for i in selected] == ["lab"]


def test_filter_over_5000_routers_is_correct(qtbot) -> None:
    many = [Router(name=f"r{i:05d}", host=f"10.{i // 250}.{i % 250}.1", group=f"site{i % 40}") for i in range(5000)]
    model = RouterTableModel(many)
    proxy = RouterFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("r0012")
    assert proxy.rowCount() == 10
    proxy.set_filter_text("site39")
    assert proxy.rowCount() == 125
    proxy.set_filter_text("")
    assert proxy.rowCount() == 5000


def test_a_reload_under_an_active_filter_shows_new_matches(qtbot) -> None:
    from PySide6.QtWidgets import QTableView

    model = RouterTableModel(routers())
    proxy = RouterFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()  # a view makes the proxy re-filter during the reset itself
    qtbot.addWidget(view)
    view.setModel(proxy)
    proxy.set_filter_text("branch")
    assert proxy.rowCount() == 2
    model.set_routers([*model.routers, Router(name="branch-c", host="c.example.net")])
    assert sorted(names(proxy)) == ["branch-a", "branch-b", "branch-c"]
    model.set_routers([r for r in model.routers if r.name != "branch-a"])
    assert sorted(names(proxy)) == ["branch-b", "branch-c"]
