"""Routers > Import… with its preview (added, merged, skipped and why, nothing written before Import),
the list's mark on routers without a sequence, and Routers > Set sequence… for all of them at once."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from knockgui.core.importers import read_source, winbox
from knockgui.core.importers.records import Record
from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from knockgui.gui.import_export import import_routers
from knockgui.gui.import_preview import ImportPreview, entry_rows
from knockgui.gui.router_model import NO_SEQUENCE, Column
from knockgui.gui.set_sequence import SetSequenceDialog
from tests.gui.test_main_window import make_window

ENTRIES = [
    Record(host="10.20.0.1", user="admin", password="kept-pw-1", note="North", group="G"),
    Record(host="10.20.0.1", user="other", note="North again"),  # same address: merged
    Record(host="10.20.0.2:8299", note="South", group="G"),
    Record(host="02:00:00:00:00:01", note="by mac"),
]


def _cdb(tmp_path: Path, password: str | None = None) -> Path:
    path = tmp_path / "Addresses.cdb"
    path.write_bytes(winbox.encode([winbox.record_fields(r) for r in ENTRIES], password=password))
    return path


def _result(window, name: str) -> str:
    row = next(i for i, r in enumerate(window.model.routers) if r.name == name)
    return window.model.data(window.model.index(row, Column.RESULT))


def test_preview_shows_everything_and_writes_nothing_until_import(qtbot, config_dir, tmp_path, monkeypatch) -> None:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    window = make_window(qtbot, inventory, config_dir)
    path = _cdb(tmp_path, password="master")
    prompts: list[str] = []
    monkeypatch.setattr(
        QInputDialog, "getText", lambda _p, _t, label, *a, **kw: prompts.append(label) or ("master", True)
    )
    seen: list[list[tuple[str, str, str]]] = []

    def cancel(self: ImportPreview) -> int:
        seen.append(entry_rows(self.plan))
        return 0

    monkeypatch.setattr(ImportPreview, "exec", cancel)
    assert import_routers(window, inventory, str(path)) == ""
    assert prompts == ["Winbox master password:"] and inventory.routers == [] and not inventory.path.exists()
    assert seen[0] == [
        ("add", "North", "as North (10.20.0.1:8291), no knock sequence yet"),
        ("merge", "North again", "into North (an earlier entry)"),
        ("add", "South", "as South (10.20.0.2:8299), no knock sequence yet"),
        ("skip", "by mac", "a MAC-address entry (no IP address to knock)"),
    ]
    monkeypatch.setattr(ImportPreview, "exec", lambda self: 1)
    message = import_routers(window, inventory, str(path))
    assert message.startswith("Imported Addresses.cdb: 2 added, 1 merged, 1 skipped.")
    window.refresh()
    assert _result(window, "North") == NO_SEQUENCE and _result(window, "South") == NO_SEQUENCE
    north = inventory.find("North")
    assert inventory.secrets.get(north.id) == RouterSecret(None, "kept-pw-1", "admin")

    dialog = SetSequenceDialog(window, inventory, [])
    qtbot.addWidget(dialog)
    assert dialog.scope.currentText() == "every router without a sequence yet (2)"
    assert dialog.generated.isChecked()
    dialog.accept()
    assert dialog.result() == 1 and "its own new random sequence each for 2 routers" in dialog.result_message
    window.refresh()
    assert _result(window, "North") == "" and not inventory.find("South").needs_sequence
    kept = inventory.secret(inventory.find("North"))
    assert kept.password == "kept-pw-1" and kept.login == "admin"


def test_set_sequence_typed_for_a_group_and_copied(qtbot, config_dir) -> None:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.add(Router("Model", "10.30.0.1"), RouterSecret(parse_sequence("4321:tcp")))
    for name in ("a", "b"):
        inventory.add(Router(name, f"10.30.0.{2 if name == 'a' else 3}", group="Site"), RouterSecret(None, "pw"))
    dialog = SetSequenceDialog(None, inventory, [inventory.find("a")])
    qtbot.addWidget(dialog)
    assert [dialog.scope.itemText(i) for i in range(dialog.scope.count())] == [
        "the 1 selected routers",
        'every router of group "Site" (2)',
        "every router without a sequence yet (2)",
    ]
    dialog.scope.setCurrentIndex(1)
    dialog.typed.setChecked(True)
    dialog.text.setText("99999:tcp")
    dialog.accept()
    assert dialog.result() != 1 and "port" in dialog.problem.text() and "99999" not in dialog.problem.text()
    dialog.copied.setChecked(True)
    dialog.source.setCurrentIndex(dialog.source.findText("Model"))
    dialog.accept()
    assert dialog.result() == 1
    for name in ("a", "b"):
        secret = inventory.secret(inventory.find(name))
        assert secret.knock_sequence == parse_sequence("4321:tcp") and secret.password == "pw"


def test_preview_replace_box_for_a_retargeting_file(qtbot, config_dir, tmp_path) -> None:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.add(Router("Office", "127.0.0.1"), RouterSecret(parse_sequence("1337:tcp"), "office-pw"))
    path = tmp_path / "evil.json"
    entry = {"name": "Office", "host": "127.0.0.2", "pass_password": True}
    path.write_text(json.dumps({"format": "knockgui-routers", "version": 1, "routers": [entry]}))
    preview = ImportPreview(None, inventory, read_source(path))
    qtbot.addWidget(preview)
    assert not preview.replace.isHidden() and not preview.replace.isChecked()
    (row,) = entry_rows(preview.plan)
    assert row[0] == "skip" and "host 127.0.0.1 -> 127.0.0.2" in row[2]
    assert not preview.import_button.isEnabled()
    preview.replace.setChecked(True)
    assert entry_rows(preview.plan)[0][0] == "merge" and preview.import_button.isEnabled()
    preview.merge.setChecked(False)
    assert entry_rows(preview.plan)[0][0] == "skip"


def test_winbox_file_is_offered_first(qtbot, config_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    saved = tmp_path / "data" / "MikroTik" / "WinBox"
    saved.mkdir(parents=True)
    _cdb(saved)
    inventory = Inventory.open(config_dir, MemorySecretStore())
    window = make_window(qtbot, inventory, config_dir)
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda _p, _t, text, *a, **kw: asked.append(text) or QMessageBox.StandardButton.Yes
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **kw: (_ for _ in ()).throw(AssertionError))
    monkeypatch.setattr(ImportPreview, "exec", lambda self: 1)
    window.acts.import_file.trigger()
    assert len(asked) == 1 and str(saved / "Addresses.cdb") in asked[0]
    assert {r.name for r in inventory.routers} == {"North", "South"}
    assert window.statusBar().currentMessage().startswith("Imported Addresses.cdb: 2 added")


def test_the_editor_marks_an_imported_command_and_saving_confirms_it(qtbot) -> None:
    from knockgui.core.model import Service, single
    from knockgui.gui.router_dialog import RouterDialog

    imported = Router(
        "Runner",
        "10.40.0.1",
        services=single(Service.CUSTOM, command="myclient {host}"),
        command_unconfirmed=True,
        needs_sequence=True,
    )
    dialog = RouterDialog(None, imported, RouterSecret(None, "pw", "ops"), "no knock sequence yet")
    qtbot.addWidget(dialog)
    assert not dialog.imported_note.isHidden() and "imported file" in dialog.imported_note.text()
    assert dialog.password.text() == "pw"  # the kept password fills the editor
    assert not dialog.result_router().command_unconfirmed
    plain = RouterDialog(None, Router("Plain", "10.40.0.2"), None)
    qtbot.addWidget(plain)
    assert plain.imported_note.isHidden()


def test_a_keyring_refusing_while_the_preview_is_open_is_a_sentence(qtbot, config_dir, tmp_path) -> None:
    store = MemorySecretStore()
    inventory = Inventory.open(config_dir, store)
    inventory.add(Router("Office", "10.50.0.1"), RouterSecret(parse_sequence("1337:tcp"), "pw"))
    path = tmp_path / "office.csv"
    path.write_text("name,host,password\nOffice,10.50.0.1,new-pw\n")
    preview = ImportPreview(None, inventory, read_source(path))  # compares the password: reads the keyring
    qtbot.addWidget(preview)
    assert entry_rows(preview.plan)[0][0] == "merge" and preview.import_button.isEnabled()
    store.fail = "The keyring is locked; unlock it and try again."
    preview.merge.setChecked(False)
    preview.merge.setChecked(True)
    assert preview.summary.text() == store.fail and not preview.import_button.isEnabled()
