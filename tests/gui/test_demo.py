"""``knockgui --demo``: the simulated loopback router follows the seed's rules, and the demo window works."""

from __future__ import annotations

import socket
import sys
import time
import urllib.request

import pytest

from knockgui.core.knock import knock
from knockgui.core.probe import CheckState, check_port
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.sequence import Sequence
from knockgui.gui.app import build_parser, create_main_window
from knockgui.gui.demo import DEMO_NAME, FAST_SWITCH_S, DemoRouter
from tests.gui.test_main_window import result_of, wait_idle
from tests.testbed import recorder


def test_closed_until_the_right_sequence_then_open_and_serving() -> None:
    with DemoRouter() as demo:
        port = demo.management_port
        assert check_port("127.0.0.1", port, timeout=0.5).state is CheckState.NO_ANSWER  # dropped, like the seed
        swapped = Sequence(tuple(reversed(demo.sequence.steps)))
        assert knock("127.0.0.1", swapped, check_port=port, timeout=0.5).check.state is CheckState.NO_ANSWER
        first_only = Sequence(demo.sequence.steps[:1])
        assert knock("127.0.0.1", first_only, check_port=port, timeout=0.5).check.state is CheckState.NO_ANSWER
        assert demo.stage_of("127.0.0.1") == 1
        result = knock("127.0.0.1", demo.sequence, check_port=port, timeout=10)
        assert result.check.state is CheckState.OPEN
        assert demo.is_open_for("127.0.0.1")
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3).read()
        assert b"knockgui demo router" in page


def test_stage_timeout_and_open_timeout_expire() -> None:
    with DemoRouter(stage_timeout=0.3, open_timeout=0.6) as demo:
        port = demo.management_port
        slow = demo.sequence.with_delay(600)  # the second step comes after stage 1 expired
        assert knock("127.0.0.1", slow, check_port=port, timeout=0.5).check.state is CheckState.NO_ANSWER
        assert knock("127.0.0.1", demo.sequence, check_port=port, timeout=10).check.state is CheckState.OPEN
        time.sleep(1.0)  # the open list entry expires: dropped again
        assert not demo.is_open_for("127.0.0.1")
        assert check_port("127.0.0.1", port, timeout=0.5).state is CheckState.NO_ANSWER
        assert knock("127.0.0.1", demo.sequence, check_port=port, timeout=10).check.state is CheckState.OPEN


def _tcp_knock(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _udp_knock(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x00", ("127.0.0.1", port))


def test_knocks_count_in_arrival_order_across_the_step_sockets() -> None:
    # Two knocks from the same source at once: the swapped sequence (udp, tcp) and the right one (tcp, udp),
    # arriving as swapped-1, right-1, right-2, swapped-2. A router counts right-2 after right-1: open.
    # The router's thread is held (its lock) after it read the first knock, so the other three wait
    # together on the two step sockets, and the one reported first before must not be read first again.
    with DemoRouter() as demo:
        tcp, udp = demo.knock_ports
        with demo._lock:
            _udp_knock(udp)  # swapped step 1 (the right sequence's step 2): not counted
            time.sleep(0.2)  # the router's thread reads it and waits for the lock
            _tcp_knock(tcp)  # right step 1
            _udp_knock(udp)  # right step 2
            _tcp_knock(tcp)  # swapped step 2
        deadline = time.monotonic() + 5
        while not demo.is_open_for("127.0.0.1") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert demo.is_open_for("127.0.0.1")
        assert check_port("127.0.0.1", demo.management_port, timeout=5).state is CheckState.OPEN


def test_demo_window_knocks_and_opens_the_demo_page(qtbot, recorder_bin) -> None:
    _bin, records = recorder_bin
    started = create_main_window(build_parser().parse_args(["--demo"]))
    window = started.window
    qtbot.addWidget(window)
    try:
        assert window.windowTitle().startswith("knockgui demo")
        assert isinstance(window.inventory.secrets, MemorySecretStore)  # never the user's keyring
        assert started.config_dir.is_dir()
        window.show()
        qtbot.waitUntil(lambda: "memory" in window.keyring_label.text())
        names = [r.name for r in window.model.routers]
        assert DEMO_NAME in names and len(names) > 1
        window.focus_filter()
        qtbot.keyClicks(window.filter, "loopback")
        assert window.selected_router().name == DEMO_NAME
        window.connect_selected()
        wait_idle(qtbot, window)
        assert result_of(window, DEMO_NAME).startswith("open in ")
        qtbot.waitUntil(lambda: len(recorder.records(records)) == 1, timeout=10000)
        url = recorder.records(records)[0]["argv"][-1]
        assert url.startswith("http://127.0.0.1:")
        assert b"knockgui demo router" in urllib.request.urlopen(url, timeout=3).read()
    finally:
        window.close()
        started.close()
    assert not started.config_dir.exists()


def test_the_demo_cleans_up_when_the_window_cannot_be_built(qtbot, monkeypatch) -> None:
    import tempfile
    from pathlib import Path

    import pytest

    import knockgui.gui.main_window

    def broken(*_args, **_kwargs):
        raise RuntimeError("window failed")

    monkeypatch.setattr(knockgui.gui.main_window, "MainWindow", broken)
    before = set(Path(tempfile.gettempdir()).glob("knockgui-demo-*"))
    with pytest.raises(RuntimeError):
        create_main_window(build_parser().parse_args(["--demo"]))
    assert set(Path(tempfile.gettempdir()).glob("knockgui-demo-*")) <= before


def test_the_router_thread_gets_its_turn_while_it_runs_and_the_interval_is_restored() -> None:
    """In-process the check's first SYN races the knock's last step: while a demo router runs, Python
    switches threads every 20 µs so the router can open before that SYN (else the check's 25 ms retry
    does); two routers share it, and the old interval comes back when the last one closes."""
    before = sys.getswitchinterval()
    with DemoRouter() as first:
        assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
        with DemoRouter():
            assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
        assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
        result = knock("127.0.0.1", first.sequence, check_port=first.management_port, timeout=10)
        assert result.check is not None and result.check.state is CheckState.OPEN
    assert sys.getswitchinterval() == before


def test_the_wrong_sequence_entry_fails_even_after_the_right_one_opened() -> None:
    """Issue 16 item 11: both entries are 127.0.0.1 and the demo keys its lists by source address, so the
    swapped knock found the port already open once the right one was knocked. It must fail every time."""
    from knockgui.core.connect import connect
    from knockgui.core.settings import Settings
    from knockgui.gui.demo import DEMO_WRONG_NAME, start_demo

    demo = start_demo(examples=False)
    try:
        settings = Settings(default_timeout_s=1.0)
        wrong = demo.inventory.find(DEMO_WRONG_NAME)
        assert not connect(demo.inventory, wrong, settings, launch=False).knock.was_successful()
        assert connect(demo.inventory, demo.entry, settings, launch=False).knock.was_successful()
        for _ in range(3):  # again and again: a merely swapped sequence, knocked twice, sends step 1 then step 2
            again = connect(demo.inventory, wrong, settings, launch=False).knock
            assert not again.was_successful(), "the wrong sequence opened after the right one was knocked"
    finally:
        demo.close()
