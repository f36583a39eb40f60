"""The knock-sequence editor: a small table of steps, masked until the user reveals it.

Columns: protocol, port (TCP/UDP) or ICMP size (the whole IPv4 packet, as RouterOS ``packet-size``),
payload (text, or ``0x`` and hex), and an optional wait after the step. Buttons add, remove, move
up/down, paste the text form (``1337:tcp 17954:udp``) and generate a new random sequence.
"""

from __future__ import annotations

import string
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from knockgui.core.errors import KnockguiError
from knockgui.core.sequence import (
    ICMP_OVERHEAD,
    MAX_DELAY_MS,
    MAX_STEPS,
    UNDECODABLE,
    Protocol,
    Sequence,
    Step,
    format_sequence,
    parse_sequence,
)

COL_PROTOCOL, COL_TARGET, COL_PAYLOAD, COL_WAIT = range(4)


def parse_payload(text: str) -> bytes:
    """``0x6f70`` is bytes in hex; anything else is UTF-8 text. Raises ValueError with a reason."""
    if text[:2].lower() == "0x":
        digits = text[2:]
        if not digits or len(digits) % 2 or any(c not in string.hexdigits for c in digits):
            raise ValueError("a hex payload is 0x followed by an even number of hex digits")
        return bytes.fromhex(digits)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # never repeat the secret's bytes in a message
        raise ValueError(UNDECODABLE) from None


def payload_text(payload: bytes) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + payload.hex()
    if text.isprintable() and text[:2].lower() != "0x":
        return text
    return "0x" + payload.hex()


class SequenceEditor(QWidget):
    """Edits a :class:`Sequence`. ``changed`` fires on every edit; :meth:`problem` says what is wrong."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, generator: Callable[[], Sequence] | None = None) -> None:
        super().__init__(parent)
        self._generator = generator
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("sequenceTable")
        self.table.setHorizontalHeaderLabels(["Protocol", "Port / ICMP size", "Payload", "Wait after (ms)"])
        self.table.horizontalHeader().setSectionResizeMode(COL_PAYLOAD, QHeaderView.ResizeMode.Stretch)
        for column, width in ((COL_PROTOCOL, 90), (COL_TARGET, 130), (COL_WAIT, 120)):
            self.table.setColumnWidth(column, width)
        self.table.verticalHeader().setVisible(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(150)

        self.masked_label = QLabel(self)
        self.masked_label.setObjectName("sequenceMasked")
        self.masked_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.masked_label)
        self.stack.addWidget(self.table)

        self.reveal_button = QPushButton("&Reveal", self)
        self.reveal_button.setCheckable(True)
        self.reveal_button.setObjectName("revealButton")
        self.reveal_button.toggled.connect(self.set_revealed)
        self.add_button = QPushButton("&Add step", self)
        self.remove_button = QPushButton("Remove", self)
        self.up_button = QPushButton("Up", self)
        self.down_button = QPushButton("Down", self)
        self.paste_button = QPushButton("&Paste text…", self)
        self.generate_button = QPushButton("&Generate", self)
        self.generate_button.setEnabled(generator is not None)
        self.add_button.clicked.connect(lambda: self.add_step(Step(Protocol.TCP, port=1024)))
        self.remove_button.clicked.connect(self.remove_step)
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.paste_button.clicked.connect(self._paste_dialog)
        self.generate_button.clicked.connect(self.generate)

        buttons = QHBoxLayout()
        for button in (
            self.reveal_button,
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.paste_button,
            self.generate_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("pasteError")
        self.error_label.setStyleSheet("color: #b01e1e;")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)
        self.set_revealed(False)

    # --- masking -----------------------------------------------------------------------------
    def is_revealed(self) -> bool:
        return self.stack.currentWidget() is self.table

    def set_revealed(self, revealed: bool) -> None:
        if self.reveal_button.isChecked() != revealed:
            self.reveal_button.setChecked(revealed)
            return
        self.stack.setCurrentWidget(self.table if revealed else self.masked_label)
        self.reveal_button.setText("&Hide" if revealed else "&Reveal")
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            button.setEnabled(revealed)
        self._update_mask_text()

    def _update_mask_text(self) -> None:
        rows = self.table.rowCount()
        if rows == 0:
            text = "No knock sequence yet: Reveal to add steps, Paste text or Generate one."
        else:
            kinds = ", ".join(Protocol(self._combo(r).currentData()).value for r in range(rows))
            noun = "step" if rows == 1 else "steps"
            text = f"Sequence hidden: {rows} {noun} ({kinds}). Press Reveal to see or edit it."
        self.masked_label.setText(text)

    # --- rows --------------------------------------------------------------------------------
    def _combo(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, COL_PROTOCOL)
        assert isinstance(widget, QComboBox)
        return widget

    def _spin(self, row: int, column: int) -> QSpinBox:
        widget = self.table.cellWidget(row, column)
        assert isinstance(widget, QSpinBox)
        return widget

    def _payload(self, row: int) -> QLineEdit:
        widget = self.table.cellWidget(row, COL_PAYLOAD)
        assert isinstance(widget, QLineEdit)
        return widget

    def add_step(self, step: Step, row: int | None = None) -> None:
        if self.table.rowCount() >= MAX_STEPS:
            return
        row = self.table.rowCount() if row is None else row
        self.table.insertRow(row)
        combo = QComboBox()
        for protocol in Protocol:
            combo.addItem(protocol.value.upper(), protocol)
        combo.setCurrentIndex(list(Protocol).index(step.protocol))
        target = QSpinBox()
        target.setRange(1, 65535)
        target.setValue(step.size if step.protocol is Protocol.ICMP else step.port)
        payload = QLineEdit(payload_text(step.payload))
        payload.setPlaceholderText("none (text, or 0x and hex)")
        wait = QSpinBox()
        wait.setRange(-1, MAX_DELAY_MS)
        wait.setSpecialValueText("default")
        wait.setValue(-1 if step.delay_ms is None else step.delay_ms)
        self.table.setCellWidget(row, COL_PROTOCOL, combo)
        self.table.setCellWidget(row, COL_TARGET, target)
        self.table.setCellWidget(row, COL_PAYLOAD, payload)
        self.table.setCellWidget(row, COL_WAIT, wait)
        combo.currentIndexChanged.connect(self._edited)
        target.valueChanged.connect(self._edited)
        payload.textChanged.connect(self._edited)
        wait.valueChanged.connect(self._edited)
        self.table.selectRow(row)
        self._edited()

    def step_at(self, row: int) -> Step:
        """The step of a row (not validated; :meth:`problem` validates)."""
        protocol = Protocol(self._combo(row).currentData())
        number = self._spin(row, COL_TARGET).value()
        wait = self._spin(row, COL_WAIT).value()
        payload = parse_payload(self._payload(row).text())
        delay = None if wait < 0 else wait
        if protocol is Protocol.ICMP:
            return Step(protocol, size=number, payload=payload, delay_ms=delay)
        return Step(protocol, port=number, payload=payload, delay_ms=delay)

    def remove_step(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self._edited()

    def move_step(self, delta: int) -> None:
        row = self.table.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        try:
            step = self.step_at(row)
        except ValueError:
            return
        self.table.removeRow(row)
        self.add_step(step, target)

    def clear(self) -> None:
        self.table.setRowCount(0)
        self._edited()

    # --- whole sequence ----------------------------------------------------------------------
    def set_sequence(self, sequence: Sequence | None) -> None:
        blocked = self.blockSignals(True)
        self.table.setRowCount(0)
        for step in sequence.steps if sequence else ():
            self.add_step(step)
        self.blockSignals(blocked)
        self._edited()

    def problem(self, delay_ms: int = 0) -> str:
        """'' if the steps form a valid sequence, else one sentence naming the step."""
        if self.table.rowCount() == 0:
            return "Add at least one knock step (or Paste text / Generate)."
        for row in range(self.table.rowCount()):
            try:
                step = self.step_at(row)
            except ValueError as exc:
                return f"Step {row + 1}: {exc}."
            if step.problem():
                return f"Step {row + 1}: {step.problem()}."
            if step.protocol is Protocol.ICMP and step.size < ICMP_OVERHEAD:
                return f"Step {row + 1}: the ICMP size is the whole packet, at least {ICMP_OVERHEAD}."
        return ""

    def sequence(self, delay_ms: int = 0) -> Sequence:
        """The edited sequence; raises SequenceError or ValueError when :meth:`problem` is not ''."""
        steps = tuple(self.step_at(row) for row in range(self.table.rowCount()))
        return Sequence(steps, delay_ms=delay_ms)

    def text_form(self) -> str:
        return format_sequence(self.sequence())

    def paste_text(self, text: str) -> str:
        """Replace the steps with the parsed text form; returns '' or the parse error sentence."""
        try:
            sequence = parse_sequence(text)
        except KnockguiError as exc:
            self.error_label.setText(f"Not pasted: {exc.message}")
            self.error_label.setVisible(True)
            return exc.message
        self.set_sequence(sequence)
        return ""

    def generate(self) -> None:
        if self._generator is not None:
            self.set_sequence(self._generator())

    def _paste_dialog(self) -> None:
        # While the steps are hidden, what is pasted is hidden too (dots), like a password.
        echo = QLineEdit.EchoMode.Normal if self.is_revealed() else QLineEdit.EchoMode.Password
        text, ok = QInputDialog.getText(
            self, "Paste knock sequence", "Sequence in text form (e.g. 1337:tcp 17954:udp icmp:128):", echo
        )
        if ok and text.strip():
            self.paste_text(text)

    def _edited(self) -> None:
        self.error_label.setVisible(False)
        if not self.is_revealed():
            self._update_mask_text()
        self.changed.emit()
