"""`knockgui --self-test`: the core checks plus the Qt ones, without showing a window.

Qt checks: the Qt modules the app uses import, the platform plugins are bundled (``offscreen``
always; ``xcb``/``wayland`` on Linux, ``windows`` on Windows, ``cocoa`` on macOS), a QApplication
starts on the selected platform and runs its event loop, the app icon loads from the resources, and the
main window builds and paints (into a pixmap, with a router of its own in a temporary folder).

The windowed Windows exe has no console, so the lines always go to a report file too: ``--report
FILE``, else ``%TEMP%\\knockgui-self-test.txt`` (``$TMPDIR``/``/tmp`` elsewhere); the last line names
it. Qt arguments such as ``-platform offscreen`` are passed on to the QApplication (Wine drops
``QT_*`` variables, so that is how the Wine build selects offscreen).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from knockgui import APP_NAME
from knockgui.core import resources, selftest
from knockgui.core.selftest import Check, guarded

MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork")
NATIVE_PLATFORM = {"linux": ("xcb", "wayland"), "win32": ("windows",), "darwin": ("cocoa",)}


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog=APP_NAME, add_help=False)
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--report", type=Path)
    parser.add_argument("--no-keyring-write", action="store_true")
    return parser.parse_known_args(argv)


def qt_argv(
    rest: list[str], env: dict[str, str] | None = None, platform_name: str = sys.platform
) -> tuple[list[str], str]:
    """The QApplication argv, and a note when the self-test chose offscreen because there is no display."""
    env = dict(os.environ) if env is None else env
    argv = [APP_NAME, *rest]
    explicit = "-platform" in rest or any(a.startswith("-platform=") for a in rest) or env.get("QT_QPA_PLATFORM")
    if explicit or platform_name != "linux" or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return argv, ""
    return [*argv, "-platform", "offscreen"], " (no display found, so offscreen)"


def check_modules() -> Check:
    import importlib

    import PySide6

    names = [*MODULES, "QtDBus"] if sys.platform == "linux" else list(MODULES)
    for name in names:
        importlib.import_module(f"PySide6.{name}")
    from PySide6.QtCore import qVersion

    return Check("qt-modules", True, f"PySide6 {PySide6.__version__} (Qt {qVersion()}): {', '.join(names)} import")


def check_gui_imports() -> Check:
    """Every module of knockgui.gui imports (in a frozen app: the GUI's modules and their imports were bundled)."""
    import knockgui.gui

    names, failures = selftest.import_modules(knockgui.gui)
    if failures:
        return Check("gui-imports", False, "could not import " + "; ".join(failures))
    return Check("gui-imports", True, f"{len(names)} GUI modules import")


def platform_plugins() -> list[str]:
    from PySide6.QtCore import QCoreApplication

    found: set[str] = set()
    for folder in QCoreApplication.libraryPaths():
        platforms = Path(folder) / "platforms"
        if platforms.is_dir():
            for plugin in platforms.iterdir():
                stem = plugin.name.split(".")[0]
                found.add(stem.removeprefix("lib").removeprefix("q"))
    return sorted(found)


def check_plugins() -> Check:
    plugins = platform_plugins()
    missing = ["offscreen"] if "offscreen" not in plugins else []
    native = NATIVE_PLATFORM.get(sys.platform, ())
    if native and not any(name in plugins for name in native):
        missing.append("/".join(native))
    listed = ", ".join(plugins) or "none"
    if missing:
        return Check("qt-plugins", False, f"platform plugins missing: {', '.join(missing)} (found: {listed})")
    return Check("qt-plugins", True, f"platform plugins bundled: {listed}")


def qt_checks(rest: list[str]) -> list[Check]:
    checks = [
        guarded("qt-modules", check_modules),
        guarded("gui-imports", check_gui_imports),
        guarded("qt-plugins", check_plugins),
    ]
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon, QPixmap
    from PySide6.QtWidgets import QApplication, QWidget

    argv, note = qt_argv(rest)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    QTimer.singleShot(0, app.quit)
    code = app.exec()
    name = app.platformName()
    if code != 0 or not name:
        checks.append(Check("qt-platform", False, f"the event loop ended with {code} on platform '{name}'"))
    else:
        checks.append(Check("qt-platform", True, f"QApplication started on '{name}'{note}, event loop ran"))

    def icon_check() -> Check:
        path = resources.icon_png_path()
        pixmap = QPixmap(str(path))
        icon = QIcon(str(path))
        if pixmap.isNull() or icon.isNull():
            return Check("icon", False, f"{path.name} did not load as an image")
        widget = QWidget()  # never shown: proves widgets can be built and take the icon
        widget.setWindowIcon(icon)
        ok = not widget.windowIcon().isNull()
        widget.deleteLater()
        return Check("icon", ok, f"{path.name} loads ({pixmap.width()}x{pixmap.height()})")

    checks.append(guarded("icon", icon_check))
    checks.append(guarded("main-window", check_main_window))
    return checks


def check_main_window() -> Check:
    """The main window builds, with a router in its list, and paints (into a pixmap: nothing is shown);
    in a temporary folder with an in-memory secret store, so no file or keyring of the user's is touched."""
    import tempfile

    from PySide6.QtWidgets import QApplication

    from knockgui.core.model import Router
    from knockgui.core.secrets import MemorySecretStore, RouterSecret
    from knockgui.core.sequence import parse_sequence
    from knockgui.core.settings import Settings
    from knockgui.core.store import Inventory
    from knockgui.gui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="knockgui-self-test-") as tmp:
        folder = Path(tmp)
        inventory = Inventory.open(folder, MemorySecretStore())
        inventory.add(Router(name="self-test", host="192.0.2.1"), RouterSecret(parse_sequence("1000:tcp")))
        window = MainWindow(inventory, Settings(), folder, launch=False)
        try:
            image = window.grab().toImage()
            QApplication.processEvents()
            rows = window.proxy.rowCount()
            title = window.view.horizontalHeader().model().headerData(0, window.view.horizontalHeader().orientation())
        finally:
            window.shutdown()
            window.deleteLater()
    ok = rows == 1 and title == "Name" and image.width() > 0
    return Check(
        "main-window", ok, f"the main window builds and paints ({image.width()}x{image.height()}, {rows} router)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the self-test; ``argv`` excludes the program name. Exit code 0 only when all required checks pass."""
    args, rest = parse(sys.argv[1:] if argv is None else list(argv))
    report_path = args.report or selftest.default_report_path()
    with selftest.Reporter(report_path) as reporter:
        report = selftest.run(
            [
                lambda: selftest.core_checks(keyring_round_trip=not args.no_keyring_write),
                lambda: qt_checks(rest),
            ],
            reporter,
        )
    return 0 if report.was_successful() else 1
