"""A read-only view of the RouterOS firewall script for a router's sequence, with Copy.

It shows exactly what ``knockgui-cli routeros NAME`` prints (the same generator, the same default
options), and above it the same warnings the CLI writes to stderr."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router
from knockgui.core.sequence import Sequence

WARNING_STYLE = "color: #8a5a00;"


def routeros_script(router: Router, sequence: Sequence, default_delay_ms: int = 0) -> tuple[str, list[str]]:
    """The inventory's RouterOS script for this router and its warnings (raises KnockguiError with a sentence)."""
    from knockgui.core.routeros import routeros_script as make_script
    from knockgui.core.routeros import script_warnings

    return make_script(router, sequence), script_warnings(router, sequence, default_delay_ms=default_delay_ms)


class ScriptDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, text: str, warnings: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"knockgui: {title}")
        self.warnings = QLabel("\n".join(f"Warning: {w}" for w in warnings or []))
        self.warnings.setObjectName("scriptWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.setVisible(bool(warnings))
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        note = QLabel(
            "Paste this into the router's terminal in Safe Mode (Ctrl+X). It contains the knock sequence: "
            "keep it private. knockgui-cli routeros has options for your own address, IPv6 and a guard."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warnings)
        layout.addWidget(note)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")

    @classmethod
    def for_router(
        cls, parent: QWidget | None, router: Router, sequence: Sequence, default_delay_ms: int = 0
    ) -> ScriptDialog:
        try:
            text, warnings = routeros_script(router, sequence, default_delay_ms)
        except KnockguiError as exc:
            text, warnings = exc.message, []
        return cls(parent, f"RouterOS script for {router.name or 'this router'}", text, warnings)
