"""Import routers from a file (plain or passphrase-encrypted export) and export them, through the
inventory's exchange module. An export with secrets names the routers it wrote without a sequence (no
keyring entry) in its result message, and says so in a warning box too."""

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
        data = exchange.read_file(path)
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


def export_routers(
    parent: QWidget, inventory: Inventory, path: str | None = None, with_secrets: bool | None = None
) -> str:
    """Ask for a file, whether to include the secrets, and then a passphrase (twice); returns the result
    message ("" when cancelled). ``path``/``with_secrets`` skip those questions (tests, scripting)."""
    from knockgui.core import exchange

    if path is None:
        path, _filter = QFileDialog.getSaveFileName(
            parent, "knockgui: export routers", "routers.json", "knockgui export (*.json);;All files (*)"
        )
        if not path:
            return ""
    if with_secrets is None:
        answer = QMessageBox.question(
            parent,
            "knockgui: export",
            "Include the knock sequences and passwords? The file is then encrypted with a passphrase you choose.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return ""
        with_secrets = answer == QMessageBox.StandardButton.Yes
    passphrase = None
    if with_secrets:
        password = QLineEdit.EchoMode.Password
        passphrase, ok = QInputDialog.getText(parent, "knockgui: export", "Passphrase for the file:", password)
        if not ok:
            return ""
        again, ok = QInputDialog.getText(parent, "knockgui: export", "The same passphrase again:", password)
        if not ok:
            return ""
        if again != passphrase:
            message = "The two passphrases differ; nothing was exported, so export again."
            QMessageBox.warning(parent, "knockgui: export failed", message)
            return message
    try:
        report = exchange.export_file(inventory, Path(path), passphrase)
    except KnockguiError as exc:
        QMessageBox.warning(parent, "knockgui: export failed", exc.message)
        return exc.message
    if report.warning is None:
        return report.message
    message = f"{report.message} {report.warning}"
    QMessageBox.warning(parent, "knockgui: export", message)
    return message
