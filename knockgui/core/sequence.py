"""Knock sequences: the model and its text form.

Text form (a superset of the zeroflux ``knock`` syntax), steps separated by spaces or commas:

* ``1337`` or ``1337:tcp``           one TCP SYN to port 1337
* ``17954:udp``                      one UDP datagram (a single NUL byte) to port 17954
* ``17954:udp:TEXT``                 a UDP datagram carrying the UTF-8 text TEXT
* ``17954:udp:0x6f70656e``           a UDP datagram carrying these bytes
* ``icmp:128`` / ``icmp:128:TEXT``   an ICMP echo whose whole IPv4 packet is 128 bytes long
                                     (20 IP + 8 ICMP + payload, as RouterOS ``packet-size``)
* ``wait:500``                       wait 500 ms after the previous step (a per-step delay)

Parsing and printing round-trip: ``parse_sequence(format_sequence(s)) == s``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace
from enum import StrEnum

from knockgui.core.errors import SequenceError

IPV4_HEADER = 20
ICMP_HEADER = 8
ICMP_OVERHEAD = IPV4_HEADER + ICMP_HEADER  # 28: smallest IPv4 echo request
MAX_IP_PACKET = 65535
MAX_UDP_PAYLOAD = 65507  # 65535 - 20 (IPv4) - 8 (UDP)
MAX_DELAY_MS = 600_000
MAX_STEPS = 64

_SEPARATORS = re.compile(r"[\s,]+")
_PRINTABLE = string.ascii_letters + string.digits + string.punctuation
_HEX_DIGITS = string.hexdigits
_TEXT_SAFE = set(_PRINTABLE) - {",", '"', "'", "\\"}


class Protocol(StrEnum):
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"


@dataclass(frozen=True)
class Step:
    """One knock. ``port`` is for TCP and UDP; ``size`` (whole IPv4 packet length) is for ICMP.

    ``delay_ms`` is the wait after this step; ``None`` means the sequence's default delay.
    """

    protocol: Protocol
    port: int = 0
    size: int = 0
    payload: bytes = b""
    delay_ms: int | None = None

    def __repr__(self) -> str:  # masked: a step is part of a secret
        return f"Step(<{self.protocol.value}>)"

    @property
    def target(self) -> str:
        """``1337/tcp`` or ``icmp size 128``, without the payload; still secret (only for ``-v`` of the user's own steps)."""
        if self.protocol is Protocol.ICMP:
            return f"icmp size {self.size}"
        return f"{self.port}/{self.protocol.value}"

    def icmp_payload(self) -> bytes:
        """The ICMP echo payload: the given payload padded with zero bytes to ``size - 28``."""
        room = self.size - ICMP_OVERHEAD
        return self.payload + b"\x00" * (room - len(self.payload))

    def problem(self) -> str:
        """'' when the step is possible, else what is wrong with it (never its port, size or payload)."""
        return _step_problem(self)

    def validate(self, number: int | None = None) -> None:
        """Raise :class:`SequenceError` if the step is impossible; the message names the step by its number
        and protocol only (never its port, size or payload: they are the secret)."""
        problem = _step_problem(self)
        if problem:
            which = f"Knock step {number}" if number is not None else "A knock step"
            raise SequenceError(f"{which} ({self.protocol.value}) is invalid: {problem}.")


@dataclass(frozen=True)
class Sequence:
    """An ordered list of knock steps with a default delay (ms) between steps."""

    steps: tuple[Step, ...]
    delay_ms: int = 0

    def __repr__(self) -> str:  # never show ports or payloads in logs or tracebacks
        return f"Sequence(<{self.describe()}>, delay_ms={self.delay_ms})"

    def __post_init__(self) -> None:
        if not self.steps:
            raise SequenceError("The knock sequence is empty: give at least one step such as 1337:tcp.")
        if len(self.steps) > MAX_STEPS:
            raise SequenceError(f"The knock sequence has {len(self.steps)} steps; at most {MAX_STEPS} are allowed.")
        if not 0 <= self.delay_ms <= MAX_DELAY_MS:
            raise SequenceError(f"The delay must be 0-{MAX_DELAY_MS} ms.")
        for number, step in enumerate(self.steps, 1):
            step.validate(number)

    def delay_after(self, index: int) -> int:
        """Milliseconds to wait after step ``index`` (none after the last step)."""
        if index >= len(self.steps) - 1:
            return 0
        own = self.steps[index].delay_ms
        return self.delay_ms if own is None else own

    def with_delay(self, delay_ms: int) -> Sequence:
        return replace(self, delay_ms=delay_ms)

    def __len__(self) -> int:
        return len(self.steps)

    def describe(self) -> str:
        """Masked description for logs and messages: ``3 steps (tcp, udp, icmp)``, no ports."""
        kinds = ", ".join(step.protocol.value for step in self.steps)
        noun = "step" if len(self.steps) == 1 else "steps"
        return f"{len(self.steps)} {noun} ({kinds})"


def _step_problem(step: Step) -> str:
    if step.delay_ms is not None and not 0 <= step.delay_ms <= MAX_DELAY_MS:
        return f"the delay must be 0-{MAX_DELAY_MS} ms"
    if step.protocol is Protocol.ICMP:
        if not ICMP_OVERHEAD <= step.size <= MAX_IP_PACKET:
            return f"ICMP size must be {ICMP_OVERHEAD}-{MAX_IP_PACKET} (the whole IP packet: 20 + 8 + payload)"
        if len(step.payload) > step.size - ICMP_OVERHEAD:
            return "the payload does not fit in the ICMP size (the whole packet: 20 + 8 + payload)"
        return ""
    if not 1 <= step.port <= 65535:
        return "port must be 1-65535"
    if step.protocol is Protocol.TCP and step.payload:
        return "a TCP knock is a single SYN and cannot carry a payload; use udp for a payload"
    if len(step.payload) > MAX_UDP_PAYLOAD:
        return f"payload must be at most {MAX_UDP_PAYLOAD} bytes"
    return ""


UNDECODABLE = "the payload holds a byte that is not valid text (UTF-8); write such a payload in hex, as in 0x6f70"


def _reason(exc: ValueError) -> str:
    """The sentence part of a step error: only the parser's own words, never a message built from the text."""
    return str(exc) if type(exc) is ValueError else "it could not be read"


def _parse_number(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{what} must be a number")
    return int(text)


def _parse_payload(text: str) -> bytes:
    if text[:2].lower() == "0x":
        digits = text[2:]
        if not digits or len(digits) % 2 or any(c not in _HEX_DIGITS for c in digits):
            raise ValueError("hex payload must be 0x followed by an even number of hex digits")
        return bytes.fromhex(digits)
    if not text:
        raise ValueError("payload is empty; leave out the last colon for no payload")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a byte that is not UTF-8 (\udcXX from the command line): never name it
        raise ValueError(UNDECODABLE) from None


def _parse_step(token: str) -> Step:
    parts = token.split(":", 2)
    head = parts[0].lower()
    if head == "icmp":
        if len(parts) < 2:
            raise ValueError("ICMP needs a size, as in icmp:128")
        size = _parse_number(parts[1], "ICMP size")
        payload = _parse_payload(parts[2]) if len(parts) == 3 else b""
        step = Step(Protocol.ICMP, size=size, payload=payload)
    else:
        port = _parse_number(parts[0], "port")
        proto_text = parts[1].lower() if len(parts) > 1 else "tcp"
        try:
            protocol = Protocol(proto_text)
        except ValueError:
            raise ValueError("unknown protocol; use tcp, udp or icmp") from None
        if protocol is Protocol.ICMP:
            raise ValueError("write ICMP steps as icmp:SIZE")
        payload = _parse_payload(parts[2]) if len(parts) == 3 else b""
        step = Step(protocol, port=port, payload=payload)
    problem = _step_problem(step)
    if problem:
        raise ValueError(problem)
    return step


def parse_sequence(text: str, delay_ms: int = 0) -> Sequence:
    """Parse the text form. Errors name the step by its number and say what is wrong with it; they never
    repeat the step's text (a typo in a sequence is still mostly the secret)."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens:
        raise SequenceError("The knock sequence is empty: give at least one step such as 1337:tcp.")
    steps: list[Step] = []
    for token in tokens:
        number = len(steps) + 1
        if token.lower().startswith("wait:"):
            if not steps:
                raise SequenceError(f"Knock step {number} is invalid: a wait must follow a knock step.")
            try:
                wait = _parse_number(token[5:], "wait")
            except ValueError as exc:
                raise SequenceError(f"Knock step {number} is invalid: {_reason(exc)}.") from None
            if wait > MAX_DELAY_MS:
                raise SequenceError(f"Knock step {number} is invalid: a wait must be 0-{MAX_DELAY_MS} ms.")
            steps[-1] = replace(steps[-1], delay_ms=wait)
            continue
        try:
            steps.append(_parse_step(token))
        except ValueError as exc:
            raise SequenceError(f"Knock step {number} is invalid: {_reason(exc)}.") from None
    return Sequence(tuple(steps), delay_ms=delay_ms)


def _format_payload(payload: bytes) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and all(c in _TEXT_SAFE for c in text) and text[:2].lower() != "0x":
        return text
    return "0x" + payload.hex()


def format_step(step: Step) -> str:
    if step.protocol is Protocol.ICMP:
        out = f"icmp:{step.size}"
    else:
        out = f"{step.port}:{step.protocol.value}"
    if step.payload:
        out += ":" + _format_payload(step.payload)
    return out


def format_sequence(sequence: Sequence) -> str:
    """The text form of a sequence (secret: never log it)."""
    parts: list[str] = []
    for step in sequence.steps:
        parts.append(format_step(step))
        if step.delay_ms is not None:
            parts.append(f"wait:{step.delay_ms}")
    return " ".join(parts)
