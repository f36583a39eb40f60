"""The main window's size, position and column widths between runs.

Kept in ``window.json`` beside the settings in the config folder (not in QSettings' default location,
so every config folder, and every test, has its own): ``{"geometry": base64 of
QWidget.saveGeometry(), "columns": {"Name": 230, ...}}``. Nothing in it is secret. Whatever cannot be
read or does not make sense (a damaged file, a wrong type, an absurd width, a geometry Qt rejects) is
ignored, and the defaults stay; saving never interrupts closing (a failure is only logged).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QHeaderView, QWidget

from knockgui.core.atomic import atomic_write
from knockgui.core.errors import KnockguiError
from knockgui.core.readfile import read_regular

FILE_NAME = "window.json"
MIN_WIDTH, MAX_WIDTH = 20, 4000

log = logging.getLogger(__name__)


def _read(config_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_regular(config_dir / FILE_NAME, 1024 * 1024).decode("utf-8"))
    except (OSError, KnockguiError, ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        return {}
    return data if isinstance(data, dict) else {}


def restore(window: QWidget, header: QHeaderView, config_dir: Path, names: dict[int, str]) -> None:
    """Apply the saved geometry and the widths of the columns in ``names`` (index -> header text)."""
    data = _read(config_dir)
    geometry = data.get("geometry")
    if isinstance(geometry, str):
        try:
            window.restoreGeometry(QByteArray(base64.b64decode(geometry, validate=True)))
        except (binascii.Error, ValueError):
            pass
    columns = data.get("columns")
    if isinstance(columns, dict):
        for index, name in names.items():
            width = columns.get(name)
            if isinstance(width, int) and not isinstance(width, bool) and MIN_WIDTH <= width <= MAX_WIDTH:
                header.resizeSection(index, width)


def save(window: QWidget, header: QHeaderView, config_dir: Path, names: dict[int, str]) -> None:
    """Write the window's geometry and the widths of the columns in ``names``."""
    data = {
        "geometry": base64.b64encode(bytes(window.saveGeometry().data())).decode("ascii"),
        "columns": {name: header.sectionSize(index) for index, name in names.items()},
    }
    try:
        atomic_write(config_dir / FILE_NAME, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
    except KnockguiError as exc:
        log.warning("window size not saved: %s", exc.message)
