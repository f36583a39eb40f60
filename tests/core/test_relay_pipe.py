"""knockgui.core.relay.relay_pipe: what ``knockgui-cli proxy`` relays with, a thread per direction, so
that it needs no select() on stdin (Windows' select() takes only sockets; PuTTY's and OpenSSH's proxy
command gets pipes there). Real pipes and a real loopback TCP connection."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from knockgui.core.relay import PipeEnd, SocketEnd, relay_pipe


@dataclass
class Wired:
    """The client's side of the pipes (what ssh or plink holds) and the server's socket."""

    to_proxy: int  # the client writes here (the proxy's stdin)
    from_proxy: int  # the client reads here (the proxy's stdout)
    server: socket.socket
    result: list[tuple[int, int]] = field(default_factory=list)
    thread: threading.Thread | None = None

    def read_all(self) -> bytes:
        chunks = []
        while chunk := os.read(self.from_proxy, 65536):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.fixture
def wired() -> Iterator[Callable[[], Wired]]:
    """Factory: a relay_pipe running in a thread between fresh pipes and a fresh loopback connection."""
    opened: list[int | socket.socket] = []

    def make() -> Wired:
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        with socket.create_server(("127.0.0.1", 0)) as listener:
            client = socket.create_connection(listener.getsockname())
            server, _ = listener.accept()
        opened.extend([stdin_r, stdin_w, stdout_r, stdout_w, client, server])
        w = Wired(stdin_w, stdout_r, server)
        w.thread = threading.Thread(
            target=lambda: w.result.append(relay_pipe(PipeEnd(stdin_r, stdout_w), SocketEnd(client))), daemon=True
        )
        w.thread.start()
        return w

    yield make
    for item in opened:
        try:
            item.close() if isinstance(item, socket.socket) else os.close(item)
        except OSError:
            pass


def recv_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_both_ways_and_the_end_of_input_is_a_half_close(wired: Callable[[], Wired]) -> None:
    w = wired()
    payload = bytes(range(256)) * 2048  # 512 KiB, more than a pipe or socket buffer holds
    writer = threading.Thread(target=lambda: (os.write(w.to_proxy, payload), os.close(w.to_proxy)))
    writer.start()
    got = recv_all(w.server)  # ends only when the proxy passed the end of stdin on as a FIN
    writer.join(timeout=10)
    assert got == payload
    w.server.sendall(got[::-1])  # the server can still answer after the client's half-close
    w.server.close()
    assert w.read_all() == payload[::-1]  # the server's close reaches the client as the end of stdout
    assert w.thread is not None
    w.thread.join(timeout=10)
    assert w.result == [(len(payload), len(payload))]


def test_the_server_closing_first_ends_stdout_and_the_relay_waits_for_stdin(wired: Callable[[], Wired]) -> None:
    w = wired()
    w.server.sendall(b"bye\n")
    w.server.shutdown(socket.SHUT_WR)
    assert w.read_all() == b"bye\n"
    assert w.thread is not None and w.thread.is_alive()  # the client may still send: stdin is open
    os.write(w.to_proxy, b"last words")
    os.close(w.to_proxy)
    assert recv_all(w.server) == b"last words"
    w.thread.join(timeout=10)
    assert w.result == [(10, 4)]


def test_a_client_gone_ends_both_directions_without_waiting_for_stdin(wired: Callable[[], Wired]) -> None:
    w = wired()
    os.close(w.from_proxy)  # the client stopped reading (and never closes its stdin)
    w.server.sendall(b"nobody reads this")
    assert w.thread is not None
    w.thread.join(timeout=10)
    assert not w.thread.is_alive() and w.result == [(0, 0)]
    w.server.settimeout(10)
    assert w.server.recv(100) == b""  # the router side sees the connection end
