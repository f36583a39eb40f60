"""Knock, open a TCP connection to the router's service, and relay bytes to it.

:func:`knock_and_open` is what ``knockgui-cli proxy`` (OpenSSH's ProxyCommand) and ``knockgui-cli
forward`` (a knock-first local port) share: resolve the host once, send the knock, then try the
service port on the check's retry schedule (:func:`knockgui.core.probe.attempt_offsets`) and keep the
first connection that completes, as the client's own connection (no extra connection that the service
would see reset). :func:`relay` then copies bytes both ways between two ends until both are done: an
end of input on one side is passed on as a half-close (``shutdown(SHUT_WR)``) to the other, so
``ssh``, ``scp`` and ``rsync`` see the same stream they would see on a direct connection.
:func:`relay_pipe` does the same between a pipe pair and a socket with a thread per direction, since
Windows' select() refuses pipes (a proxy command's stdin and stdout there).
"""

from __future__ import annotations

import os
import selectors
import socket
import threading
import time
from dataclasses import dataclass

from knockgui.core.address import Family, Target, resolve
from knockgui.core.errors import CancelledError, PortClosedError
from knockgui.core.knock import send_sequence, validate
from knockgui.core.probe import RETRY_INTERVAL_S, Attempts, CheckState, drive
from knockgui.core.sequence import Sequence

CHUNK = 65536


def open_connection(
    target: Target,
    port: int,
    *,
    timeout: float,
    interval: float = RETRY_INTERVAL_S,
    cancel: threading.Event | None = None,
) -> socket.socket:
    """A connected, blocking TCP socket to ``port`` on ``target``, tried on the check's schedule.

    Raises PortClosedError (exit 1) with a sentence when the port refused, was unreachable or stayed
    silent until ``timeout``; CancelledError when ``cancel`` is set (within about 50 ms); NetworkError
    when no socket can be opened."""
    check = Attempts(target, port, timeout=timeout, interval=interval, keep_open=True)
    verdict = drive(check, cancel)
    if verdict.state is CheckState.OPEN and check.connected is not None:
        check.connected.setblocking(True)
        return check.connected
    if verdict.state is CheckState.CANCELLED:
        raise CancelledError(f"Connecting to port {port} on {check.where} was cancelled.")
    raise PortClosedError(verdict.message)


@dataclass(frozen=True)
class Opened:
    """A connection made after a knock: the socket, where it goes, and how long knock + connect took."""

    sock: socket.socket
    target: Target
    elapsed_ms: float


def knock_and_open(
    host: str,
    sequence: Sequence,
    port: int,
    *,
    family: Family = Family.ANY,
    timeout: float,
    cancel: threading.Event | None = None,
) -> Opened:
    """Resolve ``host`` once, knock with ``sequence``, then connect to ``port`` (see open_connection)."""
    started = time.monotonic()
    validate(sequence, port, timeout)
    target = resolve(host, family, cancel)
    send_sequence(target, sequence, cancel=cancel)
    sock = open_connection(target, port, timeout=timeout, cancel=cancel)
    target = Target(host.strip(), target.family, target.address, target.sockaddr)
    return Opened(sock, target, round((time.monotonic() - started) * 1000, 3))


class SocketEnd:
    """One side of a relay: a connected socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def read(self) -> bytes:
        try:
            return self.sock.recv(CHUNK)
        except ConnectionError:
            return b""

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def end_writing(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class PipeEnd:
    """One side of a relay: a pair of file descriptors (stdin and stdout of a ProxyCommand)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._write_open = True

    def fileno(self) -> int:
        return self.read_fd

    def read(self) -> bytes:
        return os.read(self.read_fd, CHUNK)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.write_fd, view) :]

    def end_writing(self) -> None:
        if self._write_open:
            self._write_open = False
            os.close(self.write_fd)


End = SocketEnd | PipeEnd


def relay(a: End, b: End, *, stop: threading.Event | None = None) -> tuple[int, int]:
    """Copy ``a`` -> ``b`` and ``b`` -> ``a`` until both directions have ended (or ``stop`` is set, checked
    every 200 ms). An end of input on one side half-closes the other side. A write that fails (the
    reader went away) ends both directions. Returns the bytes copied each way (a->b, b->a)."""
    selector = selectors.DefaultSelector()
    other = {id(a): b, id(b): a}
    counts = {id(a): 0, id(b): 0}
    open_ends = 2
    selector.register(a.fileno(), selectors.EVENT_READ, a)
    selector.register(b.fileno(), selectors.EVENT_READ, b)
    try:
        while open_ends and not (stop is not None and stop.is_set()):
            for key, _events in selector.select(0.2):
                source: End = key.data
                try:
                    data = source.read()
                except OSError:
                    data = b""
                if data:
                    try:
                        other[id(source)].write(data)
                    except OSError:  # the other side is gone: nothing more can be delivered either way
                        return counts[id(a)], counts[id(b)]
                    counts[id(source)] += len(data)
                    continue
                selector.unregister(key.fd)
                other[id(source)].end_writing()
                open_ends -= 1
    finally:
        selector.close()
    return counts[id(a)], counts[id(b)]


def relay_pipe(pipe: PipeEnd, sock: SocketEnd) -> tuple[int, int]:
    """:func:`relay` between a pipe pair (a ProxyCommand's stdin/stdout) and a socket, without select()
    on the pipe: Windows' select() takes only sockets, and the stdin/stdout that PuTTY's or OpenSSH's
    proxy command gets there are pipes. A thread copies pipe -> socket; the calling thread copies
    socket -> pipe. The same ends as :func:`relay`: the end of input on one side half-closes the other,
    and both directions end before it returns; a write that fails (the reader went away) ends both at
    once. Returns the bytes copied each way (pipe -> socket, socket -> pipe)."""
    sent = 0

    def upstream() -> None:
        nonlocal sent
        while True:
            try:
                data = pipe.read()
            except OSError:
                data = b""
            if not data:
                sock.end_writing()
                return
            try:
                sock.write(data)
            except OSError:  # the router side is gone: the other direction ends on its own (EOF or reset)
                _shutdown(sock)
                return
            sent += len(data)

    thread = threading.Thread(target=upstream, name="relay-pipe-to-socket", daemon=True)
    thread.start()
    received = 0
    while True:
        try:
            data = sock.read()
        except OSError:
            data = b""
        if not data:
            break
        try:
            pipe.write(data)
        except OSError:  # the client is gone: end the connection both ways, without waiting for its input
            _shutdown(sock)
            return sent, received
        received += len(data)
    pipe.end_writing()
    thread.join()
    return sent, received


def _shutdown(sock: SocketEnd) -> None:
    try:
        sock.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
