"""Qt-namespace values for the code that runs before the main window's first paint, without ``Qt``.

The first use of PySide6's ``Qt`` namespace (``Qt.ItemDataRole``, ``Qt.Key``, ``Qt.AlignmentFlag``...)
makes PySide build all of its ~95 Python enums at once: about 13 ms, a quarter of what knockgui adds to
a bare window's start-up. So the start path (the main window, its actions, the router model) does not
touch ``Qt`` until the window is painted:

- data roles and key codes are compared as the plain ints below (Qt passes roles and key codes as ints;
  ``tests/gui/test_qtints.py`` checks each against PySide's enum);
- enum-typed widget settings are written by name through Qt's property system
  (:func:`set_enum_property`), which converts the name in C++ and needs no Python enum.

Code that runs later (a dialog, a key press, a menu) may import ``Qt`` where it needs it, inside the
function: a module-level ``from PySide6.QtCore import Qt`` in a start-path module would build it again
(``tests/gui/test_startup_enums.py`` would say so).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

# Qt::ItemDataRole
DISPLAY_ROLE = 0
DECORATION_ROLE = 1
TOOLTIP_ROLE = 3
FOREGROUND_ROLE = 9
USER_ROLE = 256

# Qt::Key
KEY_ESCAPE = 0x01000000
KEY_RETURN = 0x01000004
KEY_ENTER = 0x01000005
KEY_UP = 0x01000013
KEY_DOWN = 0x01000015
KEY_PAGE_UP = 0x01000016
KEY_PAGE_DOWN = 0x01000017
KEY_F10 = 0x01000039
KEY_MENU = 0x01000055


def set_enum_property(obj: QObject, name: str, value: str) -> None:
    """``obj.setProperty(name, value)`` for an enum or flags property given by its key(s), e.g.
    ``("contextMenuPolicy", "CustomContextMenu")`` or ``("alignment", "AlignCenter")``; a wrong name
    or key is a programming error (ValueError), not silently ignored as Qt would."""
    if not obj.setProperty(name, value):
        raise ValueError(f"{type(obj).__name__} has no property {name!r} accepting {value!r}")
