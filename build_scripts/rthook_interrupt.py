"""PyInstaller runtime hook (custom hooks run before PyInstaller's own, such as pyi_rth_inspect and
pyi_rth_pkgutil, which take ~20 ms of a built program's start): importing knockgui installs its Ctrl-C
handling (see knockgui/__init__.py), so a Ctrl-C from here on ends the program quietly with exit code 130,
not with "Failed to execute script" and a traceback."""

import knockgui  # noqa: F401
