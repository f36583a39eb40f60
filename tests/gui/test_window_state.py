"""The main window remembers its size, position and column widths in the config folder; bad values are ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knockgui.core.secrets import MemorySecretStore
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui.main_window import MainWindow
from knockgui.gui.router_model import Column
from knockgui.gui.window_state import FILE_NAME


def _window(qtbot, config_dir: Path) -> MainWindow:
    window = MainWindow(Inventory.open(config_dir, MemorySecretStore()), Settings(), config_dir)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_size_position_and_column_widths_come_back_next_run(qtbot, config_dir: Path) -> None:
    first = _window(qtbot, config_dir)
    first.resize(720, 410)
    first.move(33, 44)
    first.view.setColumnWidth(Column.NAME, 311)
    first.view.setColumnWidth(Column.GROUP, 77)
    qtbot.waitUntil(lambda: first.size().width() == 720)
    position = first.pos()
    first.close()
    saved = json.loads((config_dir / FILE_NAME).read_text())
    assert saved["columns"] == {"name": 311, "host": 130, "group": 77, "service": 110}
    second = _window(qtbot, config_dir)
    assert (second.width(), second.height()) == (720, 410)
    assert second.pos() == position
    assert second.view.columnWidth(Column.NAME) == 311 and second.view.columnWidth(Column.GROUP) == 77


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"geometry": "!!not base64!!", "columns": {"name": "wide", "host": 99999, "group": true}}',
        '{"geometry": "AAAA", "columns": [311]}',
        "[" * 100_000 + "]" * 100_000,  # nested too deeply for the JSON parser
    ],
)
def test_a_damaged_window_file_is_ignored(qtbot, config_dir: Path, content: str) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / FILE_NAME).write_text(content)
    window = _window(qtbot, config_dir)
    assert (window.width(), window.height()) == (900, 520)
    assert [window.view.columnWidth(c) for c in (Column.NAME, Column.HOST, Column.GROUP)] == [230, 130, 100]
    window.close()
    assert json.loads((config_dir / FILE_NAME).read_text())["columns"]["name"] == 230  # rewritten whole
