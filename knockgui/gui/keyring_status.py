"""The status bar's keyring label: which secret store holds the sequences, and whether it is usable.

The store is asked off the GUI thread (a locked keyring may block on D-Bus); until it answers the
label says "checking". An unusable store also puts its sentence in the status bar; the list stays usable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget

from knockgui.core.secrets import SecretStore, SecretStoreStatus
from knockgui.gui.worker import TaskRunner

KEY = "\x00keyring-status"


class KeyringStatusLabel(QLabel):
    def __init__(self, runner: TaskRunner, on_problem: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__("keyring: checking…", parent)
        self.setObjectName("keyringStatus")
        self.runner = runner
        self.on_problem = on_problem
        self.status: SecretStoreStatus | None = None
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)

    def check(self, secrets: SecretStore) -> None:
        self.runner.start(KEY, lambda _progress, _cancel: secrets.status())

    def _finished(self, key: str, status: object) -> None:
        if key != KEY or not isinstance(status, SecretStoreStatus):
            return
        self.status = status
        mark = "usable" if status.usable else "NOT usable"
        self.setText(f"keyring: {status.backend} ({mark})")
        self.setToolTip(status.message)
        self.setStyleSheet(f"color: {'#1b7f3b' if status.usable else '#b01e1e'};")
        if not status.usable:
            self.on_problem(status.message)

    def _failed(self, key: str, message: str) -> None:
        if key == KEY:
            self.setText("keyring: NOT usable")
            self.setToolTip(message)
            self.setStyleSheet("color: #b01e1e;")
            self.on_problem(message)
