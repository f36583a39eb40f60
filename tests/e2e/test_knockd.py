"""The engine against the real knockd daemon (libpcap, its own sequence state, its own command).

One SYN per TCP step is proven by the nft counters in test_knock_netns.py; here knockd confirms that
what the engine sends is a sequence a reference server accepts, and that a wrong order is refused.
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
def knockd(netns_router: Callable[..., NamespaceRouter], tmp_path: Path) -> Iterator[Knockd]:
    need(have_knockd())
    router = netns_router()
    with Knockd(router, tmp_path, sequence="1337:tcp,17954:udp", seq_timeout=15) as daemon:
        yield daemon


def test_knockd_opens_on_the_right_sequence_only(knockd: Knockd) -> None:
    router = knockd.router
    assert_test_address(router.router4)
    assert not router.is_open(8291)

    wrong = knock(router.router4, parse_sequence("17954:udp 1337"), check_port=8291, timeout=0.8)
    assert wrong.check is not None and wrong.check.state is CheckState.NO_ANSWER
    assert knockd.opened() == 0

    # knockd runs its command after it has seen the last hit: the check's retries absorb that.
    right = knock(router.router4, parse_sequence("1337:tcp 17954:udp"), check_port=8291, timeout=5)
    assert right.check is not None and right.check.state is CheckState.OPEN, knockd.log_text()
    assert wait_for(lambda: knockd.opened() == 1, 3)
    log = knockd.log_text()
    assert f"{router.host4}: knockgui: Stage 2" in log and "OPEN SESAME" in log
    assert router.is_open(8291)
