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
        ("1337 70000:tcp", "Knock step 2 is invalid: port must be 1-65535."),
        ("0:udp", "Knock step 1 is invalid: port must be 1-65535."),
        ("1337:sctp", "Knock step 1 is invalid: unknown protocol; use tcp, udp or icmp."),
        ("icmp:27", "Knock step 1 is invalid: ICMP size must be 28-65535"),
        ("icmp:65536", "Knock step 1 is invalid: ICMP size must be 28-65535"),
        ("icmp:30:abc", "Knock step 1 is invalid: the payload does not fit in the ICMP size"),
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
    for token in text.replace(",", " ").split():  # the user's text is not repeated: it is mostly the secret
        assert f'"{token}"' not in str(info.value) and (len(token) < 5 or token not in str(info.value))


@pytest.mark.parametrize(
    "step",
    [
        Step(Protocol.UDP, port=23917, payload=b"s" * 65508),
        Step(Protocol.ICMP, size=29, payload=b"secretword"),
        Step(Protocol.TCP, port=23917, payload=b"secretword"),
    ],
)
def test_an_impossible_step_is_refused_without_its_port_size_or_payload(step: Step) -> None:
    with pytest.raises(SequenceError) as info:
        Sequence((Step(Protocol.TCP, port=1337), step))
    message = str(info.value)
    assert message.startswith(f"Knock step 2 ({step.protocol.value}) is invalid: ")
    assert "23917" not in message and "secretword" not in message and "29" not in message


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
