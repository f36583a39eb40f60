"""The preview of an import: every entry of the file and what will happen to it (added, merged, skipped
and why), before anything is written. Duplicates are merged or skipped as chosen here; entries that
would change an existing router's host, port, service, command or pass_password are skipped unless
the user ticks the box that lets the file replace them (rebuilding the plan)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from knockgui.core.errors import KnockguiError
from knockgui.core.importers import Source
from knockgui.core.importers.plan import MERGE, SKIP, Action, Plan, build_plan
from knockgui.core.store import Inventory

_VERBS = {Action.ADD: "add", Action.MERGE: "merge", Action.SKIP: "skip"}


def entry_rows(plan: Plan) -> list[tuple[str, str, str]]:
    """(what happens, the entry, details) for each entry of the plan."""
    rows = []
    for entry in plan.entries:
        detail = entry.reason
        if entry.action is Action.ADD and entry.router is not None:
            detail = f"as {entry.router.name} ({entry.router.host}:{entry.router.service_port})"
            if entry.router.needs_sequence:
                detail += ", no knock sequence yet"
        elif entry.action is Action.MERGE:
            detail = f"into {entry.reason}"
        rows.append((_VERBS[entry.action], entry.label, detail))
    return rows


class ImportPreview(QDialog):
    def __init__(self, parent: QWidget | None, inventory: Inventory, source: Source) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"knockgui: import {source.path.name}")
        self.inventory = inventory
        self.source = source
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Action", "Entry", "Details"])
        self.table.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.merge = QCheckBox("&Merge duplicates (same host and port, or same name) instead of skipping them")
        self.merge.setChecked(True)
        self.replace = QCheckBox("&Let the file change the host, port, command or pass_password of routers you have")
        self.replace.setStyleSheet("color: #8a5a00;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.merge)
        layout.addWidget(self.replace)
        layout.addWidget(
            QLabel("Logins and kept passwords go to the OS keyring, never to the router list. Nothing is written yet.")
        )
        layout.addWidget(self.buttons)
        self.merge.toggled.connect(self.rebuild)
        self.replace.toggled.connect(self.rebuild)
        self.resize(760, 420)
        self.plan = self.rebuild()
        self.replace.setVisible(bool(self.plan.held))

    def rebuild(self, *_args: object) -> Plan:
        try:
            self.plan = build_plan(
                self.inventory,
                self.source,
                duplicates=MERGE if self.merge.isChecked() else SKIP,
                replace_changed=self.replace.isChecked(),
            )
        except KnockguiError as exc:  # the keyring, read to compare kept passwords, refused: nothing to import
            if not hasattr(self, "plan"):
                raise
            self.summary.setText(exc.message)
            self.import_button.setEnabled(False)
            return self.plan
        self.table.clear()
        for row in entry_rows(self.plan):
            item = QTreeWidgetItem(list(row))
            item.setToolTip(2, row[2])
            self.table.addTopLevelItem(item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.summary.setText(self.plan.message)
        self.import_button.setEnabled(any(e.router is not None for e in self.plan.entries))
        return self.plan
