"""The router editor's list of services: one row per service, the first is the default.

Selecting a row shows its kind, port, user and (for a custom service) command below the list, where
they are edited in place. "Add" appends a service of a kind the router does not have yet, "Remove"
drops the selected one (never the last), "Make default" moves it to the top. Nothing is validated
here: the dialog validates the whole router (``validate.check_router``) and shows the sentence.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from knockgui.core.model import DEFAULT_PORTS, Service, ServiceSpec


def row_text(spec: ServiceSpec, default: bool) -> str:
    text = f"{spec.kind.value} {spec.effective_port}"
    if spec.user:
        text += f" as {spec.user}"
    return text + (" (default)" if default else "")


class ServicesEditor(QWidget):
    changed = Signal()

    def __init__(self, services: tuple[ServiceSpec, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._specs = list(services) or [ServiceSpec()]
        self._loading = False
        self.list = QListWidget()
        self.list.setObjectName("services")
        self.list.setMaximumHeight(90)
        self.kind = QComboBox()
        for kind in Service:
            self.kind.addItem(kind.value, kind)
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("default")
        self.port.setMinimumWidth(110)
        self.user = QLineEdit()
        self.user.setPlaceholderText("the router's user")
        self.command = QLineEdit()
        self.command.setPlaceholderText("for the custom service: myclient {host} {port} {user}")
        self.add_button = QPushButton("&Add service")
        self.remove_button = QPushButton("Remo&ve")
        self.default_button = QPushButton("Make de&fault")

        buttons = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.default_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.list, 1)
        top.addLayout(buttons)
        fields = QHBoxLayout()
        fields.addWidget(self.kind)
        fields.addWidget(QLabel("port"))
        fields.addWidget(self.port)
        fields.addWidget(QLabel("user"))
        fields.addWidget(self.user, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(fields)
        layout.addWidget(self.command)

        self.list.currentRowChanged.connect(self._load)
        self.kind.currentIndexChanged.connect(self._store)
        self.port.valueChanged.connect(self._store)
        self.user.textChanged.connect(self._store)
        self.command.textChanged.connect(self._store)
        self.add_button.clicked.connect(self.add_service)
        self.remove_button.clicked.connect(self.remove_service)
        self.default_button.clicked.connect(self.make_default)
        self._refill(0)

    # --- the list --------------------------------------------------------------------------------
    def services(self) -> tuple[ServiceSpec, ...]:
        return tuple(self._specs)

    def current_row(self) -> int:
        return max(self.list.currentRow(), 0)

    def _refill(self, row: int) -> None:
        self._loading = True
        self.list.clear()
        for i, spec in enumerate(self._specs):
            self.list.addItem(row_text(spec, i == 0))
        self._loading = False
        self.list.setCurrentRow(min(row, len(self._specs) - 1))
        self._load(self.list.currentRow())
        self.remove_button.setEnabled(len(self._specs) > 1)

    def _load(self, row: int) -> None:
        if self._loading or not 0 <= row < len(self._specs):
            return
        spec = self._specs[row]
        self._loading = True
        self.kind.setCurrentIndex(list(Service).index(spec.kind))
        self.port.setValue(spec.port or 0)
        self.user.setText(spec.user)
        self.command.setText(spec.command)
        self.command.setEnabled(spec.kind is Service.CUSTOM)
        self.default_button.setEnabled(row > 0)
        self._loading = False

    def _store(self) -> None:
        if self._loading:
            return
        row = self.current_row()
        kind = Service(self.kind.currentData())
        command = self.command.text().strip() if kind is Service.CUSTOM else ""
        self.command.setEnabled(kind is Service.CUSTOM)
        self._specs[row] = ServiceSpec(kind, self.port.value() or None, self.user.text().strip(), command)
        item = self.list.item(row)
        if item is not None:
            item.setText(row_text(self._specs[row], row == 0))
        self.changed.emit()

    def add_service(self) -> None:
        have = {s.kind for s in self._specs}
        kind = next((k for k in Service if k not in have and k in DEFAULT_PORTS), Service.CUSTOM)
        self._specs.append(ServiceSpec(kind))
        self._refill(len(self._specs) - 1)
        self.changed.emit()

    def remove_service(self) -> None:
        if len(self._specs) > 1:
            row = self.current_row()
            del self._specs[row]
            self._refill(max(row - 1, 0))
            self.changed.emit()

    def make_default(self) -> None:
        row = self.current_row()
        if row > 0:
            self._specs.insert(0, self._specs.pop(row))
            self._refill(0)
            self.changed.emit()
