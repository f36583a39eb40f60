"""Routers > Set sequence…: one knock sequence for a whole selection, group, or every router without one
(imported routers arrive without): typed, generated (a new random one for each router) or copied from
another router. The work is :func:`knockgui.core.bulk.set_sequences` (one write, all or nothing)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router
from knockgui.core.store import Inventory


class SetSequenceDialog(QDialog):
    """Choose whose sequence to set and where it comes from; :meth:`run` does it and returns the message."""

    def __init__(self, parent: QWidget | None, inventory: Inventory, selected: list[Router]) -> None:
        super().__init__(parent)
        self.setWindowTitle("knockgui: set knock sequence")
        self.inventory = inventory
        routers = inventory.routers
        self.scope = QComboBox()
        self._scopes: list[list[Router]] = []
        if selected:
            self._add_scope(f"the {len(selected)} selected routers", selected)
        groups = sorted({r.group for r in selected if r.group} or {r.group for r in routers if r.group})
        for group in groups:
            members = [r for r in routers if r.group == group]
            self._add_scope(f'every router of group "{group}" ({len(members)})', members)
        waiting = [r for r in routers if r.needs_sequence]
        if waiting:
            self._add_scope(f"every router without a sequence yet ({len(waiting)})", waiting)
        if waiting and not selected:
            self.scope.setCurrentIndex(self.scope.count() - 1)

        self.typed = QRadioButton("&Type it:")
        self.text = QLineEdit()
        self.text.setPlaceholderText("e.g. 1337:tcp 17954:udp")
        self.text.setEchoMode(QLineEdit.EchoMode.Password)
        self.generated = QRadioButton("&Generate a new random sequence for each router, of")
        self.steps = QSpinBox()
        self.steps.setRange(1, 16)
        self.steps.setValue(3)
        self.steps.setSuffix(" steps")
        self.copied = QRadioButton("&Copy the sequence of")
        self.source = QComboBox()
        for router in routers:
            if not router.needs_sequence:
                self.source.addItem(router.name, router.id)
        self.copied.setEnabled(self.source.count() > 0)
        self.how = QButtonGroup(self)
        for button in (self.typed, self.generated, self.copied):
            self.how.addButton(button)
        self.generated.setChecked(True)
        self.overwrite = QCheckBox("Also replace sequences already set")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")

        form = QFormLayout()
        form.addRow("&Routers", self.scope)
        form.addRow(self.typed, self.text)
        form.addRow(self.generated, self.steps)
        form.addRow(self.copied, self.source)
        form.addRow("", self.overwrite)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(QLabel("Put each router's firewall rules in place afterwards (RouterOS script… shows them)."))
        layout.addWidget(buttons)
        self.text.textEdited.connect(lambda _t: self.typed.setChecked(True))
        self.result_message = ""

    def _add_scope(self, label: str, routers: list[Router]) -> None:
        self.scope.addItem(label)
        self._scopes.append(routers)

    def chosen(self) -> list[Router]:
        index = self.scope.currentIndex()
        return self._scopes[index] if 0 <= index < len(self._scopes) else []

    def run(self) -> str:
        """Set the sequences as chosen; the message for the status bar (a sentence also on failure)."""
        from knockgui.core.bulk import set_sequences
        from knockgui.core.sequence import parse_sequence

        routers = self.chosen()
        if not routers:
            return "No routers to set a sequence for."
        sequence = None
        if self.typed.isChecked():
            sequence = parse_sequence(self.text.text())
        elif self.copied.isChecked():
            source = self.inventory.get(str(self.source.currentData()))
            sequence = self.inventory.secret(source).knock_sequence
            routers = [r for r in routers if r.id != source.id]
        result = set_sequences(
            self.inventory, routers, sequence, steps=self.steps.value(), overwrite=self.overwrite.isChecked()
        )
        return result.message

    def accept(self) -> None:
        try:
            self.result_message = self.run()
        except KnockguiError as exc:
            self.problem.setText(exc.message)
            return
        super().accept()
