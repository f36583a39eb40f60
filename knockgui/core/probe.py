"""Checking the management port after a knock: did it open, and if not, why.

Fresh non-blocking connects start on a short back-off schedule (0, 25, 50, 100, 200 ms after the
start, then every ``interval``, 200 ms) while the older attempts stay pending, and all of them are
watched at once. The first SYN often races the router's list update (it leaves right after the last
knock step; a router that adds the address a moment late drops it, and the kernel would resend it only
after 1 s), so an early retry makes that common case cost 25 ms, not 200 ms; a single dropped SYN later
costs at most one interval, never the whole deadline. At most one new SYN leaves per schedule step: a
loop that wakes up late skips the steps it missed instead of sending a burst. The first answer decides: a completed
connection is OPEN, a reset is REFUSED, an ICMP unreachable is UNREACHABLE; silence until the deadline
is NO_ANSWER. Waiting happens in slices of at most 50 ms, so a cancel stops the check within 100 ms.
"""

from __future__ import annotations

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


def attempt_offsets(timeout: float, interval: float = RETRY_INTERVAL_S) -> list[float]:
    """When (seconds after the check's start) a new connection attempt is due, up to ``timeout``:
    the early back-off steps, then one every ``interval`` (ascending, all below ``timeout``)."""
    early = [t for t in EARLY_RETRIES_S if t < interval]
    offsets = [t for t in early if t < timeout]
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


def check_target(
    target: Target,
    port: int,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    since: float | None = None,
    interval: float = RETRY_INTERVAL_S,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> PortCheck:
    """Connect to ``port`` on an already resolved target until it answers or ``timeout`` passes.

    ``since`` is the ``time.monotonic()`` of the last knock step (default: now); OPEN's latency counts
    from it. Network outcomes are returned, never raised. Thread-safe: all state is local."""
    start = time.monotonic()
    since = start if since is None else since
    deadline = start + timeout
    schedule = attempt_offsets(timeout, interval)
    planned = len(schedule)
    where = target.host if target.host == target.address else f"{target.host} ({target.address})"
    sockaddr = target.with_port(port)
    selector = selectors.DefaultSelector()
    pending: list[socket.socket] = []
    attempts = 0
    due = 0  # index in ``schedule`` of the next attempt
    next_try = start

    def done(state: CheckState, latency: float | None = None, why: str = "") -> PortCheck:
        return PortCheck(state, port, latency, attempts, _message(state, port, latency, timeout, where, why))

    def judge(code: int) -> PortCheck | None:
        if code == 0:
            return done(CheckState.OPEN, round((time.monotonic() - since) * 1000, 3))
        if code in _REFUSED:
            return done(CheckState.REFUSED)
        if code in _RETRY:
            return None
        return done(CheckState.UNREACHABLE, why=os.strerror(code))

    try:
        while True:
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                return done(CheckState.CANCELLED)
            if now >= deadline:
                return done(CheckState.NO_ANSWER)
            if now >= next_try and due < planned:
                attempts += 1
                while due < planned and start + schedule[due] <= now:
                    due += 1  # this one SYN stands for every step already due (a late wake-up sends no burst)
                next_try = start + schedule[due] if due < planned else deadline
                if on_progress:
                    on_progress(Progress("check", attempts, planned, f"checking port {port} (attempt {attempts})"))
                try:
                    sock = socket.socket(target.family, socket.SOCK_STREAM)
                except OSError as exc:
                    raise NetworkError(
                        f"No socket could be opened to check port {port} ({exc.strerror or exc}): "
                        "close some programs or connections and try again."
                    ) from None
                pending.append(sock)
                sock.setblocking(False)
                code = sock.connect_ex(sockaddr)
                if code in IN_PROGRESS and code != 0:
                    selector.register(sock, selectors.EVENT_WRITE)
                else:
                    verdict = judge(code)
                    if verdict:
                        return verdict
            wait = min(next_try, deadline) - time.monotonic()
            for key, _events in selector.select(max(0.0, min(wait, CANCEL_SLICE_S))):
                sock = key.fileobj  # type: ignore[assignment]
                selector.unregister(sock)
                verdict = judge(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
                if verdict:
                    return verdict
    finally:
        selector.close()
        for sock in pending:
            close_now(sock)


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
