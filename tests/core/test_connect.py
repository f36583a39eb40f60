"""knockgui.core.connect on loopback: the KeepOpen schedule, the delay rules, a client that fails after the knock.

The whole flow against a namespace router, sshd and a stand-in Winbox is in tests/e2e/test_connect_netns.py.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from knockgui.core.connect import KeepOpen, LaunchAfterKnockError, connect, effective_sequence
from knockgui.core.errors import LaunchError, NetworkError
from knockgui.core.knock import KnockResult
from knockgui.core.model import Router, Service
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui.demo import DemoRouter
from tests.testbed.netns import wait_for
from tests.testbed.routers import make_router


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


def test_a_client_that_fails_to_start_after_the_knock_keeps_the_knock_in_one_sentence(tmp_path: Path) -> None:
    """The knock opens the (loopback demo) router's port, then the client is no program: the error says
    both facts, keeps the knock result, is a LaunchError (CLI exit 3) and names no knock port."""
    broken = tmp_path / "WinBox"
    broken.write_bytes(b"\x00\x01 not a program\n")
    broken.chmod(0o755)
    with DemoRouter() as demo:
        inventory = Inventory.open(tmp_path / "config", MemorySecretStore())
        router = inventory.add(
            make_router(name="demo", host="127.0.0.1", service=Service.WINBOX, port=demo.management_port, timeout_s=10),
            RouterSecret(demo.sequence),
        )
        with pytest.raises(LaunchAfterKnockError) as caught:
            connect(inventory, router, Settings(winbox_path=str(broken)), platform="linux")
    error = caught.value
    assert isinstance(error, LaunchError) and error.exit_code == 3
    assert error.knock.was_successful() and error.knock.check is not None
    expected = f"Port {demo.management_port} on 127.0.0.1 opened in {error.knock.check.latency_ms:.0f} ms, but Winbox "
    assert error.message.startswith(expected + "could not be started: ")
    assert str(broken) in error.message and "winbox_path" in error.message
    assert error.message.count(". ") == 0 and error.message.endswith(".")
    assert not any(str(port) in error.message for port in demo.knock_ports)
