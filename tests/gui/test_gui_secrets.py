"""The GUI shows no knock sequence or password unless the user reveals it: after a knock-and-connect
(loopback, a stand-in Winbox) no visible text (labels, fields, lists, status bar, tooltips, titles, every
role of the router list) holds a port, the payload or the password, and neither does the log; the router
editor shows them only after Reveal (checked, so the scan could have failed)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLabel, QLineEdit, QWidget

from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from knockgui.gui.router_dialog import RouterDialog
from tests.gui.test_main_window import make_window, result_of, wait_idle
from tests.testbed import recorder
from tests.testbed.routers import make_router

PORTS = ("23917", "47213")
PAYLOAD = "kgPayload-Q7v"
PASSWORD = "pw-Leak-7731x"
SEQUENCE = f"{PORTS[0]}:tcp {PORTS[1]}:udp:{PAYLOAD}"
SECRETS = (*PORTS, PAYLOAD, PASSWORD)


def visible_text(top: QWidget) -> str:
    """Every text a user could read in ``top`` and its visible children (password fields count as dots)."""
    parts = [top.windowTitle(), top.toolTip()]
    for widget in [top, *top.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        parts.append(widget.toolTip())
        masked = isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal
        if isinstance(widget, (QLabel, QLineEdit, QAbstractSpinBox)) and not masked:
            parts.append(widget.text())
        elif isinstance(widget, QComboBox):
            parts.append(widget.currentText())
    return "\n".join(p for p in parts if p)


def model_text(window) -> str:
    model = window.model
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.StatusTipRole)
    cells = [model.index(r, c) for r in range(model.rowCount()) for c in range(model.columnCount())]
    return "\n".join(str(index.data(role)) for index in cells for role in roles)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_no_secret_on_screen_after_a_connect_or_in_the_editor_until_revealed(
    qtbot, config_dir: Path, listener: int, recorder_bin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _bin, records = recorder_bin
    inventory = Inventory.open(config_dir, MemorySecretStore())
    router = make_router(name="office", host="127.0.0.1", port=listener, user="admin", pass_password=True, timeout_s=10)
    inventory.add(router, RouterSecret(parse_sequence(SEQUENCE), PASSWORD))
    window = make_window(qtbot, inventory, config_dir)

    window.connect_selected()
    wait_idle(qtbot, window)
    assert result_of(window, "office").startswith("open in "), result_of(window, "office")
    qtbot.waitUntil(lambda: len(recorder.records(records)) == 1, timeout=10000)
    assert recorder.records(records)[0]["argv"][-1] == PASSWORD  # Winbox got it, the screen did not
    shown = visible_text(window) + model_text(window) + window.statusBar().currentMessage()
    shown += "".join(visible_text(w) for w in QApplication.topLevelWidgets())
    assert leaks(shown) == [], shown
    assert leaks(caplog.text) == [], caplog.text

    stored = inventory.find("office")
    dialog = RouterDialog(None, stored, inventory.secret(stored))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert leaks(visible_text(dialog)) == [], visible_text(dialog)
    dialog.sequence.reveal_button.click()
    revealed = visible_text(dialog) + "\n".join(
        dialog.sequence.table.item(r, c).text() if dialog.sequence.table.item(r, c) else ""
        for r in range(dialog.sequence.table.rowCount())
        for c in range(dialog.sequence.table.columnCount())
    )
    assert PORTS[0] in revealed and PAYLOAD in revealed  # Reveal shows it: the scan above could fail
    assert PASSWORD not in revealed  # the password field stays dots
