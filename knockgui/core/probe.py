"""Checking the management port after a knock: did it open, and if not, why.

Fresh non-blocking connects start on a short back-off schedule (0, 25, 50, 100, 200 ms after the
start, then every ``interval``, 200 ms) while the older attempts stay pending (the newest
:data:`MAX_PENDING`), and all of them are watched at once. The first SYN often races the router's list update (it leaves right after the last
knock step; a router that adds the address a moment late drops it, and the kernel would resend it only
after 1 s), so an early retry makes that common case cost 25 ms, not 200 ms; a single dropped SYN later
costs at most one interval, never the whole deadline. At most one new SYN leaves per schedule step: a
loop that wakes up late skips the steps it missed instead of sending a burst. The first answer decides:
a completed connection is OPEN, a reset is REFUSED, an ICMP unreachable is UNREACHABLE; silence until the deadline
is NO_ANSWER. Waiting happens in slices of at most 50 ms, so a cancel stops the check within 100 ms.
:class:`Attempts` holds one check's state, so that one thread can drive many checks (a group knock).
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from knockgui.core.address import Family, Target, resolve
from knockgui.core.errors import NetworkError, ResolveError
from knockgui.core.send import IN_PROGRESS, NO_LINGER

DEFAULT_TIMEOUT_S = 5.0
RETRY_INTERVAL_S = 0.2
EARLY_RETRIES_S = (0.0, 0.025, 0.05, 0.1)  # then every ``interval``, from 0.2 s on
CANCEL_SLICE_S = 0.05
MAX_PENDING = 8  # connection attempts one check keeps open at once

_REFUSED = frozenset({errno.ECONNREFUSED, 10061})
_UNREACHABLE = frozenset(
    {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN, 10065, 10051, 10064, 10050}
)
_RETRY = frozenset({errno.ETIMEDOUT, errno.ECONNRESET, errno.EADDRINUSE, errno.EAGAIN, 10060, 10054})


@dataclass(frozen=True)
class Progress:
    """One progress event: ``stage`` is "resolve", "step", "check" or "done"; ``index`` is the step
    number (1..total) for "step" and the attempt number for "check". ``message`` holds no secret."""

    stage: str
    index: int
    total: int
    message: str


ProgressCallback = Callable[[Progress], None]


class CheckState(StrEnum):
    OPEN = "open"
    REFUSED = "refused"
    NO_ANSWER = "no answer"
    UNRESOLVED = "unresolved"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PortCheck:
    """The outcome of a port check. ``latency_ms`` (OPEN only) counts from the last knock step."""

    state: CheckState
    port: int
    latency_ms: float | None
    attempts: int
    message: str

    def was_successful(self) -> bool:
        return self.state is CheckState.OPEN


def _message(state: CheckState, port: int, latency_ms: float | None, timeout: float, where: str, why: str) -> str:
    if state is CheckState.OPEN:
        return f"Port {port} on {where} is open, {latency_ms:.1f} ms after the knock: connect now."
    if state is CheckState.REFUSED:
        return (
            f"Port {port} on {where} refused the connection: the router answered but nothing listens on that "
            "port, so check the service and its port."
        )
    if state is CheckState.NO_ANSWER:
        return (
            f"Port {port} on {where} did not answer within {timeout:g} s: the knock was probably not accepted, "
            "so check the sequence, its order and timing, or whether knocks are filtered on the way."
        )
    if state is CheckState.UNREACHABLE:
        return f"{where} is unreachable ({why}): check the address, this computer's network connection and routes."
    if state is CheckState.UNRESOLVED:
        return why
    return f"The check of port {port} on {where} was cancelled."


def attempt_offsets(
    timeout: float, interval: float = RETRY_INTERVAL_S, early: tuple[float, ...] = EARLY_RETRIES_S
) -> list[float]:
    """When (seconds after the check's start) a new connection attempt is due, up to ``timeout``:
    the ``early`` back-off steps, then one every ``interval`` (ascending, all below ``timeout``)."""
    offsets = [t for t in early if t < interval and t < timeout]
    step = 1
    while step * interval < timeout:
        offsets.append(round(step * interval, 6))
        step += 1
    return offsets


def close_now(sock: socket.socket) -> None:
    """Close without lingering (a reset, not a FIN handshake, for a connection we only probed)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, NO_LINGER)
    except OSError:
        pass
    sock.close()


class Attempts:
    """The state of one port check: its connection attempts, when the next is due, and the verdict.

    A driver calls :meth:`advance` when :meth:`wake_at` comes (it opens the next attempt and registers
    its socket, for writability, in the driver's selector with this object as the key's ``data``; or
    returns the verdict NO_ANSWER at the deadline), and passes every socket the selector reports to
    :meth:`answered`; the first verdict ends the check, and :meth:`close` unregisters and closes every
    socket. At most :data:`MAX_PENDING` attempts stay open: a new one closes the oldest, so even a long
    timeout holds a bounded number of sockets. :func:`check_target` drives one check with its own
    selector; a group knock drives hundreds on one (knockgui.core.checkloop). One driver at a time."""

    def __init__(
        self,
        target: Target,
        port: int,
        *,
        timeout: float,
        since: float | None = None,
        interval: float = RETRY_INTERVAL_S,
        early: tuple[float, ...] = EARLY_RETRIES_S,
        on_progress: ProgressCallback | None = None,
        keep_open: bool = False,
    ) -> None:
        self.start = time.monotonic()
        self.since = self.start if since is None else since
        self.deadline = self.start + timeout
        self.port, self.timeout = port, timeout
        self.schedule = attempt_offsets(timeout, interval, early)
        self.where = target.host if target.host == target.address else f"{target.host} ({target.address})"
        self.family, self.sockaddr = target.family, target.with_port(port)
        self.on_progress = on_progress
        self.pending: list[socket.socket] = []
        self.attempts = 0
        self.due = 0  # index in ``schedule`` of the next attempt
        self.next_try = self.start
        self.keep_open = keep_open
        self.connected: socket.socket | None = None  # with keep_open: the attempt that connected, kept open

    def done(self, state: CheckState, latency: float | None = None, why: str = "") -> PortCheck:
        message = _message(state, self.port, latency, self.timeout, self.where, why)
        return PortCheck(state, self.port, latency, self.attempts, message)

    def _judge(self, code: int, sock: socket.socket, selector: selectors.BaseSelector) -> PortCheck | None:
        if code == 0:
            if self.keep_open:
                with contextlib.suppress(KeyError, ValueError):
                    selector.unregister(sock)
                self.pending.remove(sock)
                self.connected = sock
            return self.done(CheckState.OPEN, round((time.monotonic() - self.since) * 1000, 3))
        if code in _REFUSED:
            return self.done(CheckState.REFUSED)
        if code in _RETRY:
            return None
        return self.done(CheckState.UNREACHABLE, why=os.strerror(code))

    def wake_at(self) -> float:
        """The ``time.monotonic()`` by which :meth:`advance` must be called again."""
        return min(self.next_try, self.deadline)

    def advance(self, now: float, selector: selectors.BaseSelector) -> PortCheck | None:
        """At ``now``: the verdict NO_ANSWER past the deadline; else, when an attempt is due, open it
        (the verdict when the connect answered at once); else None. NetworkError when no socket opens."""
        if now >= self.deadline:
            return self.done(CheckState.NO_ANSWER)
        planned = len(self.schedule)
        if now < self.next_try or self.due >= planned:
            return None
        self.attempts += 1
        while self.due < planned and self.start + self.schedule[self.due] <= now:
            self.due += 1  # this one SYN stands for every step already due (a late wake-up sends no burst)
        self.next_try = self.start + self.schedule[self.due] if self.due < planned else self.deadline
        if self.on_progress:
            message = f"checking port {self.port} (attempt {self.attempts})"
            self.on_progress(Progress("check", self.attempts, planned, message))
        if len(self.pending) >= MAX_PENDING:
            self._drop(self.pending[0], selector)
        try:
            sock = socket.socket(self.family, socket.SOCK_STREAM)
        except OSError as exc:
            raise NetworkError(
                f"No socket could be opened to check port {self.port} ({exc.strerror or exc}): "
                "close some programs or connections and try again."
            ) from None
        self.pending.append(sock)
        sock.setblocking(False)
        code = sock.connect_ex(self.sockaddr)
        if code in IN_PROGRESS and code != 0:
            selector.register(sock, selectors.EVENT_WRITE, self)
            return None
        return self._judge(code, sock, selector)

    def answered(self, sock: socket.socket, selector: selectors.BaseSelector) -> PortCheck | None:
        """``sock`` became writable: its verdict, or None when that attempt failed and others go on."""
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        verdict = self._judge(code, sock, selector)
        if verdict is None:
            self._drop(sock, selector)
        return verdict

    def _drop(self, sock: socket.socket, selector: selectors.BaseSelector) -> None:
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(sock)
        self.pending.remove(sock)
        close_now(sock)

    def close(self, selector: selectors.BaseSelector) -> None:
        """Unregister and close every attempt (a completed connection too, unless ``keep_open``)."""
        while self.pending:
            self._drop(self.pending[0], selector)


def check_target(
    target: Target,
    port: int,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    since: float | None = None,
    interval: float = RETRY_INTERVAL_S,
    early: tuple[float, ...] = EARLY_RETRIES_S,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> PortCheck:
    """Connect to ``port`` on an already resolved target until it answers or ``timeout`` passes.

    ``since`` is the ``time.monotonic()`` of the last knock step (default: now); OPEN's latency counts
    from it. ``interval`` and ``early`` give the attempts' schedule (:func:`attempt_offsets`). Network
    outcomes are returned, never raised. Thread-safe: all state is local."""
    check = Attempts(
        target, port, timeout=timeout, since=since, interval=interval, early=early, on_progress=on_progress
    )
    return drive(check, cancel)


def drive(check: Attempts, cancel: threading.Event | None = None) -> PortCheck:
    """Run one check on a selector of its own until its verdict (CANCELLED within 100 ms of ``cancel``);
    every attempt is closed at the end, except the connected one of a ``keep_open`` check."""
    selector = selectors.DefaultSelector()
    try:
        while True:
            if cancel is not None and cancel.is_set():
                return check.done(CheckState.CANCELLED)
            verdict = check.advance(time.monotonic(), selector)
            if verdict:
                return verdict
            wait = max(0.0, min(check.wake_at() - time.monotonic(), CANCEL_SLICE_S))
            if not selector.get_map():  # every attempt failed at once; select() of nothing fails on Windows
                time.sleep(wait)
                continue
            for key, _events in selector.select(wait):
                verdict = check.answered(key.fileobj, selector)  # type: ignore[arg-type]
                if verdict:
                    return verdict
    finally:
        check.close(selector)
        selector.close()


def check_port(
    host: str,
    port: int,
    *,
    family: Family = Family.ANY,
    timeout: float = DEFAULT_TIMEOUT_S,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> PortCheck:
    """Resolve ``host`` and check ``port`` without knocking; an unresolvable name is UNRESOLVED."""
    try:
        target = resolve(host, family, cancel)
    except ResolveError as exc:
        return PortCheck(CheckState.UNRESOLVED, port, None, 0, exc.message)
    return check_target(target, port, timeout=timeout, on_progress=on_progress, cancel=cancel)
