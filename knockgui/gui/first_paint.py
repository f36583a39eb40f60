"""Start-up work that must not delay the window: run it once the window has been painted."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    """Runs ``job`` once, from the event loop, after ``widget``'s first paint (or after ``fallback_ms``)."""

    def __init__(self, widget: QWidget, job: Callable[[], object], fallback_ms: int) -> None:
        super().__init__(widget)
        self.widget = widget
        self.job: Callable[[], object] | None = job
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._run)  # never painted (minimised, in the tray): run anyway

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() == QEvent.Type.Paint and self.job is not None:
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            self.widget.removeEventFilter(self)
            job()


def after_first_paint(widget: QWidget, job: Callable[[], object], fallback_ms: int = 250) -> None:
    """Run ``job`` once the event loop has painted ``widget`` (start-up work that need not delay the window)."""
    _FirstPaint(widget, job, fallback_ms)
