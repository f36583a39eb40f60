"""A read-only view of the RouterOS firewall script for a router's sequence, with Copy."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router
from knockgui.core.sequence import Sequence


def routeros_script(router: Router, sequence: Sequence) -> str:
    """The inventory's RouterOS script for this router (raises KnockguiError with a sentence)."""
    from knockgui.core.routeros import routeros_script as make_script

    return make_script(router, sequence)


class ScriptDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"knockgui: {title}")
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        note = QLabel("Paste this into the router's terminal. It contains the knock sequence: keep it private.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")

    @classmethod
    def for_router(cls, parent: QWidget | None, router: Router, sequence: Sequence) -> ScriptDialog:
        try:
            text = routeros_script(router, sequence)
        except KnockguiError as exc:
            text = exc.message
        return cls(parent, f"RouterOS script for {router.name or 'this router'}", text)
