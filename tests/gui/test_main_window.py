"""The main window: list, filter + Enter, knock flow end to end against the demo router, errors, keyring state.

Every knock here goes to loopback (the demo router) only; the namespace-router flows are in
test_knock_flow.py. The launched program is the recording stand-in (tests/testbed/recorder.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from knockgui.core.model import Router, Service, single
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import Protocol, Sequence, Step
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui.demo import DemoRouter
from knockgui.gui.main_window import MainWindow
from knockgui.gui.router_model import Column
from tests.testbed import recorder
from tests.testbed.routers import make_router, with_service


@pytest.fixture
def demo_router():
    with DemoRouter() as router:
        yield router


def demo_inventory(config_dir: Path, demo: DemoRouter, store: MemorySecretStore | None = None) -> Inventory:
    """Two loopback entries for the demo router: one with the right sequence, one with the steps swapped."""
    inventory = Inventory.open(config_dir, store or MemorySecretStore())
    right = demo.sequence
    wrong = Sequence(tuple(reversed(right.steps)))
    common = {"host": "127.0.0.1", "services": single(Service.WEBFIG, demo.management_port)}
    # The right one gets time to spare on a busy machine; the wrong one fails after 1 s.
    inventory.add(Router(name="demo-right", group="demo", timeout_s=10.0, **common), RouterSecret(right))
    inventory.add(Router(name="demo-wrong", group="demo", timeout_s=1.0, **common), RouterSecret(wrong))
    return inventory


def make_window(qtbot, inventory: Inventory, config_dir: Path) -> MainWindow:
    window = MainWindow(inventory, Settings(default_timeout_s=2.0), config_dir)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # shortcuts need the active window
    qtbot.waitUntil(window.isActiveWindow)
    return window


def result_of(window: MainWindow, name: str) -> str:
    model = window.model
    row = next(i for i, r in enumerate(model.routers) if r.name == name)
    return str(model.index(row, Column.RESULT).data())


def wait_idle(qtbot, window: MainWindow, timeout: int = 15000) -> None:
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=timeout)


def test_title_and_empty_list_says_what_to_do(qtbot, config_dir: Path) -> None:
    window = make_window(qtbot, Inventory.open(config_dir, MemorySecretStore()), config_dir)
    assert window.windowTitle().startswith("knockgui")
    assert window.stack.currentWidget() is window.empty
    text = window.empty.text()
    assert "Add router" in text and "Import" in text
    assert not window.acts.connect.isEnabled()


def test_filter_then_enter_connects_the_first_match(qtbot, config_dir, demo_router, recorder_bin) -> None:
    _bin, records = recorder_bin
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter.hasFocus()
    qtbot.keyClicks(window.filter, "RIGHT")
    assert window.proxy.rowCount() == 1
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert result_of(window, "demo-right").startswith("open in ")
    assert "WebFig at http://127.0.0.1:" in result_of(window, "demo-right")
    assert "demo-right: open in" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: len(recorder.records(records)) == 1, timeout=10000)
    argv = recorder.records(records)[0]["argv"]
    assert argv[-1] == f"http://127.0.0.1:{demo_router.management_port}/"
    assert result_of(window, "demo-wrong") == ""


def test_moving_the_selection_from_the_filter_picks_that_router(qtbot, config_dir, demo_router, recorder_bin) -> None:
    _bin, records = recorder_bin
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    window.focus_filter()
    qtbot.keyClicks(window.filter, "demo")
    assert window.selected_router().name == "demo-right"  # the first match
    qtbot.keyClick(window.filter, Qt.Key.Key_Down)
    assert window.selected_router().name == "demo-wrong"
    qtbot.keyClicks(window.filter, "-")  # still matches both: the user's choice stays
    assert window.selected_router().name == "demo-wrong"
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    # The swapped steps do not open the port: the sentence says so, and nothing is launched.
    assert result_of(window, "demo-wrong").startswith("no answer after 1 s")
    assert result_of(window, "demo-right") == ""
    assert recorder.records(records) == []


def test_knock_only_checks_without_launching(qtbot, config_dir, demo_router, recorder_bin) -> None:
    _bin, records = recorder_bin
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    window._select(window.model.routers[0].id)
    window.acts.knock_only.trigger()
    wait_idle(qtbot, window)
    assert result_of(window, "demo-right").startswith("open in ")
    assert "WebFig" not in result_of(window, "demo-right")
    assert recorder.records(records) == []


def test_double_click_and_enter_in_the_list_connect(qtbot, config_dir, demo_router, recorder_bin) -> None:
    _bin, records = recorder_bin
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    view = window.view
    rect = view.visualRect(window.proxy.index(0, Column.NAME))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # Qt needs the press first
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(recorder.records(records)) == 1, timeout=10000)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(recorder.records(records)) == 2, timeout=10000)


def test_several_routers_at_once(qtbot, config_dir, demo_router, recorder_bin) -> None:
    inventory = demo_inventory(config_dir, demo_router)
    with DemoRouter() as other:  # a second router, so one knock's success cannot open the other's port
        wrong = inventory.find("demo-wrong")
        inventory.update(with_service(wrong, port=other.management_port))
        window = make_window(qtbot, inventory, config_dir)
        for router in window.model.routers:
            assert window.start_knock(router, launch=False)
        assert sorted(window.runner.running()) == sorted(r.id for r in window.model.routers)
        assert not window.start_knock(window.model.routers[0])  # already running
        wait_idle(qtbot, window)
    assert result_of(window, "demo-right").startswith("open in ")
    assert result_of(window, "demo-wrong").startswith("no answer")


def test_keyring_unusable_is_shown_and_the_list_stays_usable(qtbot, config_dir, demo_router) -> None:
    store = MemorySecretStore()
    inventory = demo_inventory(config_dir, demo_router, store)
    locked = Inventory.open(config_dir, MemorySecretStore(fail="The keyring is locked: unlock it and try again."))
    window = make_window(qtbot, locked, config_dir)
    qtbot.waitUntil(lambda: "NOT usable" in window.keyring_label.text())
    assert window.model.rowCount() == len(inventory.routers)
    window.focus_filter()
    qtbot.keyClicks(window.filter, "wrong")
    assert window.proxy.rowCount() == 1
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert "keyring is locked" in result_of(window, "demo-wrong")
    assert "keyring is locked" in window.statusBar().currentMessage()


def test_an_unexpected_exception_opens_a_dialog_and_the_app_keeps_running(
    qtbot, config_dir, demo_router, monkeypatch
) -> None:
    import knockgui.core.connect

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(knockgui.core.connect, "connect", broken)
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    window.connect_selected()
    wait_idle(qtbot, window)
    box = window.findChild(QMessageBox, "unexpectedError")
    assert box is not None and box.isVisible()
    assert "ZeroDivisionError" in box.detailedText()
    assert "unexpectedly" in result_of(window, window.selected_router().name)
    box.close()
    monkeypatch.undo()
    window.acts.knock_only.trigger()
    wait_idle(qtbot, window)
    assert result_of(window, "demo-right").startswith("open in ")


def test_excepthook_shows_details_instead_of_a_traceback(qtbot) -> None:
    import sys

    from knockgui.gui import errors

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        errors.excepthook(*sys.exc_info())
    from PySide6.QtWidgets import QApplication

    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and "boom" in w.detailedText()]
    assert len(boxes) == 1 and "RuntimeError: boom" in boxes[0].detailedText()
    assert boxes[0].isVisible()
    for box in boxes:
        box.close()
        box.deleteLater()


def test_delete_asks_first(qtbot, config_dir, demo_router, monkeypatch) -> None:
    inventory = demo_inventory(config_dir, demo_router)
    window = make_window(qtbot, inventory, config_dir)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    window._select(window.model.routers[0].id)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "demo-right" in asked[0]
    assert len(inventory.routers) == 2
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert [r.name for r in inventory.routers] == ["demo-wrong"]
    assert window.model.rowCount() == 1
    assert inventory.secrets.get(window.model.routers[0].id) is not None


def test_group_filter_and_copy_host(qtbot, config_dir) -> None:
    from PySide6.QtGui import QGuiApplication

    inventory = Inventory.open(config_dir, MemorySecretStore())
    seq = RouterSecret(Sequence((Step(Protocol.TCP, port=1000),)))
    inventory.add(Router(name="a", host="192.0.2.1", group="north"), seq)
    inventory.add(Router(name="b", host="192.0.2.2", group="south"), seq)
    window = make_window(qtbot, inventory, config_dir)
    assert window.group.isVisible()
    window.group.setCurrentIndex(window.group.findData("south"))
    assert window.proxy.rowCount() == 1 and window.selected_router().name == "b"
    window.acts.copy_host.trigger()
    assert QGuiApplication.clipboard().text() == "192.0.2.2"


def test_a_core_error_is_its_sentence_beside_the_router(qtbot, config_dir, demo_router, tmp_path, monkeypatch) -> None:
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # no Winbox anywhere
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.add(Router(name="no-client", host="127.0.0.1", timeout_s=1.0), RouterSecret(demo_router.sequence))
    window = make_window(qtbot, inventory, config_dir)
    window.connect_selected()
    wait_idle(qtbot, window)
    text = result_of(window, "no-client")
    assert text.startswith("Winbox was not found: set its path in Settings")
    assert "Traceback" not in text
    assert window.statusBar().currentMessage() == f"no-client: {text.rsplit(', ', 1)[0]}"


def test_clearing_the_filter_keeps_the_chosen_router(qtbot, config_dir, demo_router) -> None:
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    window.focus_filter()
    qtbot.keyClicks(window.filter, "wrong")
    assert window.selected_router().name == "demo-wrong"
    window.filter.clear()
    assert window.proxy.rowCount() == 2
    assert window.selected_router().name == "demo-wrong"
    qtbot.keyClicks(window.filter, "demo")  # typing again: the first match
    assert window.selected_router().name == "demo-right"


def test_add_and_edit_through_the_dialog_save_to_the_inventory(qtbot, config_dir, demo_router, monkeypatch) -> None:
    from knockgui.gui.router_dialog import RouterDialog

    inventory = demo_inventory(config_dir, demo_router)
    window = make_window(qtbot, inventory, config_dir)
    steps: list[str] = []

    def fake_exec(dialog: RouterDialog) -> int:  # what the user types, then Save
        if not dialog.name.text():  # Add
            dialog.name.setText("new one")
            dialog.host.setText("127.0.0.1")
            dialog.group.setCurrentText("fresh")
            dialog.sequence.paste_text("4000:udp:hello")
        elif dialog._original is not None:  # Edit (Duplicate opens a prefilled new router)
            steps.append(dialog.sequence.masked_label.text())
            dialog.user.setText("admin")
        assert dialog.save_button.isEnabled(), dialog.problems()
        return 1

    monkeypatch.setattr(RouterDialog, "exec", fake_exec)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    added = inventory.find("new one")
    assert added.group == "fresh"
    assert inventory.secret(added).sequence.steps[0].payload == b"hello"
    assert window.selected_router().name == "new one"
    assert window.group.findData("fresh") >= 0

    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert steps == ["Sequence hidden: 1 step (udp). Press Reveal to see or edit it."]
    assert inventory.find("new one").user == "admin"
    assert inventory.find("new one").id == added.id

    window.acts.duplicate.trigger()  # a copy opens as a new router named "... (copy)"
    copy = inventory.find("new one (copy)")
    assert copy.id != added.id and (copy.host, copy.group, copy.user) == ("127.0.0.1", "fresh", "admin")
    assert inventory.secret(copy).sequence == inventory.secret(added).sequence


def test_test_knock_in_the_editor_checks_without_launching(qtbot, demo_router, recorder_bin) -> None:
    from knockgui.gui.router_dialog import RouterDialog

    _bin, records = recorder_bin
    router = make_router(
        name="t", host="127.0.0.1", service=Service.WEBFIG, port=demo_router.management_port, timeout_s=1.0
    )
    dialog = RouterDialog(None, router, RouterSecret(Sequence(tuple(reversed(demo_router.sequence.steps)))))
    qtbot.addWidget(dialog)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.runner.running(), timeout=10000)
    assert dialog.test_result.text().startswith("no answer after 1 s")
    dialog.sequence.set_sequence(demo_router.sequence)
    dialog.timeout.setValue(10.0)  # time to spare on a busy machine
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.runner.running(), timeout=10000)
    assert dialog.test_result.text().startswith("open in ")
    assert recorder.records(records) == []


def test_the_list_follows_changes_made_by_another_program(qtbot, config_dir, demo_router) -> None:
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    other = Inventory.open(config_dir, MemorySecretStore())  # e.g. knockgui-cli in another process
    other.add(Router(name="from the cli", host="192.0.2.50"), RouterSecret(demo_router.sequence))
    assert window.model.rowCount() == 2
    assert window.reload_if_changed()  # what activating the window does
    assert "from the cli" in [r.name for r in window.model.routers]
    assert not window.reload_if_changed()


def test_keyboard_only_tab_order(qtbot, config_dir, demo_router) -> None:
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    window.focus_filter()
    qtbot.keyClick(window.filter, Qt.Key.Key_Tab)
    assert window.group.hasFocus()
    qtbot.keyClick(window.group, Qt.Key.Key_Tab)
    assert window.view.hasFocus()


def test_keep_open_reknocks_reported_from_their_thread(qtbot, config_dir, demo_router) -> None:
    import threading

    from knockgui.core.knock import knock

    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    router = window.inventory.find("demo-right")

    def reknock() -> None:  # what connect's KeepOpen thread does after each re-knock
        result = knock("127.0.0.1", demo_router.sequence, check_port=demo_router.management_port, timeout=2)
        window.reknocked.emit(router.id, result, "")

    thread = threading.Thread(target=reknock)
    thread.start()
    qtbot.waitUntil(lambda: result_of(window, "demo-right").startswith("kept open: open in "), timeout=10000)
    thread.join()


def test_import_a_file_and_the_routeros_script_of_a_router(
    qtbot, config_dir, demo_router, tmp_path, monkeypatch
) -> None:
    from knockgui.core import exchange
    from knockgui.gui.import_export import import_routers
    from knockgui.gui.script_dialog import ScriptDialog

    source = Inventory.open(tmp_path / "other", MemorySecretStore())
    source.add(Router(name="imported-1", host="192.0.2.61"), RouterSecret(demo_router.sequence))
    source.add(Router(name="imported-2", host="192.0.2.62"), RouterSecret(demo_router.sequence))
    export = tmp_path / "routers-export.json"
    exchange.write_export(source, export)

    from knockgui.gui.import_preview import ImportPreview

    inventory = demo_inventory(config_dir, demo_router)
    window = make_window(qtbot, inventory, config_dir)
    previewed: list[int] = []
    monkeypatch.setattr(ImportPreview, "exec", lambda dialog: previewed.append(1) or 1)  # the user accepts
    message = import_routers(window, inventory, str(export))
    assert previewed == [1]
    assert message.startswith("Imported routers-export.json: 2 added"), message
    window.refresh()
    assert {"imported-1", "imported-2"} <= {r.name for r in window.model.routers}

    shown: list[str] = []
    monkeypatch.setattr(ScriptDialog, "exec", lambda dialog: shown.append(dialog.text.toPlainText()) or 0)
    window._select(inventory.find("demo-right").id)
    window.acts.script.trigger()
    port = demo_router.knock_ports[0]
    assert len(shown) == 1 and f"dst-port={port}" in shown[0]


def test_enter_with_no_match_says_so(qtbot, config_dir, demo_router) -> None:
    window = make_window(qtbot, demo_inventory(config_dir, demo_router), config_dir)
    window.focus_filter()
    qtbot.keyClicks(window.filter, "zzz")
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    assert window.runner.running() == []
    assert window.statusBar().currentMessage() == 'No router matches "zzz": change the filter, or add one with Ctrl+N.'


def test_a_group_that_disappears_stops_filtering(qtbot, config_dir, monkeypatch) -> None:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    seq = RouterSecret(Sequence((Step(Protocol.TCP, port=1000),)))
    inventory.add(Router(name="a", host="192.0.2.1", group="north"), seq)
    inventory.add(Router(name="b", host="192.0.2.2", group="south"), seq)
    window = make_window(qtbot, inventory, config_dir)
    window.group.setCurrentIndex(window.group.findData("south"))
    assert window.proxy.rowCount() == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)  # the last router of "south"
    assert window.group.findData("south") < 0
    assert window.group.currentData() is None and window.proxy.rowCount() == 1
    assert window.selected_router().name == "a"


def test_column_titles_and_sorting_by_clicking_a_header(qtbot, config_dir, inventory) -> None:
    from PySide6.QtCore import QPoint

    window = make_window(qtbot, inventory, config_dir)
    header = window.view.horizontalHeader()
    titles = [header.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
    assert titles == ["Name", "Host", "Group", "Service", "Last result"]

    def names() -> list[str]:
        return [window.proxy.router(row).name for row in range(window.proxy.rowCount())]

    def click(column: Column) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))

    assert names() == ["alpha", "bravo", "charlie"]  # by name at first; the arrow says so once painted
    qtbot.waitUntil(header.isSortIndicatorShown)
    assert window.filter.isClearButtonEnabled()  # also set up once the window is painted
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (Column.NAME, Qt.SortOrder.AscendingOrder)
    window._select(next(r.id for r in inventory.routers if r.name == "bravo"))
    click(Column.GROUP)  # north: alpha, charlie; south: bravo
    assert names() == ["alpha", "charlie", "bravo"]
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (Column.GROUP, Qt.SortOrder.AscendingOrder)
    click(Column.GROUP)  # again: reversed
    assert names() == ["bravo", "charlie", "alpha"]
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert window.selected_router().name == "bravo"  # the selection stays on its router
    window.filter.setText("a")  # filtering keeps the order
    assert names() == ["bravo", "charlie", "alpha"]
    click(Column.HOST)
    assert names() == ["alpha", "bravo", "charlie"]  # 192.0.2.1, 192.0.2.2, gw.example.net


def test_open_until_is_shown_after_a_knock_and_in_the_next_window(qtbot, config_dir, demo_router, recorder_bin) -> None:
    inventory = demo_inventory(config_dir, demo_router)
    window = make_window(qtbot, inventory, config_dir)
    window._select(inventory.find("demo-right").id)
    window.acts.knock_only.trigger()
    wait_idle(qtbot, window)
    assert re.match(r"open in [\d.]+ ms, open until [\d: -]+, \d\d:\d\d$", result_of(window, "demo-right"))
    window.close()
    again = make_window(qtbot, Inventory.open(config_dir, inventory.secrets), config_dir)
    qtbot.waitUntil(lambda: result_of(again, "demo-right").startswith("open until "), timeout=5000)
    assert result_of(again, "demo-wrong") == ""
