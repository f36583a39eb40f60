"""The router editor: validation as you type, the masked sequence editor, results."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import Protocol, Step, format_sequence, parse_sequence
from knockgui.gui.router_dialog import RouterDialog
from tests.testbed.routers import make_router


def new_dialog(qtbot, **kwargs) -> RouterDialog:
    dialog = RouterDialog(None, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def fill_valid(dialog: RouterDialog) -> None:
    dialog.name.setText("office")
    dialog.host.setText("192.0.2.7")
    assert dialog.sequence.paste_text("1337:tcp 17954:udp:open") == ""


def test_save_disabled_with_reason_beside_the_field(qtbot) -> None:
    dialog = new_dialog(qtbot)
    assert not dialog.save_button.isEnabled()
    assert "empty" in dialog.reasons["name"].text()
    fill_valid(dialog)
    assert dialog.save_button.isEnabled(), dialog.problems()
    assert all(not label.isVisibleTo(dialog) for label in dialog.reasons.values())

    qtbot.keyClicks(dialog.host, " x")  # "192.0.2.7 x"
    assert not dialog.save_button.isEnabled()
    assert dialog.reasons["host"].isVisibleTo(dialog)
    assert "host" in dialog.reasons["host"].text().lower()
    dialog.host.setText("[2001:db8::1]")
    assert dialog.save_button.isEnabled(), dialog.problems()
    dialog.host.setText("300.1.2.3")
    assert "IPv4" in dialog.reasons["host"].text()
    dialog.host.setText("router.example.net")
    dialog.name.setText("-bad")
    assert "must not start with '-'" in dialog.reasons["name"].text()
    dialog.name.setText("office")
    assert dialog.save_button.isEnabled()


def test_duplicate_name_and_custom_service_need_fixing(qtbot) -> None:
    dialog = new_dialog(qtbot, taken_names={"Office"})
    fill_valid(dialog)
    assert "already exists" in dialog.reasons["name"].text()
    dialog.name.setText("office 2")
    dialog.service.setCurrentIndex(dialog.service.findData(Service.CUSTOM))
    assert not dialog.save_button.isEnabled()
    assert "command template" in dialog.reasons["other"].text()
    dialog.command.setText("myclient {host} {port}")
    assert dialog.save_button.isEnabled(), dialog.problems()
    dialog.command.setText("myclient {secret}")
    assert "placeholders" in dialog.reasons["other"].text()


def test_password_option_needs_a_password_and_shows_the_process_list_note(qtbot) -> None:
    dialog = new_dialog(qtbot)
    fill_valid(dialog)
    dialog.show()
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    assert "process list" in dialog.password_note.text()
    assert dialog.password_note.isVisible()
    dialog.pass_password.setChecked(True)
    assert not dialog.save_button.isEnabled()
    dialog.password.setText("s3cret")
    assert dialog.save_button.isEnabled()
    secret = dialog.result_secret()
    assert secret is not None and secret.password == "s3cret"
    assert dialog.result_router().pass_password is True
    dialog.service.setCurrentIndex(dialog.service.findData(Service.SSH))
    assert not dialog.password_note.isVisible()


def test_sequence_is_masked_until_revealed_and_edits_steps(qtbot) -> None:
    secret = RouterSecret(parse_sequence("1337:tcp 17954:udp icmp:128"))
    router = Router(name="a", host="192.0.2.1")
    dialog = new_dialog(qtbot, router=router, secret=secret)
    dialog.show()
    editor = dialog.sequence
    assert not editor.is_revealed()
    assert "3 steps (tcp, udp, icmp)" in editor.masked_label.text()
    assert "1337" not in editor.masked_label.text()
    assert not editor.table.isVisible()
    editor.reveal_button.click()
    assert editor.table.isVisible()
    assert format_sequence(editor.sequence()) == "1337:tcp 17954:udp icmp:128"
    editor.table.selectRow(2)
    editor.up_button.click()
    assert format_sequence(editor.sequence()) == "1337:tcp icmp:128 17954:udp"
    editor.table.selectRow(0)
    editor.down_button.click()
    assert format_sequence(editor.sequence()) == "icmp:128 1337:tcp 17954:udp"
    editor.table.selectRow(0)
    editor.remove_button.click()
    editor.add_button.click()
    assert [s.protocol for s in editor.sequence().steps] == [Protocol.TCP, Protocol.UDP, Protocol.TCP]
    assert dialog.save_button.isEnabled()


def test_bad_steps_are_named(qtbot) -> None:
    dialog = new_dialog(qtbot)
    fill_valid(dialog)
    editor = dialog.sequence
    editor.set_revealed(True)
    editor._payload(0).setText("x")  # a TCP knock cannot carry a payload
    assert not dialog.save_button.isEnabled()
    assert dialog.reasons["sequence"].text().startswith("Step 1:")
    assert "payload" in dialog.reasons["sequence"].text()
    assert dialog.reasons["sequence"].text() == (
        "Step 1: a TCP knock is a single SYN and cannot carry a payload; use udp for a payload."
    )
    editor._payload(0).setText("")
    editor._combo(1).setCurrentIndex(list(Protocol).index(Protocol.ICMP))
    editor._spin(1, 1).setValue(20)  # smaller than 28: not a whole ICMP packet
    assert dialog.reasons["sequence"].text().startswith("Step 2:")
    editor._spin(1, 1).setValue(128)
    editor._payload(1).setText("0xzz")
    assert "hex" in dialog.reasons["sequence"].text()
    editor._payload(1).setText("0x6f70")
    assert dialog.save_button.isEnabled(), dialog.problems()
    assert editor.sequence().steps[1] == Step(Protocol.ICMP, size=128, payload=b"op")
    editor.clear()
    assert "at least one" in dialog.reasons["sequence"].text()
    assert "step 2" in editor.paste_text("1337:tcp 99999:udp").lower()
    assert editor.error_label.isVisibleTo(dialog) and "step 2" in editor.error_label.text()
    assert editor.table.rowCount() == 0  # nothing half-pasted
    assert editor.paste_text("1337:tcp 17954:udp") == ""
    assert not editor.error_label.isVisibleTo(dialog)


def test_generate_fills_a_valid_random_sequence(qtbot) -> None:
    dialog = new_dialog(qtbot)
    dialog.name.setText("gen")
    dialog.host.setText("192.0.2.9")
    dialog.sequence.generate_button.click()
    assert dialog.save_button.isEnabled(), dialog.problems()
    steps = dialog.sequence.sequence().steps
    assert len(steps) >= 2 and all(s.protocol in (Protocol.TCP, Protocol.UDP) for s in steps)
    assert not dialog.sequence.is_revealed()


def test_edit_keeps_the_id_and_returns_the_typed_fields(qtbot) -> None:
    router = make_router(name="a", host="192.0.2.1", group="g", service=Service.SSH, port=2222, user="admin")
    dialog = new_dialog(qtbot, router=router, secret=RouterSecret(parse_sequence("1000:tcp")), groups=["g", "h"])
    dialog.group.setCurrentText("h")
    dialog.delay.setValue(250)
    dialog.timeout.setValue(7.5)
    result = dialog.result_router()
    assert result.id == router.id
    assert (result.group, result.port, result.user, result.delay_ms, result.timeout_s) == ("h", 2222, "admin", 250, 7.5)
    secret = dialog.result_secret()
    assert secret is not None and secret.sequence.delay_ms == 250


def test_unreadable_secret_keeps_the_stored_one(qtbot) -> None:
    router = Router(name="a", host="192.0.2.1")
    dialog = new_dialog(qtbot, router=router, secret=None, secret_error="The keyring is locked; unlock it.")
    assert dialog.findChild(QLabel, "secretError") is not None
    assert dialog.save_button.isEnabled(), dialog.problems()
    assert dialog.result_secret() is None


def test_routeros_script_view_has_the_rules_and_copies(qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    from knockgui.gui.script_dialog import ScriptDialog

    router = Router(name="office", host="192.0.2.7")
    dialog = ScriptDialog.for_router(None, router, parse_sequence("1337:tcp 17954:udp"))
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "/ip firewall" in text and "dst-port=1337" in text and "dst-port=17954" in text
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text


def test_the_paste_dialog_hides_what_is_pasted_while_the_steps_are_hidden(qtbot, monkeypatch) -> None:
    dialog = new_dialog(qtbot)
    editor = dialog.sequence
    echoes: list[QLineEdit.EchoMode] = []

    def answer(parent, title, label, echo=QLineEdit.EchoMode.Normal, *rest):
        echoes.append(echo)
        return "1337:tcp 17954:udp", True

    monkeypatch.setattr("knockgui.gui.sequence_editor.QInputDialog.getText", answer)
    assert not editor.is_revealed()
    editor.paste_button.click()
    assert echoes == [QLineEdit.EchoMode.Password]
    assert not editor.is_revealed() and "2 steps (tcp, udp)" in editor.masked_label.text()
    editor.set_revealed(True)
    editor.paste_button.click()
    assert echoes[-1] == QLineEdit.EchoMode.Normal
    assert format_sequence(editor.sequence()) == "1337:tcp 17954:udp"


def test_the_services_list_is_edited_in_place(qtbot) -> None:
    dialog = new_dialog(qtbot)
    fill_valid(dialog)
    editor = dialog.services
    assert editor.list.count() == 1 and editor.list.item(0).text() == "winbox 8291 (default)"
    assert not editor.remove_button.isEnabled()
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)  # adds a kind the router lacks: ssh
    assert editor.list.currentRow() == 1 and dialog.service.currentData() == Service.SSH
    dialog.port.setValue(2222)
    editor.user.setText("ops")
    assert editor.list.item(1).text() == "ssh 2222 as ops"
    qtbot.mouseClick(editor.default_button, Qt.MouseButton.LeftButton)
    assert editor.list.item(0).text() == "ssh 2222 as ops (default)"
    assert dialog.save_button.isEnabled(), dialog.problems()
    router = dialog.result_router()
    assert router.services == (ServiceSpec(Service.SSH, 2222, "ops"), ServiceSpec(Service.WINBOX))
    # The same kind and port twice: Save is off, and the sentence says why.
    editor.list.setCurrentRow(1)
    dialog.service.setCurrentIndex(list(Service).index(Service.SSH))
    dialog.port.setValue(2222)
    assert not dialog.save_button.isEnabled() and "listed twice" in dialog.problems()["other"]
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert editor.list.count() == 1 and dialog.save_button.isEnabled()
    # A custom service needs its command; the command field is only for custom services.
    dialog.service.setCurrentIndex(list(Service).index(Service.CUSTOM))
    assert dialog.command.isEnabled() and "custom service needs a command" in dialog.problems()["other"]
    dialog.command.setText("kgclient {host} {port}")
    assert dialog.result_router().services[0].command == "kgclient {host} {port}"
