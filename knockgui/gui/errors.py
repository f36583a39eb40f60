"""Unexpected exceptions: a dialog with the details, and the app keeps running.

Core errors (``KnockguiError``) never get here: they are shown as their sentence beside the router and
in the status bar. This is the last resort for bugs, installed as ``sys.excepthook`` by the app.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QWidget

from knockgui.core.errors import KnockguiError

if TYPE_CHECKING:  # imported where a box opens: building QMessageBox's enums would delay the first paint
    from PySide6.QtWidgets import QMessageBox

_open_boxes: list[QMessageBox] = []  # parentless boxes must stay referenced while they are shown

SUMMARY = "knockgui hit an unexpected error and carried on. Please report it with the details below."


def show_exception(parent: QWidget | None, details: str, summary: str = SUMMARY) -> QMessageBox:
    """A non-blocking dialog with the traceback under "Show Details"."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setObjectName("unexpectedError")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("knockgui: unexpected error")
    box.setText(summary)
    box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    _keep(box)
    box.open()
    return box


def _keep(box: QMessageBox) -> None:
    _open_boxes.append(box)
    box.finished.connect(lambda _result: _open_boxes.remove(box) if box in _open_boxes else None)


def excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook`` for the GUI: a KnockguiError shows its sentence; anything else the details."""
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    app = QApplication.instance()
    parent = QApplication.activeWindow() if app is not None else None
    if isinstance(value, KnockguiError):
        if app is not None:
            from PySide6.QtWidgets import QMessageBox

            box = QMessageBox(parent)
            box.setWindowTitle("knockgui")
            box.setText(value.message)
            _keep(box)
            box.open()
        else:
            print(f"knockgui: {value.message}", file=sys.stderr)
        return
    details = "".join(traceback.format_exception(kind, value, tb))
    print(details, file=sys.stderr)
    if app is not None:
        show_exception(parent, details)


def install() -> None:
    sys.excepthook = excepthook
