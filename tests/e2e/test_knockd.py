"""The engine against the real knockd daemon (libpcap, its own sequence state, its own command).

knockd resets a sequence on any wrong hit, a repeated SYN included, without restarting it: so an
opening proves the engine sent each step once, in order; a duplicate SYN (what a client whose kernel
retransmits sends) is shown to break it. Each case starts a fresh daemon (knockd keeps per-address
state for ``seq_timeout``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knockgui.core.knock import CheckState, knock
from knockgui.core.sequence import parse_sequence
from tests.conftest import need
from tests.testbed.knockd import Knockd, have_knockd
from tests.testbed.netns import NamespaceRouter, assert_test_address, wait_for

pytestmark = pytest.mark.root


@pytest.fixture
def router(netns_router: Callable[..., NamespaceRouter]) -> NamespaceRouter:
    need(have_knockd())
    router = netns_router()
    assert_test_address(router.router4)
    return router


@pytest.fixture
def fresh_knockd(router: NamespaceRouter, tmp_path: Path) -> Iterator[Callable[[], Knockd]]:
    daemons: list[Knockd] = []

    def start() -> Knockd:
        for old in daemons:
            old.stop()
        workdir = tmp_path / f"knockd{len(daemons)}"
        workdir.mkdir()
        daemon = Knockd(router, workdir, sequence="1337:tcp,17954:udp", seq_timeout=15).start()
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        daemon.stop()


def _state(router: NamespaceRouter, text: str, timeout: float) -> CheckState:
    result = knock(router.router4, parse_sequence(text), check_port=8291, timeout=timeout)
    assert result.check is not None
    return result.check.state


@pytest.mark.parametrize(
    ("case", "text"), [("wrong order", "17954:udp 1337"), ("duplicate SYN", "1337 1337 17954:udp")]
)
def test_knockd_refuses_wrong_order_and_duplicate_syn(
    router: NamespaceRouter, fresh_knockd: Callable[[], Knockd], case: str, text: str
) -> None:
    daemon = fresh_knockd()
    assert _state(router, text, 0.8) is CheckState.NO_ANSWER, case
    assert daemon.opened() == 0 and "Stage 1" in daemon.log_text()


def test_knockd_opens_on_the_right_sequence(router: NamespaceRouter, fresh_knockd: Callable[[], Knockd]) -> None:
    daemon = fresh_knockd()
    assert not router.is_open(8291)
    # knockd runs its command after it has seen the last hit: the check's retries absorb that.
    assert _state(router, "1337:tcp 17954:udp", 5) is CheckState.OPEN, daemon.log_text()
    assert wait_for(lambda: daemon.opened() == 1, 3)
    log = daemon.log_text()
    assert f"{router.host4}: knockgui: Stage 1" in log and f"{router.host4}: knockgui: Stage 2" in log
    assert router.is_open(8291)
