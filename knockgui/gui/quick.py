"""Quick access for ``app.main``: ``--knock/--connect NAME`` and links, one running instance, the tray.

``app.main`` calls three hooks:

1. :func:`add_arguments` on its parser: ``--knock NAME``, ``--connect NAME`` and an optional ``LINK``.
2. :func:`claim` right after parsing, before any QApplication: a bad link is refused here with a sentence
   (exit 2); if knockgui already runs for this config folder, the request is handed to it and this
   process exits (0 once accepted, 2 with the sentence on stderr when refused); otherwise this process
   becomes the running instance.
3. :func:`attach` once the main window exists: showing the window (``start_minimised``), then, once it
   is painted, the tray (or, without one, a notice and quit-on-close), the instance server for later
   starts, and the first start's own request (a knock given on the command line acts here too).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from knockgui.core.errors import InputError, KnockguiError
from knockgui.core.model import Router
from knockgui.gui.first_paint import after_first_paint
from knockgui.gui.single_instance import Reply, Request, SingleInstance, make_handler
from knockgui.gui.tray_presence import install_no_tray_notice, tray_available

if TYPE_CHECKING:
    from knockgui.gui.tray import Tray

EXIT_REFUSED = 2


def say(message: str, error: bool = False) -> None:
    """One line on stdout/stderr; a windowed Windows build has neither (they are None), then it stays silent."""
    stream = sys.stderr if error else sys.stdout
    if stream is not None:
        try:
            print(f"knockgui: {message}", file=stream, flush=True)
        except (OSError, ValueError):
            pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--knock", metavar="NAME", help="knock on the router NAME (in the running knockgui)")
    group.add_argument("--connect", metavar="NAME", help="knock on NAME, then start its client (Winbox, SSH...)")
    parser.add_argument(
        "link", nargs="?", metavar="LINK", help="a knockgui://connect/NAME, knockgui://knock/NAME or winbox://HOST link"
    )


def request_from(args: argparse.Namespace) -> Request:
    """The request the command line asks for; InputError (a sentence) for a bad link or a link with a flag."""
    link = getattr(args, "link", None)
    knock, connect = getattr(args, "knock", None), getattr(args, "connect", None)
    if link:
        from knockgui.core.links import is_link, parse_link

        if knock or connect:
            raise InputError("Give either --knock/--connect NAME or a link, not both.")
        if not is_link(link):
            raise InputError(
                "The argument is not a link; use --connect NAME, --knock NAME or a knockgui:// or winbox:// link."
            )
        parse_link(link)  # refuse hostile links before they reach the running instance
        return Request("link", link=link)
    if knock:
        return Request("knock", name=knock)
    if connect:
        return Request("connect", name=connect)
    return Request("show")


@dataclass
class Claim:
    """This process's part: ``exit_code`` set = hand-over done (exit now); else ``instance`` runs here."""

    request: Request
    instance: SingleInstance | None = None
    exit_code: int | None = None


def claim(args: argparse.Namespace) -> Claim:
    try:
        request = request_from(args)
    except KnockguiError as exc:
        say(exc.message, error=True)
        return Claim(Request("show"), exit_code=exc.exit_code)
    if getattr(args, "demo", False):
        return Claim(request)  # the demo has its own temporary folder: never shared
    from knockgui.core.paths import config_dir

    instance = SingleInstance(config_dir(args.config_dir))
    reply = instance.claim(request)
    if reply is None:
        return Claim(request, instance)
    if reply.ok:
        say(reply.message)
        return Claim(request, exit_code=0)
    say(reply.message, error=True)
    return Claim(request, exit_code=EXIT_REFUSED)


@dataclass
class QuickAccess:
    """What :func:`attach` set up; ``close()`` releases the instance lock and hides the tray."""

    window: Any
    tray: Tray | None
    instance: SingleInstance | None
    first_reply: Reply | None = None
    closed: bool = False  # close() ran: start-up work still queued does nothing
    _signature: tuple[int, int] | None = field(default=None, repr=False)

    def routers(self) -> list[Router]:
        """The inventory's routers, re-read first when another program (the CLI) changed the file."""
        inventory = self.window.inventory
        reload_if_changed = getattr(self.window, "reload_if_changed", None)
        if callable(reload_if_changed):  # the main window keeps the file's state (no second load at start)
            reload_if_changed()
            return list(inventory.routers)
        path = getattr(inventory, "path", None)
        try:
            st = Path(path).stat() if path else None
            signature = (st.st_mtime_ns, st.st_size) if st else None
        except OSError:
            signature = None
        if signature != self._signature and hasattr(inventory, "reload"):
            self._signature = signature
            inventory.reload()
            refresh = getattr(self.window, "refresh", None)
            if callable(refresh):
                refresh()
        return list(inventory.routers)

    def start(self, router: Router, launch: bool, service: str = "") -> bool:
        if self.tray is not None:
            return self.tray.start(router, launch, service or None)
        started: bool = self.window.start_knock(router, launch, service or None)
        return started

    def show_window(self) -> None:
        window: QWidget = self.window
        window.showNormal()
        window.raise_()
        window.activateWindow()

    def close(self) -> None:
        self.closed = True
        if self.instance is not None:
            self.instance.release()
            self.instance = None
        if self.tray is not None:
            self.tray.icon.hide()


def attach(
    app: QCoreApplication, window: Any, config_dir: Path | None, claimed: Claim, in_tray: bool = False
) -> QuickAccess:
    """Tray, instance server, first show and the first request (see the module docstring).

    A window that is shown comes first: the tray (its icon and menu, with the D-Bus look-ups and the
    first icon painting: ~9 ms on X11), the instance server and the first request follow once it is
    painted.
    Started minimised (the setting, or ``in_tray``: ``knockgui --tray``, as at log-in), the tray comes
    first, since it decides whether the window shows at all.
    """
    quick = QuickAccess(window, None, claimed.instance)
    quick.routers()  # note the file's state
    handler = make_handler(quick.routers, quick.start, quick.show_window)

    def add_tray() -> None:
        if tray_available():
            from knockgui.gui.tray import Tray  # its menus and icon painting load only where a tray exists

            quick.tray = Tray(window, config_dir, on_quit=app.quit, parent=window)
            quick.tray.show()
            QApplication.setQuitOnLastWindowClosed(False)
        else:
            install_no_tray_notice(window)

    def serve_and_answer() -> None:
        if claimed.instance is not None:  # later starts hand their requests over from now on
            claimed.instance.serve(handler, parent=window)
        if claimed.request.action != "show":
            quick.first_reply = reply = handler(claimed.request)
            if not reply.ok:
                say(reply.message, error=True)
                if not window.isVisible():
                    window.show()  # a refused first request is shown, not swallowed by the tray
                window.statusBar().showMessage(reply.message)

    if in_tray or getattr(window.settings, "start_minimised", False):
        add_tray()
        if quick.tray is None:
            window.showMinimized()  # in the tray only when there is one
        serve_and_answer()
    else:
        window.show()

        def after_paint() -> None:
            if quick.closed:
                return
            add_tray()
            serve_and_answer()

        after_first_paint(window, after_paint)
    return quick


def link_button_row(parent: QWidget) -> QWidget:
    """The settings row that registers knockgui as the handler of knockgui:// and winbox:// links."""
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton

    from knockgui.core import linkreg

    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    button = QPushButton("Open knockgui:// and winbox:// &links with knockgui", row)
    button.setObjectName("registerLinks")
    button.setToolTip("Links from monitoring tools, wikis and chats then knock first, then connect (this user only)")
    result = QLabel(row)
    result.setObjectName("registerLinksResult")
    result.setWordWrap(True)

    def register() -> None:
        try:
            result.setText(linkreg.register())
            result.setStyleSheet("color: #1b7f3b;")
        except KnockguiError as exc:
            result.setText(exc.message)
            result.setStyleSheet("color: #b01e1e;")

    button.clicked.connect(register)
    layout.addWidget(button)
    layout.addWidget(result, 1)
    return row
