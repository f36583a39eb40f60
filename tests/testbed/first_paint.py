"""Source for a child Python process that notices its main window's first paint.

``catch_first_paint(on_paint)`` is Python source to run in the child before its window is shown: the
first QMainWindow shown gets an event filter that runs ``on_paint`` (one statement) at its first
paint and then ends the event loop. Only that window is filtered (an application-wide filter would
call Python for every event of the start-up and slow everything down by some 20 ms). Used by
``benchmarks/bench_gui.py`` (start-up time) and ``tests/gui/test_startup_enums.py``.
"""

from __future__ import annotations


def catch_first_paint(on_paint: str) -> str:
    return f"""
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            {on_paint}
            QApplication.instance().exit(0)
        return False

catcher = FirstPaint()
show = QMainWindow.show
def show_and_catch(window):
    window.installEventFilter(catcher)
    show(window)
QMainWindow.show = show_and_catch
"""
