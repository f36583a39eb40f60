"""The router editor: every field of a router, validated as you type, and its secret knock sequence.

Save stays disabled while a field is wrong, and the reason is shown beside that field. The
sequence is masked until revealed. "Test knock" knocks and checks (no launch) off the GUI thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from knockgui.core import validate
from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router, Service
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import MAX_DELAY_MS, Sequence
from knockgui.gui.result_text import knock_result_status, progress_text
from knockgui.gui.router_model import StatusKind
from knockgui.gui.sequence_editor import SequenceEditor
from knockgui.gui.services_editor import ServicesEditor
from knockgui.gui.worker import TaskRunner

IMPORTED_COMMAND = "This command came from an imported file and has never run: check it. Saving the router confirms it."
PASSWORD_NOTE = (
    "Passing the password to Winbox puts it on Winbox's command line, where other users of this "
    "computer can see it in the process list. Leave this off unless you accept that."
)


def reason_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #b01e1e;")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def generator() -> Callable[[], Sequence]:
    """The inventory's random sequence generator (TCP and UDP steps on unusual ports)."""
    from knockgui.core.generate import generate_sequence

    return generate_sequence


class RouterDialog(QDialog):
    """Add (``router=None``) or edit a router. After ``exec()``, :meth:`result_router` and :meth:`result_secret`."""

    def __init__(
        self,
        parent: QWidget | None = None,
        router: Router | None = None,
        secret: RouterSecret | None = None,
        secret_error: str = "",
        groups: list[str] | None = None,
        taken_names: set[str] | None = None,
        default_timeout_s: float = 5.0,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("knockgui: " + (f"edit {router.name}" if router else "add a router"))
        self._original = router
        self._secret_error = secret_error
        self._taken = {n.casefold() for n in (taken_names or set())}
        if router is not None:
            self._taken.discard(router.name.casefold())
        self._default_timeout = default_timeout_s
        self.runner = runner or TaskRunner(self)
        self._test_key = f"test-{id(self)}"
        self.runner.progress.connect(self._test_progress)
        self.runner.finished.connect(self._test_finished)
        self.runner.failed.connect(self._test_failed)
        self.runner.cancelled.connect(self._test_cancelled)
        self.runner.crashed.connect(self._test_failed)
        r = router or Router(name="", host="")

        self.name = QLineEdit(r.name)
        self.host = QLineEdit(r.host)
        self.host.setPlaceholderText("host name, IPv4 or IPv6 address")
        self.group = QComboBox()
        self.group.setEditable(True)
        self.group.addItems(["", *(groups or [])])
        self.group.setCurrentText(r.group)
        self.services = ServicesEditor(r.services)
        # The selected service's fields (the default service's when the editor opens).
        self.service, self.port, self.command = self.services.kind, self.services.port, self.services.command
        self.user = QLineEdit(r.user)
        self.password = QLineEdit(secret.password or "" if secret else "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("optional, kept in the OS keyring")
        self.pass_password = QCheckBox("Give the password to Winbox on its command line")
        self.pass_password.setChecked(r.pass_password)
        self.password_note = QLabel(PASSWORD_NOTE)
        self.password_note.setWordWrap(True)
        self.password_note.setStyleSheet("color: #555;")
        self.delay = QSpinBox()
        self.delay.setRange(-1, MAX_DELAY_MS)
        self.delay.setSpecialValueText("default (settings)")
        self.delay.setSuffix(" ms")
        self.delay.setValue(-1 if r.delay_ms is None else r.delay_ms)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0.0, validate.MAX_TIMEOUT_S)
        self.timeout.setDecimals(1)
        self.timeout.setSpecialValueText("default (settings)")
        self.timeout.setSuffix(" s")
        self.timeout.setValue(r.timeout_s or 0.0)
        self.keep_open = QSpinBox()
        self.keep_open.setRange(0, validate.MAX_KEEP_OPEN_S)
        self.keep_open.setSpecialValueText("off")
        self.keep_open.setSuffix(" s")
        self.keep_open.setValue(r.keep_open_s or 0)
        self.final_timeout = QSpinBox()
        self.final_timeout.setRange(validate.MIN_FINAL_TIMEOUT_S, validate.MAX_FINAL_TIMEOUT_S)
        self.final_timeout.setSuffix(" s")
        self.final_timeout.setToolTip(
            "How long the router keeps a knocked address on its final address list (the seed's 3h = 10800 s)"
        )
        self.final_timeout.setValue(r.final_timeout_s)
        self.by_name = QCheckBox("Give clients the host name instead of the address that was knocked")
        self.by_name.setChecked(r.connect_by_name)
        self.imported_note = QLabel(IMPORTED_COMMAND)  # a custom command from an imported file, not yet run
        self.imported_note.setWordWrap(True)
        self.imported_note.setStyleSheet("color: #8a5a00;")
        self.imported_note.setVisible(r.command_unconfirmed and any(spec.command for spec in r.services))
        self.notes = QPlainTextEdit(r.notes)
        self.notes.setMaximumHeight(60)
        self.sequence = SequenceEditor(self, generator())
        self._login = secret.login if secret is not None else None  # kept by an import, with the password
        if secret is not None and secret.sequence is not None:
            self.sequence.set_sequence(secret.sequence)

        self.reasons: dict[str, QLabel] = {k: reason_label() for k in ("name", "host", "port", "other", "sequence")}
        form = QFormLayout()
        form.addRow("&Name", self._with_reason(self.name, "name"))
        form.addRow("&Host", self._with_reason(self.host, "host"))
        form.addRow("&Group", self.group)
        form.addRow("&Services", self._with_reason(self.services, "port"))
        form.addRow("", self.imported_note)
        form.addRow("&User", self.user)
        form.addRow("Pass&word", self.password)
        form.addRow("", self.pass_password)
        form.addRow("", self.password_note)
        form.addRow("&Delay between steps", self.delay)
        form.addRow("Check &timeout", self.timeout)
        form.addRow("&Keep open (re-knock every)", self.keep_open)
        form.addRow("Open for (final timeout)", self.final_timeout)
        form.addRow("", self.by_name)
        form.addRow("N&otes", self.notes)
        form.addRow("", self.reasons["other"])
        sequence_box = QVBoxLayout()
        sequence_box.addWidget(QLabel("<b>Knock sequence</b> (secret, kept in the OS keyring)"))
        if secret_error:
            note = QLabel(secret_error + " Leave the sequence empty to keep the stored one.")
            note.setWordWrap(True)
            note.setObjectName("secretError")
            sequence_box.addWidget(note)
        sequence_box.addWidget(self.sequence)
        sequence_box.addWidget(self.reasons["sequence"])
        self.sequence_warning = QLabel()
        self.sequence_warning.setObjectName("sequenceWarning")
        self.sequence_warning.setWordWrap(True)
        self.sequence_warning.setStyleSheet("color: #8a5a00;")
        self.sequence_warning.setVisible(False)
        sequence_box.addWidget(self.sequence_warning)

        self.test_button = QPushButton("&Test knock")
        self.test_button.setToolTip("Knock and check the management port, without launching anything")
        self.test_button.clicked.connect(self.toggle_test)
        self.test_result = QLabel("")
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        self.script_button = QPushButton("RouterOS &script…")
        self.script_button.clicked.connect(self.show_script)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.test_button)
        bottom.addWidget(self.script_button)
        bottom.addWidget(self.test_result, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(sequence_box)
        layout.addLayout(bottom)

        for line in (self.name, self.host, self.user, self.password):
            line.textChanged.connect(self.revalidate)
        self.group.currentTextChanged.connect(self.revalidate)
        self.services.changed.connect(self.revalidate)
        for spin in (self.delay, self.keep_open, self.final_timeout):
            spin.valueChanged.connect(self.revalidate)
        self.by_name.toggled.connect(self.revalidate)
        self.timeout.valueChanged.connect(self.revalidate)
        self.pass_password.toggled.connect(self.revalidate)
        self.notes.textChanged.connect(self.revalidate)
        self.sequence.changed.connect(self.revalidate)
        self.resize(720, 700)
        self.revalidate()

    def _with_reason(self, field: Any, key: str) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)  # the reason goes under the field, which keeps its width
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if isinstance(field, QHBoxLayout):
            column.addLayout(field)
        else:
            column.addWidget(field)
        column.addWidget(self.reasons[key])
        return box

    # --- validation --------------------------------------------------------------------------
    def _router(self) -> Router:
        """The router as typed (not validated)."""
        base = self._original or Router(name="", host="")
        return dataclasses.replace(
            base,
            name=self.name.text().strip(),
            host=self.host.text().strip(),
            group=self.group.currentText().strip(),
            services=self.services.services(),
            user=self.user.text().strip(),
            notes=self.notes.toPlainText(),
            delay_ms=None if self.delay.value() < 0 else self.delay.value(),
            timeout_s=self.timeout.value() or None,
            pass_password=self.pass_password.isChecked(),
            keep_open_s=self.keep_open.value() or None,
            final_timeout_s=self.final_timeout.value(),
            connect_by_name=self.by_name.isChecked(),
            command_unconfirmed=False,  # the command was shown in this dialog (and marked if imported): saving confirms it
        )

    def problems(self) -> dict[str, str]:
        """Field key -> one sentence; empty when Save may be pressed."""
        found: dict[str, str] = {}
        router = self._router()
        checks: list[tuple[str, Callable[[], object]]] = [
            ("name", lambda: validate.check_name(router.name)),
            ("host", lambda: validate.check_host(router.host)),
            ("other", lambda: validate.check_router(router)),
        ]
        for key, check in checks:
            try:
                check()
            except KnockguiError as exc:
                found.setdefault(key, exc.message)
        if router.name and router.name.casefold() in self._taken:
            found["name"] = f'A router named "{router.name}" already exists; choose another name.'
        if "other" in found and found["other"] in (found.get("name"), found.get("host")):
            del found["other"]
        if router.pass_password and not self.password.text():
            found["other"] = "Enter the password to give to Winbox, or untick the option."
        sequence_needed = not (self._original is not None and self._secret_error)
        if self.sequence.table.rowCount() or sequence_needed:
            problem = self.sequence.problem()
            if problem:
                found["sequence"] = problem
        return found

    def revalidate(self) -> None:
        found = self.problems()
        for key, label in self.reasons.items():
            label.setText(found.get(key, ""))
            label.setVisible(key in found)
        self.save_button.setEnabled(not found)
        self.save_button.setToolTip(next(iter(found.values()), ""))
        self.test_button.setEnabled(self.runner.is_running(self._test_key) or not ({"host", "sequence"} & set(found)))
        has_winbox = any(spec.kind is Service.WINBOX for spec in self._router().services)
        self.password_note.setVisible(has_winbox)
        self.pass_password.setVisible(has_winbox)
        self.script_button.setEnabled("sequence" not in found and self.sequence.table.rowCount() > 0)
        warnings = self.sequence_warnings() if self.script_button.isEnabled() else []
        self.sequence_warning.setText("\n".join(warnings))
        self.sequence_warning.setVisible(bool(warnings))

    def sequence_warnings(self) -> list[str]:
        """Waits that the RouterOS script's stage timeout (15 s) would not wait for: such a sequence never opens."""
        from knockgui.core.routeros import delay_warnings

        try:
            return delay_warnings(self._router(), self.sequence.sequence(max(self.delay.value(), 0)))
        except (KnockguiError, ValueError):
            return []

    # --- results -----------------------------------------------------------------------------
    def result_router(self) -> Router:
        return validate.check_router(self._router())

    def result_secret(self) -> RouterSecret | None:
        """The secret to store; None when the stored one should be kept (keyring unreadable, nothing typed)."""
        if self.sequence.table.rowCount() == 0:
            return None
        delay = max(self.delay.value(), 0)
        return RouterSecret(self.sequence.sequence(delay), self.password.text() or None, self._login)

    def accept(self) -> None:
        if self.problems():
            return
        self.runner.cancel(self._test_key)
        super().accept()

    def reject(self) -> None:
        self.runner.cancel(self._test_key)
        super().reject()

    # --- test knock and script ---------------------------------------------------------------
    def toggle_test(self) -> None:
        if self.runner.is_running(self._test_key):
            self.runner.cancel(self._test_key)
            return
        from knockgui.core.knock import knock

        router = self._router()
        sequence = self.sequence.sequence(max(self.delay.value(), 0))
        timeout = router.timeout_s or self._default_timeout

        def job(on_progress: Callable[[Any], None], cancel: Any) -> Any:
            return knock(
                router.host,
                sequence,
                check_port=router.services[self.services.current_row()].effective_port,
                timeout=timeout,
                on_progress=on_progress,
                cancel=cancel,
            )

        self._test_timeout = timeout
        self.runner.start(self._test_key, job)
        self.test_button.setText("Cancel &test")
        self.test_result.setStyleSheet("")
        self.test_result.setText("knocking…")

    def _show_test(self, text: str, kind: StatusKind) -> None:
        self.test_button.setText("&Test knock")
        colour = {"ok": "#1b7f3b", "failed": "#b01e1e"}.get(kind.value, "#555")
        self.test_result.setStyleSheet(f"color: {colour};")
        self.test_result.setText(text)
        self.revalidate()

    def _test_progress(self, key: str, event: object) -> None:
        if key == self._test_key:
            self.test_result.setText(progress_text(event))

    def _test_finished(self, key: str, result: object) -> None:
        if key == self._test_key:
            text, kind = knock_result_status(result, self._test_timeout)
            self._show_test(text, kind)

    def _test_failed(self, key: str, message: str) -> None:
        if key == self._test_key:
            self._show_test(message.splitlines()[-1] if message else "failed", StatusKind.FAILED)

    def _test_cancelled(self, key: str) -> None:
        if key == self._test_key:
            self._show_test("test cancelled", StatusKind.INFO)

    def show_script(self) -> None:
        from knockgui.gui.script_dialog import ScriptDialog

        router = self._router()
        try:
            sequence = self.sequence.sequence(max(self.delay.value(), 0))
        except (KnockguiError, ValueError) as exc:
            self.reasons["sequence"].setText(str(exc))
            return
        ScriptDialog.for_router(self, router, sequence).exec()
