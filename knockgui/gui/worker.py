"""Knocks and connects off the GUI thread.

A :class:`Task` is a ``QRunnable`` run on a ``QThreadPool``; it calls a job (a plain function of the
core) with a progress callback and a ``threading.Event`` for cancel, and reports through the signals
of a ``QObject`` created in the GUI thread, so Qt queues every report to the GUI thread: only the GUI
thread touches widgets. :class:`TaskRunner` keeps the running tasks by key (a router id), so several
routers can be knocked at once and each one cancelled.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from knockgui.core.errors import CancelledError, KnockguiError

#: A job gets ``on_progress(message)``-style callback and the cancel event; it returns a result.
Job = Callable[[Callable[[Any], None], threading.Event], Any]


class TaskSignals(QObject):
    progress = Signal(str, object)  # key, core Progress (or any object with .message)
    finished = Signal(str, object)  # key, result
    failed = Signal(str, str)  # key, one sentence (a KnockguiError's message)
    cancelled = Signal(str)  # key
    crashed = Signal(str, str)  # key, traceback text of an unexpected exception


class Task(QRunnable):
    def __init__(self, key: str, job: Job, signals: TaskSignals) -> None:
        super().__init__()
        self.key = key
        self.job = job
        self.signals = signals
        self.cancel = threading.Event()
        self.setAutoDelete(False)  # the runner drops its reference when the task reports

    def run(self) -> None:
        try:
            result = self.job(lambda event: self.signals.progress.emit(self.key, event), self.cancel)
        except CancelledError:
            self.signals.cancelled.emit(self.key)
        except KnockguiError as exc:
            if self.cancel.is_set():
                self.signals.cancelled.emit(self.key)
            else:
                self.signals.failed.emit(self.key, exc.message)
        except Exception:
            self.signals.crashed.emit(self.key, traceback.format_exc())
        else:
            if self.cancel.is_set() and result is None:
                self.signals.cancelled.emit(self.key)
            else:
                self.signals.finished.emit(self.key, result)


class TaskRunner(QObject):
    """Runs tasks on a thread pool and re-emits their reports (always in the GUI thread)."""

    progress = Signal(str, object)
    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str)
    crashed = Signal(str, str)
    idle = Signal()  # no task left

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool(self)
        self.pool.setMaxThreadCount(max(8, self.pool.maxThreadCount()))
        self._tasks: dict[str, Task] = {}
        self._signals = TaskSignals(self)
        self._signals.progress.connect(self._on_progress)
        # Bound methods of this QObject (not lambdas): Qt then queues each report to this object's
        # thread, the GUI thread.
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)
        self._signals.crashed.connect(self._on_crashed)

    def start(self, key: str, job: Job) -> bool:
        """Start ``job`` under ``key``; False (nothing started) if a task with that key still runs."""
        if key in self._tasks:
            return False
        task = Task(key, job, self._signals)
        self._tasks[key] = task
        self.pool.start(task)
        return True

    def is_running(self, key: str) -> bool:
        return key in self._tasks

    def running(self) -> list[str]:
        return list(self._tasks)

    def cancel(self, key: str) -> bool:
        task = self._tasks.get(key)
        if task is None:
            return False
        task.cancel.set()
        return True

    def cancel_all(self) -> int:
        for task in self._tasks.values():
            task.cancel.set()
        return len(self._tasks)

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for the pool's threads (at exit); reports still queued are dropped."""
        return self.pool.waitForDone(msecs)

    def _on_progress(self, key: str, event: object) -> None:
        if key in self._tasks:
            self.progress.emit(key, event)

    def _on_finished(self, key: str, result: object) -> None:
        self._done(key, self.finished, key, result)

    def _on_failed(self, key: str, message: str) -> None:
        self._done(key, self.failed, key, message)

    def _on_cancelled(self, key: str) -> None:
        self._done(key, self.cancelled, key)

    def _on_crashed(self, key: str, details: str) -> None:
        self._done(key, self.crashed, key, details)

    def _done(self, key: str, signal: Any, *args: Any) -> None:
        if self._tasks.pop(key, None) is None:
            return
        signal.emit(*args)
        if not self._tasks:
            self.idle.emit()
