"""knockgui.core.connect without a network: the KeepOpen schedule and the delay rules.

The whole flow against a namespace router, sshd and a stand-in Winbox is in tests/e2e/test_connect_netns.py.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from knockgui.core.connect import KeepOpen, effective_sequence
from knockgui.core.errors import NetworkError
from knockgui.core.knock import KnockResult
from knockgui.core.model import Router
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from tests.testbed.netns import wait_for


def _result() -> KnockResult:
    return KnockResult("h", "10.0.0.1", 2, 0.1, None, "Sent 2 knock steps to h.")


def test_keep_open_reknocks_until_the_program_exits() -> None:
    program_runs = threading.Event()
    program_runs.set()
    calls: list[threading.Event] = []

    def reknock(stop: threading.Event) -> KnockResult:
        calls.append(stop)
        return _result()

    keeper = KeepOpen(0.05, reknock, program_runs.is_set, poll_s=0.01).start()
    assert wait_for(lambda: keeper.knocks >= 3, timeout=10)
    program_runs.clear()
    assert keeper.join(10)
    done = keeper.knocks
    assert done == len(calls) and keeper.last is not None
    assert not wait_for(lambda: len(calls) > done, timeout=0.3)
    assert all(stop is keeper.cancel for stop in calls)


def test_keep_open_stop_cancels_and_failures_are_kept() -> None:
    seen: list[str] = []

    def reknock(stop: threading.Event) -> KnockResult:
        raise NetworkError("The network is unreachable; check the connection.")

    keeper = KeepOpen(0.02, reknock, lambda: True, on_knock=lambda r, e: seen.append(str(e)), poll_s=0.01).start()
    assert wait_for(lambda: keeper.failures >= 2, timeout=10)
    keeper.stop()
    assert not keeper.running()
    assert keeper.knocks == 0 and keeper.last_error == "The network is unreachable; check the connection."
    assert seen[0] == "The network is unreachable; check the connection."


def test_keep_open_does_nothing_when_the_program_is_already_gone() -> None:
    calls: list[int] = []
    keeper = KeepOpen(0.01, lambda stop: calls.append(1) or _result(), lambda: False).start()
    assert keeper.join(10)
    assert calls == []


def test_keep_open_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        KeepOpen(0, lambda stop: _result(), lambda: True)


def test_delay_rules() -> None:
    router = Router(name="r", host="10.0.0.1")
    bare = parse_sequence("1337 17954:udp")
    stored = parse_sequence("1337 17954:udp", delay_ms=300)
    settings = Settings(default_delay_ms=150)
    assert effective_sequence(router, bare, settings).delay_ms == 150
    assert effective_sequence(router, stored, settings).delay_ms == 300
    assert effective_sequence(replace(router, delay_ms=0), stored, settings).delay_ms == 0
    assert effective_sequence(replace(router, delay_ms=40), bare, settings).delay_ms == 40
