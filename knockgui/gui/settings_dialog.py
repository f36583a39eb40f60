"""Settings: program paths with Browse and a "found at ..." hint, OpenSSH vs PuTTY, defaults, tray options,
start with Windows / at log-in (knockgui.core.autostart: the Run value or the autostart file, off by default)."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from knockgui.core import autostart
from knockgui.core.errors import KnockguiError
from knockgui.core.settings import MAX_DELAY_MS, MAX_TIMEOUT_S, MIN_TIMEOUT_S, Settings


def _find(names: list[str]) -> str | None:
    from knockgui.core.process import Locator

    return Locator().find(names)


def winbox_hint(settings: Settings) -> str:
    from knockgui.core import launch

    try:
        argv = launch._winbox_program(settings, launch.Machine())  # the same search the launch uses
    except KnockguiError as exc:
        return exc.message
    return "found at " + " ".join(argv)


def program_hint(value: str, default_names: list[str], label: str) -> str:
    """'found at PATH' for the configured program (or the first default name found), else what to do."""
    names = [value.strip()] if value.strip() else default_names
    found = _find(names)
    if found:
        return f"found at {found}"
    if value.strip():
        return f"{label} was not found at {value.strip()}: check the path."
    return f"{label} was not found on PATH ({', '.join(default_names)}): install it or Browse to it."


def terminal_names() -> list[str]:
    from knockgui.core.launch import TERMINAL_ORDER

    return list(TERMINAL_ORDER)


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None, settings: Settings) -> None:
        super().__init__(parent)
        self.setWindowTitle("knockgui: settings")
        self._settings = settings
        self.hints: dict[str, QLabel] = {}
        self.paths: dict[str, QLineEdit] = {}
        form = QFormLayout()
        rows: list[tuple[str, str, Callable[[str], str]]] = [
            ("winbox_path", "&Winbox", lambda v: winbox_hint(dataclasses.replace(self._settings, winbox_path=v))),
            ("putty_path", "&PuTTY", lambda v: program_hint(v, ["putty", "putty.exe"], "PuTTY")),
            ("ssh_path", "&OpenSSH client", lambda v: program_hint(v, ["ssh"], "OpenSSH")),
            ("terminal", "&Terminal", lambda v: program_hint(v, terminal_names(), "A terminal")),
        ]
        self._hinters = {key: hinter for key, _label, hinter in rows}
        for key, label, _hinter in rows:
            line = QLineEdit(getattr(settings, key))
            line.setObjectName(key)
            line.setPlaceholderText("automatic (PATH and the usual folders)")
            browse = QPushButton("Browse…")
            browse.clicked.connect(lambda _checked=False, k=key: self._browse(k))
            hint = QLabel()
            hint.setObjectName(f"{key}_hint")
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #555;")
            row = QHBoxLayout()
            row.addWidget(line, 1)
            row.addWidget(browse)
            caption = QLabel(label)
            caption.setBuddy(line)  # Alt+letter focuses the path
            form.addRow(caption, row)
            form.addRow("", hint)  # its own row, so a wrapped hint gets its full height
            self.paths[key] = line
            self.hints[key] = hint
            line.textChanged.connect(lambda _text, k=key: self._update_hint(k))
            self._update_hint(key)

        self.ssh_client = QComboBox()
        self.ssh_client.addItem("OpenSSH (ssh in a terminal)", "openssh")
        self.ssh_client.addItem("PuTTY", "putty")
        self.ssh_client.setCurrentIndex(max(0, self.ssh_client.findData(settings.ssh_client)))
        form.addRow("SSH / telnet &client", self.ssh_client)
        self.delay = QSpinBox()
        self.delay.setRange(0, MAX_DELAY_MS)
        self.delay.setSuffix(" ms")
        self.delay.setValue(settings.default_delay_ms)
        form.addRow("Default &delay between steps", self.delay)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(MIN_TIMEOUT_S, MAX_TIMEOUT_S)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(settings.default_timeout_s)
        form.addRow("Default check t&imeout", self.timeout)
        self.close_to_tray = QCheckBox("&Close to the tray (keep running in the notification area)")
        self.close_to_tray.setChecked(settings.close_to_tray)
        self.start_minimised = QCheckBox("&Start minimised")
        self.start_minimised.setChecked(settings.start_minimised)
        form.addRow("", self.close_to_tray)
        form.addRow("", self.start_minimised)
        self.autostart = QCheckBox(
            "Start with &Windows (in the tray)" if sys.platform == "win32" else "Start at &log-in (in the tray)"
        )
        self.autostart.setObjectName("autostart")
        try:
            self._autostart_was = autostart.is_enabled()
        except KnockguiError as exc:  # the registry or the file cannot be read: say so, leave it alone
            self._autostart_was = False
            self.autostart.setEnabled(False)
            self.autostart.setToolTip(exc.message)
        self.autostart.setChecked(self._autostart_was)
        form.addRow("", self.autostart)
        from knockgui.gui.quick import link_button_row  # (TRAY)

        form.addRow("Links", link_button_row(self))
        self.error = QLabel()
        self.error.setStyleSheet("color: #b01e1e;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(760)
        for hint in self.hints.values():  # room for two lines: a wrapped label's height is not asked for in time
            hint.setMinimumHeight(2 * hint.fontMetrics().lineSpacing() + 2)
            hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

    def _update_hint(self, key: str) -> None:
        self.hints[key].setText(self._hinters[key](self.paths[key].text()))

    def _browse(self, key: str) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "knockgui: choose the program", self.paths[key].text())
        if path:
            self.paths[key].setText(path)

    def result_settings(self) -> Settings:
        """The edited settings (InputError with a sentence if a value is out of range)."""
        paths = {key: line.text().strip() for key, line in self.paths.items()}
        return dataclasses.replace(
            self._settings,
            winbox_path=paths["winbox_path"],
            putty_path=paths["putty_path"],
            ssh_path=paths["ssh_path"],
            terminal=paths["terminal"],
            ssh_client=self.ssh_client.currentData(),
            default_delay_ms=self.delay.value(),
            default_timeout_s=self.timeout.value(),
            close_to_tray=self.close_to_tray.isChecked(),
            start_minimised=self.start_minimised.isChecked(),
        )

    def accept(self) -> None:
        try:
            self.result_settings()
            if self.autostart.isEnabled() and self.autostart.isChecked() != self._autostart_was:
                autostart.set_enabled(self.autostart.isChecked())  # the system's own state, not settings.json
                self._autostart_was = self.autostart.isChecked()
        except KnockguiError as exc:
            self.error.setText(exc.message)
            return
        super().accept()
