"""Many port checks on a few threads (knockgui.core.checkloop) and one check's bounded attempts
(knockgui.core.probe.Attempts): real sockets on loopback, and a namespace router that drops everything
for the checks that must get no answer."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from knockgui.core.address import resolve
from knockgui.core.checkloop import CHECKS_PER_LOOP, CheckLoops
from knockgui.core.errors import NetworkError
from knockgui.core.probe import MAX_PENDING, Attempts, CheckState, PortCheck
from tests.conftest import need
from tests.testbed.fleet import FleetRouter
from tests.testbed.netns import have_root_netns


@pytest.fixture
def silent() -> Iterator[FleetRouter]:
    """Addresses whose port 8291 drops every SYN (nobody knocked)."""
    need(have_root_netns())
    with FleetRouter(3) as routers:
        yield routers


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.got: dict[int, list[PortCheck | NetworkError]] = {}
        self.all_done = threading.Event()
        self.expected = 0

    def done_for(self, index: int):  # type: ignore[no-untyped-def]
        def done(result: PortCheck | NetworkError) -> None:
            with self.lock:
                self.got.setdefault(index, []).append(result)
                if sum(len(v) for v in self.got.values()) == self.expected:
                    self.all_done.set()

        return done


def test_one_loop_drives_many_checks_each_ends_once() -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=512)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: a SYN to it is refused
    open_port, closed_port = listener.getsockname()[1], closed.getsockname()[1]
    target = resolve("127.0.0.1")
    results = Results()
    count = CHECKS_PER_LOOP * 2 + 10  # more than one loop holds
    results.expected = count
    cancel = threading.Event()
    try:
        with CheckLoops(count, cancel) as loops:
            for i in range(count):
                port = open_port if i % 2 == 0 else closed_port
                loops.submit(Attempts(target, port, timeout=5.0), results.done_for(i))
            assert results.all_done.wait(10)
            time.sleep(0.1)  # a second call of any done would show now
    finally:
        listener.close()
        closed.close()
    assert sorted(results.got) == list(range(count))
    assert all(len(calls) == 1 for calls in results.got.values())
    states = [results.got[i][0].state for i in range(count)]  # type: ignore[union-attr]
    assert states == [CheckState.OPEN if i % 2 == 0 else CheckState.REFUSED for i in range(count)]
    opened = results.got[0][0]
    assert isinstance(opened, PortCheck) and opened.message.startswith(f"Port {open_port} on 127.0.0.1 is open")


@pytest.mark.root
def test_cancel_and_close_end_every_waiting_check(silent: FleetRouter) -> None:
    results = Results()
    results.expected = 12
    cancel = threading.Event()
    loops = CheckLoops(12, cancel)
    try:
        for i in range(12):
            target = resolve(silent.addresses[i % 3])
            loops.submit(Attempts(target, 8291, timeout=30.0), results.done_for(i))
        time.sleep(0.3)
        assert not results.got  # nobody answers: every check still waits
        cancelled_at = time.monotonic()
        cancel.set()
        assert results.all_done.wait(2)
        assert time.monotonic() - cancelled_at < 1.0
    finally:
        loops.close()
    assert {results.got[i][0].state for i in range(12)} == {CheckState.CANCELLED}  # type: ignore[union-attr]
    # Closing a loop ends what it still runs, too.
    late = Results()
    late.expected = 1
    loops = CheckLoops(1, threading.Event())
    loops.submit(Attempts(resolve(silent.addresses[0]), 8291, timeout=30.0), late.done_for(0))
    loops.close()
    assert late.all_done.is_set() and late.got[0][0].state is CheckState.CANCELLED  # type: ignore[union-attr]


@pytest.mark.root
def test_a_long_check_keeps_a_bounded_number_of_attempts_open(silent: FleetRouter) -> None:
    target = resolve(silent.addresses[0])
    check = Attempts(target, 8291, timeout=60.0, interval=0.2)
    assert len(check.schedule) > 4 * MAX_PENDING
    selector = selectors.DefaultSelector()
    try:
        now = check.start
        for _ in range(4 * MAX_PENDING):
            now = max(now, check.wake_at())
            assert check.advance(now, selector) is None
            assert len(check.pending) <= MAX_PENDING
            assert len(selector.get_map()) == len(check.pending)
        assert check.attempts == 4 * MAX_PENDING and len(check.pending) == MAX_PENDING
        assert all(sock.fileno() != -1 for sock in check.pending)
        assert check.advance(check.deadline, selector).state is CheckState.NO_ANSWER  # type: ignore[union-attr]
    finally:
        check.close(selector)
        selector.close()
    assert not check.pending


def test_a_check_submitted_after_the_cancel_ends_once_cancelled() -> None:
    """A knock that hands its check over after the run was cancelled gets CANCELLED, once (a second end
    would release the run's slot twice)."""
    listener = socket.create_server(("127.0.0.1", 0))
    target = resolve("127.0.0.1")
    results = Results()
    results.expected = 20
    cancel = threading.Event()
    cancel.set()
    loops = CheckLoops(1, cancel)
    try:
        for i in range(20):
            loops.submit(Attempts(target, listener.getsockname()[1], timeout=5.0), results.done_for(i))
        assert results.all_done.wait(5)
        time.sleep(0.3)  # a second call of any done would show now
    finally:
        loops.close()
        listener.close()
    assert all(len(results.got[i]) == 1 for i in range(20)), results.got
    assert {results.got[i][0].state for i in range(20)} == {CheckState.CANCELLED}  # type: ignore[union-attr]
