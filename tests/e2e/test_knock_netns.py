"""The engine against a real firewall: nftables in a namespace router reproducing the RouterOS recipe.

Each case reloads the rules (which empties the address sets), knocks through ``knock()`` and asks the
engine's own check whether the management port opened; ``router.is_open`` and the nft counters are the
firewall's side of the story.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from knockgui.core.address import Family
from knockgui.core.errors import CancelledError
from knockgui.core.knock import CheckState, KnockResult, Progress, knock
from knockgui.core.sequence import parse_sequence
from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, Stage, assert_test_address, have_root_netns, knock_ruleset

pytestmark = pytest.mark.root

SEED = knock_ruleset([Stage.tcp(1337), Stage.udp(17954)])
WRONG_TIMEOUT_S = 0.8  # how long the check waits for a port that must stay closed


@pytest.fixture(scope="module")
def shared_router() -> Iterator[NamespaceRouter]:
    """One namespace router for this module (starting one takes over a second); each test loads its rules."""
    need(have_root_netns())
    with NamespaceRouter() as router:
        yield router


@pytest.fixture
def router(shared_router: NamespaceRouter) -> NamespaceRouter:
    """The shared router with the seed's rules freshly loaded (empty sets, zero counters)."""
    shared_router.load_rules(SEED)
    return shared_router


def _knock(router: NamespaceRouter, text: str, port: int = 8291, v6: bool = False, timeout: float = 3.0) -> KnockResult:
    address = router.router6 if v6 else router.router4
    assert_test_address(address)
    return knock(address, parse_sequence(text), check_port=port, timeout=timeout)


def _state(result: KnockResult) -> CheckState:
    assert result.check is not None
    return result.check.state


def test_seed_recipe_closed_before_open_after_right_sequence(router: NamespaceRouter) -> None:
    assert not router.is_open(8291)
    result = _knock(router, "1337:tcp 17954:udp")
    assert _state(result) is CheckState.OPEN and result.was_successful()
    assert result.check is not None and result.check.latency_ms is not None
    assert router.is_open(8291) and router.is_open(22)
    assert router.set_members("safe_4") == [router.host4]


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("wrong order", "17954:udp 1337:tcp"),
        ("wrong protocol", "1337:udp 17954:udp"),
        ("missing step", "17954:udp"),
        ("wrong port", "1338 17954:udp"),
    ],
)
def test_wrong_knocks_leave_the_port_closed(router: NamespaceRouter, case: str, text: str) -> None:
    result = _knock(router, text, timeout=WRONG_TIMEOUT_S)
    assert _state(result) is CheckState.NO_ANSWER, case
    assert result.check is not None and result.check.attempts >= 2  # it kept retrying until the deadline
    assert "probably not accepted" in result.message
    assert not router.is_open(8291)


def test_gap_longer_than_stage_timeout_fails_shorter_gap_works(router: NamespaceRouter) -> None:
    ruleset = knock_ruleset([Stage.tcp(1337), Stage.udp(17954)], stage_timeout="1s")
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 wait:1500 17954:udp", timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 wait:300 17954:udp")) is CheckState.OPEN


def test_one_syn_per_tcp_step(router: NamespaceRouter) -> None:
    extra = 'tcp dport { 1337, 2000 } counter comment "syns"'
    router.load_rules(knock_ruleset([Stage.tcp(1337), Stage.tcp(2000), Stage.udp(17954)], extra=extra))
    assert _state(_knock(router, "1337 2000 17954:udp")) is CheckState.OPEN
    time.sleep(1.5)  # past the kernel's first SYN retransmission (1 s): none may come
    counters = router.counters()
    assert counters["syns"] == 2
    assert counters["knock1_4"] == counters["knock2_4"] == counters["knock3_4"] == 1


def test_icmp_size_step_right_size_opens_one_more_does_not(router: NamespaceRouter) -> None:
    ruleset = knock_ruleset([Stage.tcp(1337), Stage.icmp(128)])
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 icmp:129", timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 icmp:127", timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 icmp:128:hello")) is CheckState.OPEN  # payload text, same size


def test_icmp_size_step_over_ipv6_uses_the_same_echo_payload(router: NamespaceRouter) -> None:
    ruleset = knock_ruleset([Stage.tcp(1337), Stage.icmp(128)])  # v6 rule: ip6 length 108 = 8 + 100
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 icmp:148", v6=True, timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 icmp:128", v6=True)) is CheckState.OPEN
    assert router.counters()["knock2_6"] == 1


def test_udp_payload_matched_by_content(router: NamespaceRouter) -> None:
    secret = b"open-sesame"
    ruleset = knock_ruleset([Stage.tcp(1337), Stage.udp(41000, secret.hex())])
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 41000:udp:open-sesamE", timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 41000:udp", timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    router.load_rules(ruleset)
    assert _state(_knock(router, "1337 41000:udp:0x" + secret.hex())) is CheckState.OPEN


def test_same_router_over_ipv6(router: NamespaceRouter) -> None:
    assert _state(_knock(router, "17954:udp 1337", v6=True, timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    result = knock(f"[{router.router6}]", parse_sequence("1337 17954:udp"), family=Family.V6, check_port=8291)
    assert _state(result) is CheckState.OPEN and result.address == router.router6
    assert router.set_members("safe_6") == [router.host6]
    assert router.set_members("safe_4") == []  # the v4 side stays closed
    counters = router.counters()
    assert counters["knock1_6"] == 2 and counters["knock1_4"] == 0  # one SYN from each v6 knock


def test_check_refused_after_right_knock_and_no_answer_after_wrong(router: NamespaceRouter) -> None:
    assert _state(_knock(router, "1337 1337", port=23, timeout=WRONG_TIMEOUT_S)) is CheckState.NO_ANSWER
    result = _knock(router, "1337 17954:udp", port=23)  # knock accepted, nothing listens on 23
    assert _state(result) is CheckState.REFUSED
    assert "nothing listens" in result.message


def test_check_unreachable_when_the_router_says_so(router: NamespaceRouter) -> None:
    extra = "tcp dport 8291 reject with icmp type host-unreachable"
    router.load_rules(knock_ruleset([Stage.tcp(1337)], extra=extra))
    result = _knock(router, "1337")
    assert _state(result) is CheckState.UNREACHABLE and "unreachable" in result.message


def test_cancel_stops_a_check_that_would_wait_long(router: NamespaceRouter) -> None:
    cancel = threading.Event()
    checking = threading.Event()
    caught: list[BaseException] = []

    def progress(event: Progress) -> None:
        if event.stage == "check":
            checking.set()

    def run() -> None:
        try:
            knock(router.router4, parse_sequence("1338"), check_port=8291, timeout=60,
                  on_progress=progress, cancel=cancel)  # fmt: skip
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert checking.wait(10)
    cancel.set()
    worker.join(5)  # far below the 60 s the check would otherwise wait
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], CancelledError)


def test_a_lost_check_syn_costs_one_retry_not_the_deadline(router: NamespaceRouter) -> None:
    """The router drops the first SYN to 8291. The kernel would resend it only after 1 s; with a
    deadline of 0.9 s only the check's own fresh attempts can find the port open."""
    lose_first = 'tcp dport 8291 tcp flags & (syn|ack) == syn numgen inc mod 1000000 == 0 counter drop comment "lost"'
    router.load_rules(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)], extra=lose_first))
    result = _knock(router, "1337 17954:udp", timeout=0.9)
    assert _state(result) is CheckState.OPEN
    assert result.check is not None and result.check.attempts >= 2
    assert router.counters()["lost"] == 1
