"""Render the icon files from the one source image, ``resources/knockgui.svg``.

    python build_scripts/make_icons.py

writes ``resources/icons/knockgui-{16..1024}.png``, ``resources/knockgui.png`` (256 px),
``resources/knockgui.ico`` (16, 24, 32, 48, 64, 128, 256 px, PNG-compressed entries, which Windows
Vista and later read) and ``resources/knockgui.icns`` (PNG entries icp4..ic10, which macOS 10.7 and
later read), and copies what the app loads at run time into ``knockgui/resources/`` (package data,
so source runs, wheels and frozen builds all find it). The ICO and ICNS containers are written here
byte by byte: no Pillow, no iconutil. Qt (QtSvg, part of PySide6-Essentials) renders the SVG.
The generated files are committed; rerun this script after changing the SVG.

It also renders the toolbar and menu icons, ``resources/actions/<name>.svg`` (16x16 design grid, one
per name in ``knockgui.core.resources.ACTION_ICONS``), to ``knockgui/resources/actions/<name>-<size>.png``
at 16, 24, 32 and 48 px, which ``knockgui.gui.icons.action_icon()`` loads (no QStyle needed).
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from knockgui.core.resources import ACTION_ICON_SIZES, ACTION_ICONS, ACTIONS_DIR  # noqa: E402

SOURCE = ROOT / "resources" / "knockgui.svg"
ACTION_SOURCES = ROOT / "resources" / ACTIONS_DIR  # <name>.svg
OUT = ROOT / "resources"
PACKAGE = ROOT / "knockgui" / "resources"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types share sizes with larger 1x ones).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render_pngs(source: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    return render_many([source], sizes)[source]


def render_many(sources: list[Path], sizes: tuple[int, ...]) -> dict[Path, dict[int, bytes]]:
    """Each SVG rendered as a square PNG of each size (one QGuiApplication for all of them)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    result = {source: _render(source, sizes) for source in sources}
    del app
    return result


def _render(source: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {source} is not a valid SVG.")
    result: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        result[size] = bytes(data.data())
    return result


def ico_bytes(pngs: dict[int, bytes], sizes: tuple[int, ...]) -> bytes:
    """A Windows .ico with one PNG-compressed image per size."""
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries = b""
    images = b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(images))
        images += data
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns with PNG elements."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_action_icons() -> list[Path]:
    """Render every action SVG to ``knockgui/resources/actions/<name>-<size>.png``; the files written."""
    missing = [name for name in ACTION_ICONS if not (ACTION_SOURCES / f"{name}.svg").is_file()]
    if missing:
        raise SystemExit(f"make_icons: no SVG for the action icon(s) {', '.join(missing)} in {ACTION_SOURCES}.")
    sources = {name: ACTION_SOURCES / f"{name}.svg" for name in ACTION_ICONS}
    rendered = render_many(list(sources.values()), ACTION_ICON_SIZES)
    folder = PACKAGE / ACTIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, source in sources.items():
        for size, data in rendered[source].items():
            target = folder / f"{name}-{size}.png"
            target.write_bytes(data)
            written.append(target)
    return written


def main() -> int:
    pngs = render_pngs(SOURCE, PNG_SIZES)
    icons = OUT / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    for size, data in pngs.items():
        (icons / f"knockgui-{size}.png").write_bytes(data)
    (OUT / "knockgui.png").write_bytes(pngs[256])
    (OUT / "knockgui.ico").write_bytes(ico_bytes(pngs, ICO_SIZES))
    (OUT / "knockgui.icns").write_bytes(icns_bytes(pngs))
    PACKAGE.mkdir(parents=True, exist_ok=True)
    for name in ("knockgui.svg", "knockgui.png", "knockgui.ico"):
        shutil.copyfile(OUT / name, PACKAGE / name)
    for size in (16, 32, 64):
        shutil.copyfile(icons / f"knockgui-{size}.png", PACKAGE / f"knockgui-{size}.png")
    print(f"make_icons: wrote {len(pngs)} PNG sizes, knockgui.ico, knockgui.icns; copied the run-time set to {PACKAGE}")
    actions = write_action_icons()
    print(f"make_icons: wrote {len(actions)} action icon PNGs to {PACKAGE / ACTIONS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
