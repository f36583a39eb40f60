"""The knock engine against real sockets on loopback: what goes out, in which order, what the check says."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from knockgui.core.address import Family, resolve
from knockgui.core.errors import CancelledError, InputError, ResolveError
from knockgui.core.knock import CheckState, Progress, knock
from knockgui.core.probe import check_port
from knockgui.core.sequence import parse_sequence


@pytest.fixture
def udp_server() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    yield sock
    sock.close()


@pytest.fixture
def tcp_server() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(2)
    yield sock
    sock.close()


def _port(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


def _free_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return _port(sock)


def test_udp_payloads_arrive_byte_exact(udp_server: socket.socket) -> None:
    port = _port(udp_server)
    result = knock("127.0.0.1", parse_sequence(f"{port}:udp:0x00ff6f70656e {port}:udp:Sesame {port}:udp"))
    got = [udp_server.recvfrom(70000)[0] for _ in range(3)]
    assert got == [b"\x00\xffopen", b"Sesame", b"\x00"]  # no payload = one NUL byte, as zeroflux knock
    assert result.steps_sent == 3 and result.check is None and result.was_successful()
    assert result.address == "127.0.0.1"


def test_tcp_step_is_one_connection_attempt_not_awaited(tcp_server: socket.socket) -> None:
    port = _port(tcp_server)
    knock("127.0.0.1", parse_sequence(str(port)))
    conn, _ = tcp_server.accept()  # the SYN arrived (loopback completes the handshake in the kernel)
    with conn, pytest.raises(ConnectionResetError):
        # ... and the knocker had already closed it with a reset (SO_LINGER 0): nobody waited for it.
        conn.settimeout(2)
        conn.recv(1)
    tcp_server.settimeout(0.3)
    with pytest.raises(TimeoutError):
        tcp_server.accept()  # exactly one attempt


def test_progress_events_in_order(tcp_server: socket.socket, udp_server: socket.socket) -> None:
    events: list[Progress] = []
    seq = parse_sequence(f"{_port(tcp_server)} {_port(udp_server)}:udp:secret")
    result = knock("127.0.0.1", seq, check_port=_port(tcp_server), on_progress=events.append)
    stages = [(e.stage, e.index, e.total) for e in events]
    assert stages == [("resolve", 0, 2), ("step", 1, 2), ("step", 2, 2), ("check", 1, stages[3][2]), ("done", 2, 2)]
    assert events[1].message == "step 1 of 2 sent (tcp)" and events[2].message == "step 2 of 2 sent (udp)"
    for event in events[:3]:  # step messages name no port and no payload
        assert str(_port(udp_server)) not in event.message and "secret" not in event.message
    assert result.check is not None and result.check.state is CheckState.OPEN
    assert result.check.latency_ms is not None and result.check.latency_ms >= 0
    assert events[-1].message == result.message and result.was_successful()


def test_check_refused_on_a_port_without_listener(udp_server: socket.socket) -> None:
    port = _free_port()
    result = knock("127.0.0.1", parse_sequence(f"{_port(udp_server)}:udp"), check_port=port, timeout=3)
    assert result.check is not None and result.check.state is CheckState.REFUSED
    assert not result.was_successful()
    assert "nothing listens" in result.message and result.message.endswith(".") and "\n" not in result.message


def test_per_step_delay_keeps_order_and_waits(udp_server: socket.socket) -> None:
    port = _port(udp_server)
    result = knock("127.0.0.1", parse_sequence(f"{port}:udp:a wait:150 {port}:udp:b", delay_ms=0))
    assert [udp_server.recvfrom(10)[0] for _ in range(2)] == [b"a", b"b"]
    assert result.elapsed_ms >= 150  # the wait was honoured (a lower bound, not a speed claim)


def test_cancel_during_a_delay_raises_cancelled(udp_server: socket.socket) -> None:
    cancel = threading.Event()
    port = _port(udp_server)
    seq = parse_sequence(f"{port}:udp:a wait:600000 {port}:udp:b")
    caught: list[BaseException] = []

    def run() -> None:
        try:
            knock("127.0.0.1", seq, cancel=cancel)
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert udp_server.recvfrom(10)[0] == b"a"
    cancel.set()
    worker.join(5)  # a ten-minute wait, cut short by the cancel
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], CancelledError)
    udp_server.settimeout(0.2)
    with pytest.raises(TimeoutError):
        udp_server.recvfrom(10)  # the second step never went out


def test_bad_input_is_refused_before_anything_is_sent(udp_server: socket.socket) -> None:
    seq = parse_sequence(f"{_port(udp_server)}:udp")
    for kwargs in ({"check_port": 0}, {"check_port": 70000}, {"check_port": 22, "timeout": 0}):
        with pytest.raises(InputError):
            knock("127.0.0.1", seq, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="IPv4 address, but IPv6"):
        knock("127.0.0.1", seq, family=Family.V6)
    with pytest.raises(InputError, match="host is empty"):
        knock(" [ ] ", seq)
    udp_server.settimeout(0.2)
    with pytest.raises(TimeoutError):
        udp_server.recvfrom(10)


def test_resolve_once_names_and_literals() -> None:
    assert resolve("localhost", Family.V4).address == "127.0.0.1"
    six = resolve("[::1]")
    assert six.is_v6 and six.address == "::1" and six.host == "::1"
    with pytest.raises(ResolveError, match="could not be resolved"):
        resolve("no-such-router.invalid")
    # With a cancel event a name is looked up aside (a lookup cannot be interrupted): same answers.
    assert resolve("localhost", Family.V4, cancel=threading.Event()).address == "127.0.0.1"
    with pytest.raises(ResolveError, match="could not be resolved"):
        resolve("no-such-router.invalid", cancel=threading.Event())
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(CancelledError):
        resolve("localhost", cancel=cancelled)


def test_check_port_alone_reports_unresolved() -> None:
    result = check_port("no-such-router.invalid", 8291, timeout=1)
    assert result.state is CheckState.UNRESOLVED and result.attempts == 0
    assert not result.was_successful() and "could not be resolved" in result.message


def test_ipv6_loopback_knock_and_check() -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as udp, socket.socket(socket.AF_INET6) as tcp:
        udp.bind(("::1", 0))
        udp.settimeout(2)
        tcp.bind(("::1", 0))
        tcp.listen(4)
        result = knock("::1", parse_sequence(f"{_port(udp)}:udp:v6"), check_port=_port(tcp), family=Family.V6)
        assert udp.recvfrom(10)[0] == b"v6"
        assert result.check is not None and result.check.state is CheckState.OPEN


def test_concurrent_knocks_in_threads_do_not_mix(udp_server: socket.socket) -> None:
    port = _port(udp_server)
    results: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda i=i: results.append(knock("127.0.0.1", parse_sequence(f"{port}:udp:k{i}")).was_successful())
        )
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [True] * 8
    assert sorted(udp_server.recvfrom(10)[0] for _ in range(8)) == [f"k{i}".encode() for i in range(8)]
