"""knockgui's own toolbar and menu icons, from the PNGs in ``knockgui/resources/actions/``.

``action_icon("connect")`` is a QIcon holding ``connect-16.png`` … ``connect-48.png`` (one file per
size, so Qt picks the sharp one for a menu, a toolbar or a 2x screen). The sources are the SVGs in
``resources/actions/``; ``build_scripts/make_icons.py`` renders the PNGs.

Why not ``QStyle.standardIcon``: touching PySide6's QStyle builds about 11 Python enum classes (some
4 ms of the start-up before the first paint), and the style's icons differ from desktop to desktop.
This module therefore never imports QStyle nor the ``Qt`` namespace (whose enums cost the same way);
QIcon and QSize are cheap.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from knockgui.core import resources

ACTION_ICONS: tuple[str, ...] = resources.ACTION_ICONS  # connect, knock, add, edit, delete, cancel
ACTION_ICON_SIZES: tuple[int, ...] = resources.ACTION_ICON_SIZES  # px: 16, 24, 32, 48

_cache: dict[str, QIcon] = {}


def action_icon(name: str) -> QIcon:
    """The icon of an action, one of ``ACTION_ICONS``; an empty (null) QIcon for an unknown name or
    when none of its files is there (a damaged install shows no icon rather than failing)."""
    cached = _cache.get(name)
    if cached is not None:
        return cached
    icon = QIcon()
    if name not in ACTION_ICONS:
        return icon
    for size in ACTION_ICON_SIZES:
        file = resources.path(resources.action_icon_file(name, size))
        if file.is_file():
            icon.addFile(str(file), QSize(size, size))
    if not icon.isNull():
        _cache[name] = icon
    return icon
