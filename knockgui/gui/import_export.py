"""Import routers from a file (plain or passphrase-encrypted export), through the inventory's exchange module."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from knockgui.core.errors import KnockguiError
from knockgui.core.store import Inventory


def import_routers(parent: QWidget, inventory: Inventory, path: str | None = None) -> str:
    """Ask for a file (and its passphrase when it is encrypted), merge it; returns the status line."""
    from knockgui.core import exchange

    if path is None:
        path, _filter = QFileDialog.getOpenFileName(
            parent, "knockgui: import routers", "", "knockgui export (*.json);;All files (*)"
        )
        if not path:
            return ""
    try:
        data = Path(path).read_bytes()
        passphrase = None
        if exchange.is_encrypted(data):
            passphrase, ok = QInputDialog.getText(
                parent, "knockgui: import", "This file is encrypted. Passphrase:", QLineEdit.EchoMode.Password
            )
            if not ok:
                return ""
        report = exchange.merge(inventory, exchange.read_import(data, passphrase))
    except OSError as exc:
        message = f"Could not read {path} ({exc.strerror or exc}); check the file name."
    except KnockguiError as exc:
        message = exc.message
    else:
        return f"Imported {Path(path).name}: {report.message}"
    QMessageBox.warning(parent, "knockgui: import failed", message)
    return message
