"""Import routers from a file (Winbox's Addresses.cdb or .wbx, CSV, PuTTY sessions, knockgui's own plain
or encrypted export) through a preview, and export them through the inventory's exchange module. An
export with secrets names the routers it wrote without a sequence (no keyring entry) in its result
message, and says so in a warning box too."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from knockgui.core.errors import KnockguiError
from knockgui.core.store import Inventory

IMPORT_FILTER = (
    "Router lists (*.cdb *.wbx *.csv *.reg *.json *.kgx);;Winbox (*.cdb *.wbx);;CSV (*.csv);;PuTTY sessions (*.reg);;"
    "knockgui export (*.json *.kgx);;All files (*)"
)


def _choose_file(parent: QWidget) -> str:
    """Winbox's own saved routers first, when Winbox keeps them on this computer; else a file dialog."""
    from knockgui.core.importers import winbox

    saved = winbox.find_saved()
    if saved is not None:
        answer = QMessageBox.question(
            parent,
            "knockgui: import",
            f"Import the routers saved in Winbox ({saved})? No chooses another file.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return ""
        if answer == QMessageBox.StandardButton.Yes:
            return str(saved)
    path, _filter = QFileDialog.getOpenFileName(parent, "knockgui: import routers", "", IMPORT_FILTER)
    return path


def import_routers(parent: QWidget, inventory: Inventory, path: str | None = None) -> str:
    """Ask for a file (Winbox's own first), its master password or passphrase when it is locked, show the
    preview (added, merged, skipped and why) and write it when accepted; returns the status line."""
    from knockgui.core.importers import decode, needs_passphrase, read_data
    from knockgui.core.importers.plan import apply
    from knockgui.gui.import_preview import ImportPreview

    if path is None:
        path = _choose_file(parent)
        if not path:
            return ""
    try:
        source_format, data = read_data(Path(path))
        passphrase = None
        if needs_passphrase(source_format, data):
            label = "Winbox master password:" if source_format == "winbox" else "This file is encrypted. Passphrase:"
            passphrase, ok = QInputDialog.getText(parent, "knockgui: import", label, QLineEdit.EchoMode.Password)
            if not ok:
                return ""
        source = decode(Path(path), source_format, data, passphrase)
        preview = ImportPreview(parent, inventory, source)
        if not preview.exec():
            return ""
        applied = apply(inventory, preview.plan)
    except KnockguiError as exc:
        message = exc.message
    else:
        return f"Imported {Path(path).name}: {applied.message}"
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
