"""knockgui's own action icons: the shipped PNGs, action_icon(), and no QStyle / Qt-namespace enums built."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from knockgui.core import resources
from knockgui.gui import icons

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first chunk)."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def opaque_pixels(image: QImage) -> int:
    return sum(1 for y in range(image.height()) for x in range(image.width()) if image.pixelColor(x, y).alpha() > 0)


def test_the_names_and_sizes() -> None:
    assert icons.ACTION_ICONS == ("connect", "knock", "add", "edit", "delete", "cancel")
    assert icons.ACTION_ICON_SIZES == (16, 24, 32, 48)


@pytest.mark.parametrize("name", resources.ACTION_ICONS)
def test_every_size_is_shipped_as_a_png_of_that_size_with_something_drawn(name: str) -> None:
    for size in resources.ACTION_ICON_SIZES:
        file = resources.path(resources.action_icon_file(name, size))
        assert file == ROOT / "knockgui" / "resources" / "actions" / f"{name}-{size}.png"
        data = file.read_bytes()
        assert png_size(data) == (size, size), file
        image = QImage(str(file))
        assert not image.isNull() and (image.width(), image.height()) == (size, size), file
        drawn = opaque_pixels(image)
        assert size * size // 8 < drawn < size * size, f"{file}: {drawn} of {size * size} pixels drawn"


def test_every_icon_has_its_svg_source_and_no_source_is_left_unrendered() -> None:
    sources = ROOT / "resources" / "actions"
    assert sorted(p.stem for p in sources.glob("*.svg")) == sorted(resources.ACTION_ICONS)
    shipped = sorted(p.name for p in (ROOT / "knockgui" / "resources" / "actions").iterdir())
    expected = sorted(f"{n}-{s}.png" for n in resources.ACTION_ICONS for s in resources.ACTION_ICON_SIZES)
    assert shipped == expected


def test_the_self_test_requires_the_action_icons() -> None:
    for name in resources.ACTION_ICONS:
        assert f"actions/{name}-16.png" in resources.REQUIRED and f"actions/{name}-48.png" in resources.REQUIRED
        assert resources.exists(f"actions/{name}-32.png")  # through importlib.resources, as the self-test does


@pytest.mark.parametrize("name", resources.ACTION_ICONS)
def test_action_icon_gives_a_pixmap_of_each_size(qtbot: QtBot, name: str) -> None:
    icon = icons.action_icon(name)
    assert not icon.isNull()
    assert sorted((s.width(), s.height()) for s in icon.availableSizes()) == [(s, s) for s in (16, 24, 32, 48)]
    for size in (16, 24, 32, 48):
        pixmap = icon.pixmap(size)
        assert not pixmap.isNull()
        assert (pixmap.width(), pixmap.height()) == (size, size)
        assert opaque_pixels(pixmap.toImage()) > 0
    assert icons.action_icon(name).cacheKey() == icon.cacheKey()  # cached: the same icon again


def test_an_unknown_name_gives_a_null_icon(qtbot: QtBot) -> None:
    assert icons.action_icon("no-such-icon").isNull()
    assert icons.action_icon("").isNull()


def test_missing_files_give_a_null_icon_not_an_error(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(icons, "_cache", {})
    monkeypatch.setattr(resources, "path", lambda name: tmp_path / "missing" / name)
    assert icons.action_icon("connect").isNull()
    assert icons._cache == {}  # nothing cached: a repaired install would load them


def test_the_icon_of_a_partly_damaged_install_has_the_sizes_that_are_there(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = resources.path
    monkeypatch.setattr(icons, "_cache", {})
    monkeypatch.setattr(resources, "path", lambda name: real(name) if name.endswith("-16.png") else tmp_path / name)
    icon = icons.action_icon("delete")
    assert [(s.width(), s.height()) for s in icon.availableSizes()] == [(16, 16)]


CHILD = r"""
import enum, json, sys

def enum_names():
    seen, stack = set(), [enum.Enum]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return sorted(c.__qualname__ for c in seen if c.__qualname__.startswith(("QStyle.", "Qt.")))

from PySide6.QtWidgets import QApplication
app = QApplication([])
from knockgui.gui.icons import ACTION_ICONS, action_icon
ok = [not action_icon(name).isNull() and not action_icon(name).pixmap(16).isNull() for name in ACTION_ICONS]
after_icons = enum_names()
# Controls: the detection does see these enums once they are built.
from PySide6.QtCore import Qt
Qt.AlignmentFlag
after_qt = enum_names()
from PySide6.QtWidgets import QStyle
app.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
after_style = enum_names()
print(json.dumps({"ok": ok, "icons": after_icons, "qt": after_qt, "style": after_style}))
"""


def test_action_icons_build_no_qstyle_or_qt_namespace_enums() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"] == [True] * len(resources.ACTION_ICONS)
    assert "Qt.AlignmentFlag" in result["qt"]  # the detection works ...
    assert "QStyle.StandardPixmap" in result["style"]
    assert result["icons"] == []  # ... and action_icon() built none of them
