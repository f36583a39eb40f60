from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knockgui.core.errors import SequenceError
from knockgui.core.sequence import (
    Protocol,
    Sequence,
    Step,
    format_sequence,
    parse_sequence,
)


def test_zeroflux_syntax_and_extensions() -> None:
    seq = parse_sequence("1337 17954:udp, 41000:UDP:open icmp:128 icmp:100:hi 5000:udp:0x6f70656e")
    assert [s.protocol for s in seq.steps] == [
        Protocol.TCP,
        Protocol.UDP,
        Protocol.UDP,
        Protocol.ICMP,
        Protocol.ICMP,
        Protocol.UDP,
    ]
    assert seq.steps[0].port == 1337
    assert seq.steps[2].payload == b"open"
    assert seq.steps[3].size == 128 and seq.steps[3].payload == b""
    assert seq.steps[4].payload == b"hi"
    assert seq.steps[5].payload == b"open"
    assert format_sequence(seq) == "1337:tcp 17954:udp 41000:udp:open icmp:128 icmp:100:hi 5000:udp:open"


def test_icmp_payload_padded_to_size() -> None:
    step = parse_sequence("icmp:128:ab").steps[0]
    assert len(step.icmp_payload()) == 100
    assert step.icmp_payload().startswith(b"ab")


def test_per_step_wait_round_trips() -> None:
    seq = parse_sequence("1337 wait:250 17954:udp", delay_ms=40)
    assert seq.delay_after(0) == 250
    assert seq.delay_after(1) == 0  # nothing after the last step
    assert format_sequence(seq) == "1337:tcp wait:250 17954:udp"
    assert parse_sequence("1 2 3", delay_ms=40).delay_after(0) == 40


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1337 70000:tcp", 'step 2 "70000:tcp": port must be 1-65535'),
        ("0:udp", 'step 1 "0:udp": port must be 1-65535'),
        ("1337:sctp", 'step 1 "1337:sctp": unknown protocol "sctp"'),
        ("icmp:27", 'step 1 "icmp:27": ICMP size must be 28-65535'),
        ("icmp:65536", 'step 1 "icmp:65536": ICMP size must be 28-65535'),
        ("icmp:30:abc", 'step 1 "icmp:30:abc": payload of 3 bytes does not fit'),
        ("1337:tcp:x", "cannot carry a payload"),
        ("", "The knock sequence is empty"),
        (" , ", "The knock sequence is empty"),
        ("wait:10 1337", "a wait must follow a knock step"),
        ("12:udp:0xabc", "even number of hex digits"),
        ("abc", "port must be a number"),
        ("icmp", "ICMP needs a size"),
    ],
)
def test_bad_input_names_the_step(text: str, message: str) -> None:
    with pytest.raises(SequenceError) as info:
        parse_sequence(text)
    assert message in str(info.value)


def test_repr_never_shows_ports_or_payload() -> None:
    seq = parse_sequence("1337 17954:udp:secretword")
    shown = repr(seq) + repr(seq.steps) + seq.describe()
    assert "1337" not in shown and "17954" not in shown and "secretword" not in shown
    assert "2 steps (tcp, udp)" in shown


ports = st.integers(min_value=1, max_value=65535)
payloads = st.binary(max_size=40)
steps = st.one_of(
    st.builds(lambda p: Step(Protocol.TCP, port=p), ports),
    st.builds(lambda p, pl: Step(Protocol.UDP, port=p, payload=pl), ports, payloads),
    st.builds(
        lambda extra, pl: Step(Protocol.ICMP, size=28 + len(pl) + extra, payload=pl),
        st.integers(min_value=0, max_value=1000),
        payloads,
    ),
)
delays = st.one_of(st.none(), st.integers(min_value=0, max_value=600_000))


@given(st.lists(st.tuples(steps, delays), min_size=1, max_size=10))
def test_round_trip(items: list[tuple[Step, int | None]]) -> None:
    seq = Sequence(tuple(Step(s.protocol, s.port, s.size, s.payload, d) for s, d in items))
    assert parse_sequence(format_sequence(seq)) == seq


@given(st.text(max_size=80))
def test_parser_never_crashes(text: str) -> None:
    try:
        seq = parse_sequence(text)
    except SequenceError as exc:
        assert str(exc)
    else:
        assert parse_sequence(format_sequence(seq)) == seq
