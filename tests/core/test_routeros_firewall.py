"""The RouterOS script against a real firewall: the script's filter rules, translated rule by rule into
nftables (tests/testbed/ros2nft.py: top-down, first accept/drop wins, address lists with timeouts),
loaded in a namespace router and knocked with real packets through ``knock()``.

For hypothesis-drawn sequences (few examples: each sends real packets and waits out a stage timeout,
shortened to 2 s): the right knock opens every management port; reversed order, a missing step, a
repeated step sent once, one step too late and (with the guard) a sweep of the knock ports leave them
closed. An established session survives loading the rules. The seed's own script (../shared/seed) runs
through the same cases with its own sequence.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from knockgui.core.knock import knock
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.routeros import ScriptOptions, routeros_script
from knockgui.core.sequence import Protocol, Sequence, Step, parse_sequence
from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, assert_test_address, have_root_netns
from tests.testbed.ros2nft import SEED_PATH, parse_script, seed_script, to_nft

pytestmark = pytest.mark.root

MGMT = (8291, 2222)  # the router's management ports (a router with Winbox and SSH on 2222)
ECHO_PORT = 7777  # a management port with an echo server behind it, for established sessions
STAGE_S = 2
CLOSED_WAIT_S = 0.25
# The router before the paste: connection tracking on (as on any RouterOS whose rules use connection-state,
# defconf's first); without a ct rule a namespace tracks nothing, and no session could count as established.
BEFORE = "table inet before {\n chain input {\n  type filter hook input priority filter;\n  ct state established counter\n }\n}\n"


@pytest.fixture(scope="module")
def lab() -> Iterator[NamespaceRouter]:
    """One namespace router for the module (listeners on MGMT, echo servers on ECHO_PORT); each case reloads rules."""
    need(have_root_netns())
    with NamespaceRouter(ports=MGMT) as ns:
        ns.echo(ECHO_PORT, socket.AF_INET)
        ns.echo(ECHO_PORT, socket.AF_INET6)
        yield ns


@dataclass
class Trial:
    ns: NamespaceRouter
    ruleset: str
    v6: bool = False
    ports: tuple[int, ...] = MGMT

    @property
    def address(self) -> str:
        return self.ns.router6 if self.v6 else self.ns.router4

    def opened(self, wait: float = CLOSED_WAIT_S) -> list[int]:
        family = socket.AF_INET6 if self.v6 else socket.AF_INET
        return [p for p in self.ports if self.ns.is_open(p, family, timeout=wait)]

    def send(self, steps: list[Step] | tuple[Step, ...]) -> None:
        assert_test_address(self.address)
        for i in range(0, len(steps), 64):
            knock(self.address, Sequence(tuple(steps[i : i + 64]), delay_ms=10))

    def case(self, steps: list[Step] | tuple[Step, ...], late_after: int = 0) -> list[int]:
        """Fresh rules (empty lists), the packets (with a pause longer than a stage after ``late_after``
        of them), then the management ports that are open."""
        self.ns.load_rules(self.ruleset)
        if late_after:
            self.send(steps[:late_after])
            time.sleep(STAGE_S + 1.2)
            steps = steps[late_after:]
        self.send(steps)
        return self.opened()


def key(step: Step) -> tuple[object, ...]:
    return (step.protocol, step.port, step.size, step.payload)


def matches(packet: Step, rule: Step) -> bool:
    """Whether ``packet`` sent alone matches the stage rule of ``rule`` (payload: the rule's is a prefix)."""
    sent = packet.icmp_payload() if packet.protocol is Protocol.ICMP else packet.payload
    return (packet.protocol, packet.port, packet.size) == (rule.protocol, rule.port, rule.size) and sent.startswith(
        rule.payload
    )


def sweep(seq: Sequence) -> list[Step]:
    """A scanner's sweep of the knock ports and their neighbours, in port order: a SYN and a datagram each."""
    ports = sorted({p + d for s in seq.steps if s.protocol is not Protocol.ICMP for p in (s.port,) for d in (-1, 0, 1)})
    return [Step(proto, port=p) for p in ports if 1 <= p <= 65535 for proto in (Protocol.TCP, Protocol.UDP)]


def check_cases(trial: Trial, seq: Sequence, data: st.DataObject | None, *, guard: bool) -> dict[str, list[int]]:
    """Which management ports each case left open (only cases that apply to this sequence)."""
    steps, n = seq.steps, len(seq.steps)
    out = {"before": trial.case([]), "right": []}
    trial.ns.load_rules(trial.ruleset)
    trial.send(steps)
    out["right"] = trial.opened(wait=2.0)
    reverse = steps[::-1]
    if not all(matches(a, b) for a, b in zip(reverse, steps, strict=True)):
        out["reversed"] = trial.case(reverse)
    if n > 1:
        gone = data.draw(st.integers(0, n - 1), label="missing step") if data is not None else n - 1
        out["missing"] = trial.case(steps[:gone] + steps[gone + 1 :])
        late = data.draw(st.integers(1, n - 1), label="late after") if data is not None else n - 1
        out["late"] = trial.case(steps, late_after=late)
    repeats = [i for i in range(1, n) if key(steps[i]) == key(steps[i - 1])]
    if repeats:
        out["repeat sent once"] = trial.case(steps[: repeats[0]] + steps[repeats[0] + 1 :])
    if guard and n > 1:
        out["sweep"] = trial.case(sweep(seq))
    return out


# Knock ports at least 2 apart (so a sweep always hits a wrong neighbour between two of them), few, so
# that repeated steps are likely; ICMP sizes and payloads kept small.
spaced_ports = st.sampled_from([1337, 4000, 17954, 30001, 45000, 61000])


@st.composite
def knock_steps(draw: st.DrawFn) -> Step:
    kind = draw(st.sampled_from([Protocol.TCP, Protocol.TCP, Protocol.UDP, Protocol.UDP, Protocol.ICMP]))
    if kind is Protocol.TCP:
        return Step(kind, port=draw(spaced_ports))
    payload = draw(st.sampled_from([b"", b"open", b"\x00\xff\x22"]))
    if kind is Protocol.UDP:
        return Step(kind, port=draw(spaced_ports), payload=payload)
    return Step(kind, size=draw(st.sampled_from([64, 128])), payload=payload)


knock_sequences = st.lists(knock_steps(), min_size=1, max_size=4).map(lambda s: Sequence(tuple(s)))


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example takes seconds of packets
)
@given(
    data=st.data(),
    seq=knock_sequences,
    family=st.sampled_from(["ipv4", "ipv6", "both"]),
    drop=st.sampled_from(["management", "all"]),
)
def test_generated_script_opens_only_for_the_right_knock(
    lab: NamespaceRouter, data: st.DataObject, seq: Sequence, family: str, drop: str
) -> None:
    # a sweep sending p:tcp then p:udp would be exactly such a knock: no firewall can tell them apart
    assume(
        not any(
            a.protocol is Protocol.TCP and b.protocol is Protocol.UDP and a.port == b.port and not b.payload
            for a, b in zip(seq.steps, seq.steps[1:], strict=False)
        )
    )
    opts = ScriptOptions(stage_timeout=f"{STAGE_S}s", family=family, drop=drop, guard=True)
    services = (ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, 2222))  # management_ports: 2222, 8291
    script = routeros_script(Router("Lab", lab.router4, services=services), seq, opts)
    v6 = family == "ipv6" or (family == "both" and data.draw(st.booleans(), label="knock over IPv6"))
    trial = Trial(lab, to_nft(parse_script(script)), v6=v6)
    results = check_cases(trial, seq, data, guard=True)
    assert results.pop("right") == list(MGMT)
    assert results == {case: [] for case in results}, "opened by a wrong knock"


def test_without_the_guard_a_sweep_walks_through_an_ascending_sequence_and_with_it_does_not(
    lab: NamespaceRouter,
) -> None:
    seq = parse_sequence("4000:tcp 17954:tcp")
    for guard, expected in ((False, list(MGMT)), (True, [])):
        script = routeros_script(Router("Lab", lab.router4), seq, ScriptOptions(guard=guard), ports=MGMT)
        trial = Trial(lab, to_nft(parse_script(script)))
        assert trial.case(sweep(seq)) == expected, f"guard={guard}"
    # the guard's block ends after its timeout: a technician who mistyped knocks again a little later
    script = routeros_script(Router("Lab", lab.router4), seq, ScriptOptions(guard=True, guard_timeout="2s"), ports=MGMT)
    trial = Trial(lab, to_nft(parse_script(script)))
    trial.ns.load_rules(trial.ruleset)
    trial.send([seq.steps[0], Step(Protocol.TCP, port=4001), seq.steps[1]])
    assert trial.opened() == []
    trial.send(seq.steps)
    assert trial.opened() == [], "blocked while on the block list"
    time.sleep(2.5)
    trial.send(seq.steps)
    assert trial.opened(wait=2.0) == list(MGMT)


@pytest.mark.parametrize(("drop", "v6"), [("management", False), ("all", False), ("all", True)])
def test_an_established_session_survives_loading_the_rules(lab: NamespaceRouter, drop: str, v6: bool) -> None:
    family = socket.AF_INET6 if v6 else socket.AF_INET
    lab.load_rules(BEFORE)
    address = lab.router6 if v6 else lab.router4
    router = Router("Lab", address)
    script = routeros_script(router, parse_sequence("4000:tcp 17954:udp"), ScriptOptions(drop=drop), ports=[ECHO_PORT])
    with socket.create_connection((address, ECHO_PORT), timeout=2) as session:
        session.sendall(b"before\n")
        assert session.recv(100) == b"before\n"
        lab.load_rules(to_nft(parse_script(script)))
        session.sendall(b"after\n")
        assert session.recv(100) == b"after\n", "the session the script was pasted in was cut off"
    assert not lab.is_open(ECHO_PORT, family, timeout=CLOSED_WAIT_S), "a new connection must knock first"
    Trial(lab, "", v6=v6).send(parse_sequence("4000:tcp 17954:udp").steps)
    assert lab.is_open(ECHO_PORT, family, timeout=2.0)


def test_the_seeds_own_script_passes_the_knock_cases_and_shows_the_traps_knockgui_avoids(lab: NamespaceRouter) -> None:
    """The seed's commands as written (stage timeout shortened to 2 s): right knock opens, wrong ones stay
    closed; but with no guard a sweep opens it (its ports ascend), and with no accept established above
    its "Drop Everything Else", pasting it cuts off the session it was pasted in."""
    if not SEED_PATH.exists():
        pytest.skip(f"the seed recipe is not at {SEED_PATH}")
    nft = to_nft(parse_script(seed_script(SEED_PATH, stage_timeout=f"{STAGE_S}s")))
    seq = parse_sequence("1337:tcp 17954:udp")
    trial = Trial(lab, nft, ports=(8291,))
    results = check_cases(trial, seq, None, guard=True)
    assert results.pop("right") == [8291]
    assert results.pop("sweep") == [8291], "a sweep walks through the seed's chain"
    assert results == {"before": [], "reversed": [], "missing": [], "late": []}
    lab.load_rules(BEFORE)
    with socket.create_connection((lab.router4, ECHO_PORT), timeout=2) as session:
        session.sendall(b"before\n")
        assert session.recv(100) == b"before\n"
        lab.load_rules(nft)
        session.settimeout(1.0)
        session.sendall(b"after\n")
        with pytest.raises(OSError):
            session.recv(100)


def test_a_repeated_step_needs_both_knocks(lab: NamespaceRouter) -> None:
    """The issue's case: ``1337 1337 17954:udp`` in first-to-last order opened with two knocks."""
    seq = parse_sequence("1337:tcp 1337:tcp 17954:udp")
    trial = Trial(lab, to_nft(parse_script(routeros_script(Router("Lab", lab.router4), seq, ports=MGMT))))
    assert trial.case(parse_sequence("1337:tcp 17954:udp").steps) == []
    assert trial.case(seq.steps) == list(MGMT)
    first_to_last = "\n".join(replace_order(routeros_script(Router("Lab", lab.router4), seq, ports=MGMT)))
    assert Trial(lab, to_nft(parse_script(first_to_last))).case(parse_sequence("1337:tcp 17954:udp").steps) == list(
        MGMT
    )


def replace_order(script: str) -> list[str]:
    """The script with its stage rules in first-to-last order (the old layout), to show the trap is real."""
    lines = script.splitlines()
    stage = [i for i, line in enumerate(lines) if ": knock " in line and line.startswith("add ")]
    for i, line in zip(stage, [lines[i] for i in stage][::-1], strict=True):
        lines[i] = line
    return lines
