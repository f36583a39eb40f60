"""knockgui's QApplication: it says when the application is asked to quit, before Qt closes the windows.

A quit (``QApplication.quit()`` from SIGTERM or SIGINT, a session logout, Cmd+Q on macOS) reaches the
application object as a ``QEvent.Quit``; Qt 6 then closes every window and gives up if one refuses.
The tray's "close to tray" refuses a window's close, so it must know of the quit first:
:class:`KnockguiApplication` emits ``quit_requested`` when that event arrives, then lets Qt handle it.

Only events sent to the application object itself pass through :meth:`KnockguiApplication.event` (a
handful), unlike an event filter installed on the application, which sees every event of every object
and made PySide convert each of them to Python (on X11 ~25 ms of wrapper set-up right after start-up).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QApplication


class KnockguiApplication(QApplication):
    """A QApplication whose ``quit_requested`` is emitted when a ``QEvent.Quit`` arrives, before Qt acts on it."""

    quit_requested = Signal()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Quit:
            self.quit_requested.emit()
        return super().event(event)


__all__ = ["KnockguiApplication"]
