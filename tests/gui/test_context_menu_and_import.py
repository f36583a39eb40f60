"""The list's context menu (what it offers where, and that its actions act) and the encrypted import's
passphrase prompt (right, wrong, cancelled), with Qt's modal calls answered by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLineEdit, QMenu, QMessageBox

from knockgui.core import exchange
from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from knockgui.gui.demo import DemoRouter
from knockgui.gui.import_export import import_routers
from knockgui.gui.import_preview import ImportPreview
from knockgui.gui.router_model import Column
from tests.gui.test_main_window import demo_inventory, make_window, result_of, wait_idle

PASSPHRASE = "correct horse battery"


@pytest.fixture
def demo_router() -> Iterator[DemoRouter]:
    with DemoRouter() as router:
        yield router


def _menu_at(qtbot, window, monkeypatch, pos: QPoint, choose: str | None) -> list[QAction]:
    """Open the context menu at ``pos``; trigger the entry whose object name is ``choose``; its entries."""
    offered: list[QAction] = []

    class AnsweredMenu(QMenu):  # the real menu, but the test picks instead of a modal loop
        def exec(self, *_args: object) -> QAction | None:  # type: ignore[override]
            offered.extend(a for a in self.actions() if not a.isSeparator())
            picked = next((a for a in offered if a.objectName() == choose), None)
            if picked is not None:
                picked.trigger()
            return picked

    monkeypatch.setattr("knockgui.gui.actions.QMenu", AnsweredMenu)
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.RightButton, pos=pos)  # a right press selects the row under it
    menu_event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, menu_event)  # what Qt sends next
    qtbot.mouseRelease(viewport, Qt.MouseButton.RightButton, pos=pos)
    return offered


def _row_pos(window, name: str) -> QPoint:
    row = next(i for i, r in enumerate(window.model.routers) if r.name == name)
    proxy_row = window.proxy.mapFromSource(window.model.index(row, Column.NAME)).row()
    return window.view.visualRect(window.proxy.index(proxy_row, Column.NAME)).center()


def test_context_menu_on_a_row_and_on_empty_space(qtbot, config_dir, demo_router, monkeypatch, tmp_path) -> None:
    inventory = demo_inventory(config_dir, demo_router)
    window = make_window(qtbot, inventory, config_dir)
    a = window.acts

    offered = _menu_at(qtbot, window, monkeypatch, _row_pos(window, "demo-right"), choose=a.knock_only.objectName())
    assert offered[:3] == [a.connect, a.knock_only, a.knock_group] and offered[3].text() == "Connect &with"
    assert offered[4:] == [a.edit, a.duplicate, a.delete, a.copy_host, a.script, a.set_sequence]
    assert window.selected_router().name == "demo-right"  # the row under the pointer is the one acted on
    wait_idle(qtbot, window)
    assert result_of(window, "demo-right").startswith("open in ")

    QGuiApplication.clipboard().clear()
    _menu_at(qtbot, window, monkeypatch, _row_pos(window, "demo-wrong"), choose=a.copy_host.objectName())
    assert QGuiApplication.clipboard().text() == "127.0.0.1"
    assert window.selected_router().name == "demo-wrong"  # the right-clicked row, not the one selected before

    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda _p, _t, text, *args, **kw: asked.append(text) or QMessageBox.StandardButton.Yes
    )
    _menu_at(qtbot, window, monkeypatch, _row_pos(window, "demo-wrong"), choose=a.delete.objectName())
    assert len(asked) == 1 and "demo-wrong" in asked[0]
    assert [r.name for r in inventory.routers] == ["demo-right"]

    empty = QPoint(5, window.view.viewport().height() - 5)
    assert not window.view.indexAt(empty).isValid()
    source = Inventory.open(tmp_path / "other", MemorySecretStore())
    source.add(Router(name="from-file", host="192.0.2.70"), RouterSecret(parse_sequence("4567:udp")))
    export = tmp_path / "routers.json"
    exchange.write_export(source, export)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kw: (str(export), ""))
    monkeypatch.setattr(ImportPreview, "exec", lambda self: 1)  # the preview, accepted as shown
    offered = _menu_at(qtbot, window, monkeypatch, empty, choose=a.import_file.objectName())
    assert offered == [a.add, a.import_file]
    assert "from-file" in [r.name for r in window.model.routers]
    assert window.statusBar().currentMessage().startswith("Imported routers.json: 1 added")


def _encrypted_export(tmp_path: Path) -> Path:
    source = Inventory.open(tmp_path / "source", MemorySecretStore())
    source.add(Router(name="secret-1", host="192.0.2.71"), RouterSecret(parse_sequence("5678:tcp 6789:udp")))
    path = tmp_path / "with-secrets.kgx"
    exchange.write_export(source, path, PASSPHRASE)
    return path


def test_an_encrypted_import_asks_for_the_passphrase(qtbot, config_dir, monkeypatch, tmp_path) -> None:
    path = _encrypted_export(tmp_path)
    inventory = Inventory.open(config_dir, MemorySecretStore())
    window = make_window(qtbot, inventory, config_dir)
    answers: list[tuple[str, bool]] = [("", False), ("wrong passphrase", True), (PASSPHRASE, True)]
    prompts: list[tuple[str, object]] = []

    def get_text(_parent, _title, label, echo, *args, **kw) -> tuple[str, bool]:
        prompts.append((label, echo))
        return answers.pop(0)

    warnings: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", get_text)
    monkeypatch.setattr(ImportPreview, "exec", lambda self: 1)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **kw: warnings.append(text))

    assert import_routers(window, inventory, str(path)) == ""  # cancelled: nothing, and no complaint
    assert inventory.routers == [] and warnings == []
    assert prompts[0] == ("This file is encrypted. Passphrase:", QLineEdit.EchoMode.Password)

    wrong = import_routers(window, inventory, str(path))
    assert "passphrase is wrong" in wrong and warnings == [wrong] and inventory.routers == []
    assert "5678" not in wrong

    right = import_routers(window, inventory, str(path))
    assert right == "Imported with-secrets.kgx: 1 added, 0 merged, 0 skipped."
    imported = inventory.find("secret-1")
    assert inventory.secret(imported).sequence == parse_sequence("5678:tcp 6789:udp")
    assert len(prompts) == 3 and warnings == [wrong]

    plain = tmp_path / "plain.json"
    exchange.write_export(inventory, plain)
    import_routers(window, inventory, str(plain))
    assert len(prompts) == 3  # a plain export asks for nothing


def test_export_with_secrets_names_the_routers_without_a_sequence(qtbot, config_dir, monkeypatch, tmp_path) -> None:
    store = MemorySecretStore()
    inventory = Inventory.open(config_dir, store)
    inventory.add(Router(name="kept", host="192.0.2.80"), RouterSecret(parse_sequence("5678:tcp")))
    lost = inventory.add(Router(name="lost-one", host="192.0.2.81"), RouterSecret(parse_sequence("6789:udp")))
    store.delete(lost.id)  # its keyring entry is gone
    window = make_window(qtbot, inventory, config_dir)
    path = tmp_path / "out.json"
    answers = [PASSPHRASE, PASSPHRASE]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kw: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kw: (answers.pop(0), True))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **kw: warnings.append(text))

    window.acts.export_file.trigger()
    message = window.statusBar().currentMessage()
    assert message == (
        f"Exported 2 routers to {path} (encrypted, with secrets). 1 router was exported without a sequence "
        "because the keyring holds none for them (lost-one): set their sequence (Edit) and export again if "
        "the receiver needs it."
    )
    assert warnings == [message] and answers == []
    items = exchange.read_import(path.read_bytes(), PASSPHRASE)
    assert {i.router.name: i.secret is not None for i in items} == {"kept": True, "lost-one": False}

    answers[:] = [PASSPHRASE, "a different one"]
    window.acts.export_file.trigger()
    assert window.statusBar().currentMessage() == "The two passphrases differ; nothing was exported, so export again."
