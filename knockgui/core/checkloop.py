"""Many port checks on a few threads: the checks of a whole-group knock.

A group knock's worker sends its router's knock, hands the check to a :class:`CheckLoops` and goes on
with the next router; a router that never answers then holds its sockets until its deadline, but no
thread. Each :class:`CheckLoop` is one thread with one selector and drives at most
:data:`CHECKS_PER_LOOP` checks (:class:`knockgui.core.probe.Attempts`), so one selector never watches
more than ``CHECKS_PER_LOOP * MAX_PENDING`` sockets: below the 512 of ``select()`` on Windows. The
thread sleeps until the next attempt is due or a socket answers; it looks at the cancel event every
:data:`~knockgui.core.probe.CANCEL_SLICE_S`, so a cancel ends every check within 100 ms.

Each check ends exactly once, with a call of its ``done`` from the loop's thread: with its
:class:`~knockgui.core.probe.PortCheck` (CANCELLED on a cancel or when the loop is closed), or with
the :class:`~knockgui.core.errors.NetworkError` that stopped it (no socket could be opened). ``done``
must not block or raise (the fleet's puts the result on a queue).
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import threading
import time
from collections.abc import Callable

from knockgui.core.errors import NetworkError
from knockgui.core.probe import CANCEL_SLICE_S, MAX_PENDING, Attempts, CheckState, PortCheck

# 60 checks of at most 8 pending attempts, plus the wake-up socket: within select()'s 512 on Windows
CHECKS_PER_LOOP = (512 - 32) // MAX_PENDING

Done = Callable[[PortCheck | NetworkError], None]


class CheckLoop:
    """One thread driving many checks on one selector. :meth:`submit` is thread-safe."""

    def __init__(self, cancel: threading.Event, name: str = "knockgui-checks") -> None:
        self._cancel = cancel
        self._selector = selectors.DefaultSelector()
        self._wake_in, self._wake_out = socket.socketpair()
        self._wake_in.setblocking(False)
        self._wake_out.setblocking(False)
        self._selector.register(self._wake_in, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._incoming: list[tuple[Attempts, Done]] = []
        self._closing = False
        self.active = 0  # checks submitted and not yet done (read by CheckLoops to pick a loop)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, check: Attempts, done: Done) -> None:
        with self._lock:
            self.active += 1
            self._incoming.append((check, done))
        self._wake()

    def close(self) -> None:
        """End every check still running (CANCELLED) and stop the thread."""
        with self._lock:
            self._closing = True
        self._wake()
        self._thread.join()
        self._selector.close()
        self._wake_in.close()
        self._wake_out.close()

    def _wake(self) -> None:
        try:
            self._wake_out.send(b"\0")
        except OSError:  # the buffer is full: the loop is awake already
            pass

    # Below: the loop's own thread only.

    def _run(self) -> None:
        self._checks: dict[Attempts, Done] = {}
        self._due: list[tuple[float, int, Attempts]] = []  # one entry per running check: its wake_at()
        self._order = itertools.count()
        try:
            self._loop()
        except BaseException as exc:  # a bug: end every check with a sentence rather than leave it hanging
            for check in list(self._checks):
                self._finish(check, NetworkError(f"The check of port {check.port} stopped unexpectedly ({exc!r})."))
            raise

    def _finish(self, check: Attempts, result: PortCheck | NetworkError) -> None:
        done = self._checks.pop(check)
        check.close(self._selector)
        with self._lock:
            self.active -= 1
        done(result)

    def _advance(self, check: Attempts, now: float) -> None:
        try:
            verdict = check.advance(now, self._selector)
        except NetworkError as exc:
            self._finish(check, exc)
            return
        except (OSError, ValueError) as exc:  # the selector refused a socket (too many)
            self._finish(check, _no_more_sockets(check, exc))
            return
        if verdict is not None:
            self._finish(check, verdict)
        else:
            heapq.heappush(self._due, (check.wake_at(), next(self._order), check))

    def _loop(self) -> None:
        checks, due = self._checks, self._due
        while True:
            with self._lock:
                incoming, self._incoming = self._incoming, []
                closing = self._closing
            if closing or self._cancel.is_set():
                checks.update(incoming)
                for check in list(checks):
                    self._finish(check, check.done(CheckState.CANCELLED))
                if closing:
                    return
                due.clear()
                incoming = []  # ended just now: not to be started below
            now = time.monotonic()
            for check, done in incoming:
                checks[check] = done
                self._advance(check, now)
            while due and due[0][0] <= now:
                _at, _n, check = heapq.heappop(due)
                if check in checks:
                    self._advance(check, now)
            wait = CANCEL_SLICE_S if not due else max(0.0, min(due[0][0] - time.monotonic(), CANCEL_SLICE_S))
            for key, _events in self._selector.select(wait):
                if key.data is None:
                    try:
                        self._wake_in.recv(4096)
                    except OSError:
                        pass
                    continue
                check = key.data
                if check not in checks:
                    continue
                try:
                    verdict = check.answered(key.fileobj, self._selector)
                except OSError as exc:
                    verdict = _no_more_sockets(check, exc)
                if verdict is not None:
                    self._finish(check, verdict)


def _no_more_sockets(check: Attempts, exc: OSError | ValueError) -> NetworkError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return NetworkError(
        f"The check of port {check.port} on {check.where} could not go on ({reason}): "
        "knock fewer routers at once (--parallel) and try again."
    )


class CheckLoops:
    """Enough :class:`CheckLoop` threads for ``most`` checks at once; each check goes to the least busy."""

    def __init__(self, most: int, cancel: threading.Event) -> None:
        count = max(1, -(-most // CHECKS_PER_LOOP))
        self._loops = [CheckLoop(cancel, f"knockgui-checks-{i}") for i in range(count)]

    def submit(self, check: Attempts, done: Done) -> None:
        min(self._loops, key=lambda loop: loop.active).submit(check, done)

    def close(self) -> None:
        for loop in self._loops:
            loop.close()

    def __enter__(self) -> CheckLoops:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
