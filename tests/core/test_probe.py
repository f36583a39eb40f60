"""The port check's retry schedule: early retries after the knock, then one SYN per interval, no bursts."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator

import pytest

from knockgui.core.address import Family, resolve
from knockgui.core.probe import RETRY_INTERVAL_S, CheckState, Progress, attempt_offsets, check_target


def test_the_schedule_backs_off_then_settles_on_the_interval() -> None:
    assert attempt_offsets(1.0) == [0.0, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8]
    offsets = attempt_offsets(5.0)
    assert offsets[:5] == [0.0, 0.025, 0.05, 0.1, RETRY_INTERVAL_S]
    gaps = [b - a for a, b in itertools.pairwise(offsets[4:])]
    assert all(abs(gap - RETRY_INTERVAL_S) < 1e-9 for gap in gaps)
    assert offsets == sorted(set(offsets)) and offsets[-1] < 5.0
    assert attempt_offsets(0.03) == [0.0, 0.025]
    assert attempt_offsets(0.5, interval=0.04) == [0.0, 0.025, *[round(0.04 * k, 6) for k in range(1, 13)]]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that drops every SYN, like a router's firewall: a listener whose accept queue is
    kept full by one connection of our own (Linux drops a SYN to such a listener; no reset, no answer)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    plug = socket.create_connection(("127.0.0.1", port), timeout=2)
    yield port
    plug.close()
    listener.close()


def test_a_silent_port_gets_early_retries_and_at_most_one_syn_per_step(silent_port: int) -> None:
    """Within 190 ms the old every-200-ms check sent one SYN; the back-off sends up to four (0, 25, 50,
    100 ms). However the loop is scheduled, it never sends more than the schedule's steps."""
    target = resolve("127.0.0.1", Family.V4)
    events: list[Progress] = []
    result = check_target(target, silent_port, timeout=0.19, on_progress=events.append)
    assert result.state is CheckState.NO_ANSWER
    assert 2 <= result.attempts <= len(attempt_offsets(0.19)) == 4
    assert [e.index for e in events] == list(range(1, result.attempts + 1))
    assert all(e.total == 4 and str(silent_port) in e.message for e in events)
    longer = check_target(target, silent_port, timeout=0.5)
    assert longer.state is CheckState.NO_ANSWER and longer.attempts <= len(attempt_offsets(0.5)) == 6
