"""The main window's editing commands: add, edit, duplicate, delete, copy host, script, settings, import.

A mixin of :class:`knockgui.gui.main_window.MainWindow` (kept apart to keep each module small); it
uses the window's ``inventory``, ``settings``, ``model`` and selection helpers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router, new_id
from knockgui.core.secrets import RouterSecret
from knockgui.core.settings import Settings, save_settings
from knockgui.gui.router_model import StatusKind

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from knockgui.core.store import Inventory
    from knockgui.gui.router_model import RouterTableModel


class EditingMixin:
    inventory: Inventory
    settings: Settings
    config_dir: Path
    model: RouterTableModel

    if TYPE_CHECKING:  # provided by MainWindow / QMainWindow; declared for the type checker only

        def statusBar(self) -> QStatusBar: ...
        def selected_router(self) -> Router | None: ...
        def selected_routers(self) -> list[Router]: ...
        def refresh(self) -> None: ...
        def _select(self, router_id: str | None) -> None: ...
        def report(self, router: Router, text: str, kind: StatusKind) -> None: ...

    _file_signature: tuple[int, int] | None

    def reload_if_changed(self) -> bool:
        """Re-read the inventory when another program (the CLI, an import) changed its file."""
        signature = self._signature()
        if signature == self._file_signature:
            return False
        self._file_signature = signature
        self.inventory.reload()
        self.refresh()
        return True

    def _signature(self) -> tuple[int, int] | None:
        try:
            st = Path(self.inventory.path).stat()
        except (OSError, AttributeError, TypeError):
            return None
        return (st.st_mtime_ns, st.st_size)

    def _parent(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    # --- editing (dialogs live in their own modules) -----------------------------------------
    def _dialog(self, router: Router | None, secret: RouterSecret | None, error: str = "", copy: bool = False) -> None:
        from knockgui.gui.router_dialog import RouterDialog

        taken = {r.name for r in self.inventory.routers}
        shown = router
        if copy and router is not None:  # every field prefilled, a new id and name, saved as a new router
            shown = dataclasses.replace(router, name=self._copy_name(router.name, taken), id=new_id())
        dialog = RouterDialog(
            self._parent(),
            shown,
            secret,
            error,
            self.model.groups(),
            taken,
            self.settings.default_timeout_s,
        )
        if copy and router is not None:
            dialog.setWindowTitle(f"knockgui: duplicate {router.name}")
        if not dialog.exec():
            return
        try:
            new_router = dialog.result_router()
            new_secret = dialog.result_secret()
            if router is None or copy:
                if new_secret is None:
                    raise KnockguiError("A new router needs a knock sequence; add its steps.")
                saved = self.inventory.add(dataclasses.replace(new_router, id=new_id()), new_secret)
            else:
                saved = self.inventory.update(new_router, new_secret)
        except KnockguiError as exc:
            from PySide6.QtWidgets import QMessageBox  # here, not at the top: its enums would delay the first paint

            QMessageBox.warning(self._parent(), "knockgui: not saved", exc.message)
            self.statusBar().showMessage(exc.message)
            return
        self.refresh()
        self._select(saved.id)
        self.statusBar().showMessage(f"{saved.name}: saved")

    @staticmethod
    def _copy_name(name: str, taken: set[str]) -> str:
        folded = {t.casefold() for t in taken}
        candidate, number = f"{name} (copy)", 2
        while candidate.casefold() in folded:
            candidate, number = f"{name} (copy {number})", number + 1
        return candidate

    def _secret_of(self, router: Router) -> tuple[RouterSecret | None, str]:
        try:
            return self.inventory.secret(router), ""
        except KnockguiError as exc:
            try:  # an imported router without a sequence yet: its kept password and login still fill the dialog
                kept = self.inventory.secrets.get(router.id)
            except KnockguiError:
                kept = None
            return kept, exc.message

    def add_router(self) -> None:
        self._dialog(None, None)

    def edit_selected(self) -> None:
        router = self.selected_router()
        if router is not None:
            self._dialog(router, *self._secret_of(router))

    def duplicate_selected(self) -> None:
        router = self.selected_router()
        if router is not None:
            self._dialog(router, *self._secret_of(router), copy=True)

    def delete_selected(self) -> None:
        routers = self.selected_routers()
        if not routers:
            return
        names = ", ".join(r.name for r in routers[:5]) + (" …" if len(routers) > 5 else "")
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self._parent(),
            "knockgui: delete",
            f"Delete {names} and {'its' if len(routers) == 1 else 'their'} knock sequence from the keyring?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        for router in routers:
            try:
                self.inventory.remove(router.name)
            except KnockguiError as exc:
                self.statusBar().showMessage(f"{router.name}: {exc.message}")
        self.refresh()

    def copy_host(self) -> None:
        router = self.selected_router()
        if router is not None:
            QGuiApplication.clipboard().setText(router.host)
            self.statusBar().showMessage(f"copied {router.host}")

    def show_script(self) -> None:
        from knockgui.gui.script_dialog import ScriptDialog

        router = self.selected_router()
        if router is None:
            return
        secret, error = self._secret_of(router)
        if secret is None:
            self.report(router, error, StatusKind.FAILED)
            return
        ScriptDialog.for_router(self._parent(), router, secret.knock_sequence, self.settings.default_delay_ms).exec()

    def edit_settings(self) -> None:
        from knockgui.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self._parent(), self.settings)
        if not dialog.exec():
            return
        try:
            save_settings(self.config_dir, dialog.result_settings())
        except KnockguiError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self._parent(), "knockgui: settings not saved", exc.message)
            return
        self.settings = dialog.result_settings()
        self.statusBar().showMessage("settings saved")

    def import_file(self) -> None:
        from knockgui.gui.import_export import import_routers

        message = import_routers(self._parent(), self.inventory)
        if message:
            self.statusBar().showMessage(message)
        self.refresh()

    def set_sequence(self) -> None:
        """Routers > Set sequence…: for the selection, a group, or every router without one."""
        from knockgui.gui.set_sequence import SetSequenceDialog

        dialog = SetSequenceDialog(self._parent(), self.inventory, self.selected_routers())
        if not dialog.exec():
            return
        self.refresh()
        self.statusBar().showMessage(dialog.result_message)

    def export_file(self) -> None:
        from knockgui.gui.import_export import export_routers

        message = export_routers(self._parent(), self.inventory)
        if message:
            self.statusBar().showMessage(message)
