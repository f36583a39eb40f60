"""Entry point of the ``knockgui`` GUI: ``knockgui [--config-dir DIR] [--demo] [--self-test]``.

``main()`` stays small: read the flags (:func:`parse_args`; declare new ones in :func:`build_parser`
and, if a desktop start may use them, in ``parse_args``'s plain forms), make the QApplication, build the
window with :func:`create_main_window`, run. Other parts (tray, single instance) hook in between.
Start-up time matters here (``benchmarks/bench_gui.py``): what the first paint does not need waits for it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# The Qt-free part of the start path is imported here, Qt only in main(): once imported, PySide6 reads the
# whole source of every module imported after it (its ``__feature__`` import hook, ~0.2 ms a module).
import knockgui.core.paths
import knockgui.core.secrets
import knockgui.core.settings
import knockgui.core.store  # noqa: F401  (with json, dataclasses, the router model and its checks)
from knockgui import APP_NAME, __version__, interrupts_end_quietly

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_NAME, description="Knock, check and connect to MikroTik routers.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=None,
        help="folder of the router inventory and settings (default: KNOCKGUI_CONFIG_DIR or the OS's)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start with a simulated router on loopback (temporary config, no keyring) to try the whole flow",
    )
    parser.add_argument("--self-test", action="store_true", help="check this installation and exit")
    parser.add_argument(
        "--tray", action="store_true", help="start in the tray (as at log-in); without a tray, minimised"
    )
    from knockgui.gui.quick import add_arguments  # --knock/--connect NAME, LINK (TRAY)

    add_arguments(parser)
    return parser


_VALUED = {"--config-dir": "config_dir", "--knock": "knock", "--connect": "connect"}


def parse_args(args_list: list[str]) -> argparse.Namespace:
    """The command line's flags: plain ones read directly, anything else through :func:`build_parser`.

    A start from the desktop or a link has no flags or a few plain ones; building argparse's parser
    (with its gettext look-ups) would cost ~2 ms of the start-up. Only a command line whose meaning
    is certain is read here (each flag once, values that are not options, at most one link); help,
    --version, mistakes and everything unusual go to argparse, which says what is wrong.
    """
    values: dict[str, object] = {
        "config_dir": None,
        "demo": False,
        "self_test": False,
        "knock": None,
        "connect": None,
        "link": None,
        "tray": False,
    }
    seen: set[str] = set()
    i = 0
    while i < len(args_list):
        arg = args_list[i]
        flag, has_value, value = arg.partition("=") if arg.startswith("--") else (arg, False, "")
        if flag in _VALUED:
            if not has_value:
                if i + 1 >= len(args_list):
                    break
                i += 1
                value = args_list[i]
            if not value or value.startswith("-") or flag in seen:
                break
            values[_VALUED[flag]] = value
        elif arg == "--demo" and flag not in seen:
            values["demo"] = True
        elif arg == "--tray" and flag not in seen:
            values["tray"] = True
        elif not arg.startswith("-") and "link" not in seen:
            flag = "link"
            values["link"] = arg
        else:
            break
        seen.add(flag)
        i += 1
    else:
        if not ({"--knock", "--connect"} <= seen):
            return argparse.Namespace(**values)
    return build_parser().parse_args(args_list)


@dataclass
class Started:
    """What :func:`create_main_window` built; ``close()`` releases it (the demo router, its folder)."""

    window: object
    config_dir: Path
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        while self.cleanups:
            self.cleanups.pop()()


def create_main_window(args: argparse.Namespace) -> Started:
    """Open the inventory (or the demo) and build the main window (not shown yet)."""
    from knockgui.core.paths import config_dir as resolve_config_dir
    from knockgui.core.secrets import KeyringSecretStore
    from knockgui.core.settings import load_settings
    from knockgui.core.store import Inventory
    from knockgui.gui.main_window import MainWindow

    cleanups: list[Callable[[], None]] = []
    if getattr(args, "demo", False):
        from knockgui.gui.demo import start_demo

        demo = start_demo()
        cleanups.append(demo.close)
        folder, inventory, note = demo.config_dir, demo.inventory, "demo"
    else:
        folder = resolve_config_dir(args.config_dir)
        inventory = Inventory.open(folder, KeyringSecretStore())
        note = ""
    started = Started(None, folder, cleanups)
    try:
        settings = load_settings(folder)
        window = MainWindow(inventory, settings, folder, title_note=note)
    except BaseException:
        started.close()  # e.g. the demo's router and folder
        raise
    if settings.warning:
        window.statusBar().showMessage(settings.warning)
    started.window = window
    return started


def quit_on_signals(app: QCoreApplication) -> list[int]:
    """SIGTERM / SIGINT end the event loop normally, so clean-ups run (the demo removes its folder); one that
    comes while the window is still being built ends the loop as soon as it starts. Returns the signals
    received (a list that fills as they come)."""
    from PySide6.QtCore import QTimer

    received: list[int] = []

    def quit_soon(signum: int, _frame: object) -> None:
        received.append(signum)
        QTimer.singleShot(0, app.quit)  # app.quit() alone does nothing before app.exec() runs

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, quit_soon)
    timer = QTimer(app)  # Python runs signal handlers only when it gets control: give it some
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return received


def _skip_pyside_source_scans() -> None:
    """Import PySide6 and spare it reading the source of every module that was loaded before it.

    PySide6 replaces ``__import__`` with a hook for its opt-in ``from __feature__ import ...`` syntax
    (snake_case, true_property; knockgui uses neither): the first time an import statement names a module
    after PySide6 is loaded, the hook reads that module's whole source to see whether it says "PySide6",
    and notes 0 ("uses PySide") or -1 ("ignore") in its ``pyside_feature_dict``. For the standard library
    already loaded (typing, logging, threading, argparse...) that is ~3 ms of the GUI's start-up for an
    answer known in advance: note it here. Without that dict (another PySide6 version) nothing is done.
    """
    import PySide6.QtCore  # noqa: F401  (installs the hook)

    flags = getattr(sys.modules.get("__feature__"), "pyside_feature_dict", None)
    if isinstance(flags, dict):
        for name in list(sys.modules):
            flags.setdefault(name, 0 if name.startswith("knockgui.gui") else -1)


def _no_autolaunched_bus(env: MutableMapping[str, str] = os.environ) -> None:
    """Without a desktop session bus, keep Qt's D-Bus library from starting one that outlives knockgui.

    With no ``DBUS_SESSION_BUS_ADDRESS`` and no ``$XDG_RUNTIME_DIR/bus``, libdbus "autolaunches" a bus
    (``dbus-launch --autolaunch``, for the tray's StatusNotifier check), and that dbus-daemon stays after
    knockgui ends. ``disabled:`` tells libdbus there is no bus: no tray over D-Bus (the XEmbed tray and
    the window still work) and the keyring says it needs a Secret Service, as it would anyway. Programs
    knockgui starts do not inherit the value (``process.OWN_ONLY``).
    """
    if not sys.platform.startswith("linux") or env.get("DBUS_SESSION_BUS_ADDRESS"):
        return
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return  # the session's bus at its standard place: libdbus finds it there
    from knockgui.core import process

    env["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
    process.OWN_ONLY["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    if "--self-test" in args_list:  # before any window (PACKAGING)
        from knockgui.gui.selftest import main as self_test

        try:  # a Ctrl-C ends it at once, but for the keyring check's KeyboardInterrupt (it deletes its test entry)
            return self_test(args_list)
        except KeyboardInterrupt:
            if sys.stderr is not None:  # None in a windowed Windows build
                print(f"{APP_NAME}: Cancelled.", file=sys.stderr)
            return 130
    args = parse_args(args_list)
    _skip_pyside_source_scans()
    _no_autolaunched_bus()
    from knockgui.gui import quick

    claimed = quick.claim(args)  # hand over to a running knockgui, or become it (TRAY)
    if claimed.exit_code is not None:
        return claimed.exit_code
    from PySide6.QtWidgets import QApplication

    from knockgui.gui import errors
    from knockgui.gui.application import KnockguiApplication  # tells the tray of a quit (SIGTERM, logout)

    app = QApplication.instance() or KnockguiApplication([APP_NAME, *args_list])
    app.setApplicationName(APP_NAME)
    from PySide6.QtGui import QIcon

    from knockgui.core.resources import icon_png_path

    QApplication.setWindowIcon(QIcon(str(icon_png_path())))  # the app icon, from package data (PACKAGING)
    errors.install()
    received = quit_on_signals(app)  # until here a Ctrl-C ends the program at once, quietly (knockgui/__init__)
    started = create_main_window(args)
    window = started.window
    try:
        from knockgui.gui.main_window import MainWindow

        assert isinstance(window, MainWindow)
        access = quick.attach(app, window, started.config_dir, claimed, in_tray=bool(getattr(args, "tray", False)))
        try:
            code = app.exec()
            return 130 if signal.SIGINT in received else code  # Ctrl-C: 130, as the CLI; SIGTERM: a normal quit
        finally:
            access.close()
    finally:
        started.close()
        interrupts_end_quietly()  # what is left is the interpreter's shut-down: a Ctrl-C there ends it at once


if __name__ == "__main__":
    sys.exit(main())
