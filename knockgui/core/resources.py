"""The files knockgui ships inside its package (``knockgui/resources/``): the icon in a few forms,
and the toolbar and menu icons in ``actions/``.

Loaded through importlib.resources, so a source checkout, an installed wheel and a PyInstaller
build (which bundles the folder as data) all find them. The GUI uses ``icon_png_path()`` or
``read_bytes(ICON_PNG)``; ``build_scripts/make_icons.py`` regenerates the files from the SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

ICON_SVG = "knockgui.svg"
ICON_PNG = "knockgui.png"  # 256 px
ICON_ICO = "knockgui.ico"  # multi-size, for Windows
ICON_SIZES = (16, 32, 64)  # knockgui-16.png etc., for menus and the tray
ACTIONS_DIR = "actions"  # toolbar and menu icons: actions/<name>-<size>.png (knockgui.gui.icons)
ACTION_ICONS = ("connect", "knock", "add", "edit", "delete", "cancel")
ACTION_ICON_SIZES = (16, 24, 32, 48)


def action_icon_file(name: str, size: int) -> str:
    """The resource name of an action icon's PNG, for ``path()`` and ``exists()``."""
    return f"{ACTIONS_DIR}/{name}-{size}.png"


REQUIRED = (
    ICON_PNG,
    ICON_SVG,
    ICON_ICO,
    *(f"knockgui-{size}.png" for size in ICON_SIZES),
    *(action_icon_file(name, size) for name in ACTION_ICONS for size in ACTION_ICON_SIZES),
)


_BESIDE = Path(__file__).resolve().parent.parent / "resources"  # knockgui/resources in a checkout, wheel or build


def _folder() -> Traversable:
    from importlib import resources

    return resources.files("knockgui") / "resources"


def exists(name: str) -> bool:
    return _folder().joinpath(name).is_file()


def read_bytes(name: str) -> bytes:
    return _folder().joinpath(name).read_bytes()


def path(name: str) -> Path:
    """A real file path of a resource (the package and PyInstaller builds keep them as plain files)."""
    beside = _BESIDE / name
    if beside.is_file():  # the usual case, without importing importlib.resources (~3 ms of the GUI's start)
        return beside
    return Path(str(_folder().joinpath(name)))


def icon_png_path(size: int | None = None) -> Path:
    """The app icon as a PNG file: 256 px by default, or one of ``ICON_SIZES``."""
    return path(ICON_PNG if size is None else f"knockgui-{size}.png")
