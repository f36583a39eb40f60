"""The RouterOS script, and (as root) the same script translated rule by rule into nftables on a namespace router."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import replace

import pytest

from knockgui.core.errors import InputError
from knockgui.core.generate import AVOID_PORTS, generate_sequence
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.routeros import ScriptOptions, quote, routeros_script
from knockgui.core.sequence import Protocol, Sequence, Step, parse_sequence
from tests.testbed.netns import NamespaceRouter, assert_test_address

# ----- a small RouterOS -> nftables translator for the rules routeros_script emits -----

_TOKEN = re.compile(r'([a-z-]+)=("(?:[^"\\]|\\.)*"|\S+)')


def unquote(value: str) -> bytes:
    if not value.startswith('"'):
        return value.encode()
    body, out, i = value[1:-1], bytearray(), 0
    while i < len(body):
        if body[i] == "\\":
            out.append(int(body[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(ord(body[i]))
            i += 1
    return bytes(out)


def parse_rules(script: str, section: str = "/ip firewall filter") -> list[dict[str, bytes]]:
    rules, active = [], False
    for line in script.splitlines():
        if line.startswith("/"):
            active = line == section
        elif active and line.startswith("add "):
            rules.append({k: unquote(v) for k, v in _TOKEN.findall(line[4:])})
    return rules


def set_name(address_list: bytes) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", address_list.decode())


def translate(script: str, ipv6: bool = False) -> str:
    """nftables for the script's /ip (or /ipv6) firewall filter rules, one nft rule per RouterOS rule.

    RouterOS packet-size is the whole IP packet; nft ``ip length`` is too, ``ip6 length`` excludes the
    40-byte IPv6 header.
    """
    saddr, family, addr_type = ("ip6 saddr", "ip6", "ipv6_addr") if ipv6 else ("ip saddr", "ip", "ipv4_addr")
    rules = parse_rules(script, "/ipv6 firewall filter" if ipv6 else "/ip firewall filter")
    sets: dict[str, str] = {}
    out: list[str] = []
    for rule in rules:
        assert rule.pop("chain") == b"input"
        action = rule.pop("action").decode()
        comment = rule.pop("comment").decode()
        parts: list[str] = []
        if "src-address-list" in rule:
            parts.append(f"{saddr} @{set_name(rule.pop('src-address-list'))}")
        proto = rule.pop("protocol", b"").decode()
        ports = rule.pop("dst-port", b"").decode()
        if proto in ("tcp", "udp"):
            parts.append(f"{proto} dport {{ {ports} }}")
        if rule.pop("tcp-flags", None) is not None:
            parts.append("tcp flags & (syn|ack) == syn")
        if proto == "icmp":
            assert rule.pop("icmp-options") == b"8:0"
            parts.append("icmp type echo-request")
        if proto == "icmpv6":
            assert rule.pop("icmp-options") == b"128:0"
            parts.append("icmpv6 type echo-request")
        if "packet-size" in rule:
            size = int(rule.pop("packet-size"))
            parts.append(f"ip6 length {size - 40}" if ipv6 else f"ip length {size}")
        if "content" in rule:
            data = rule.pop("content")
            parts.append(f"@th,64,{len(data) * 8} 0x{data.hex()}")  # after the 8-byte UDP / ICMP echo header
        if action == "add-src-to-address-list":
            name = set_name(rule.pop("address-list"))
            timeout = rule.pop("address-list-timeout").decode()
            sets[name] = timeout
            parts.append(f"counter update @{name} {{ {saddr} timeout {timeout} }}")
        elif action in ("accept", "drop"):
            parts.append(f"counter {action}")
        else:
            raise AssertionError(f"unexpected action {action}")
        assert not rule, f"untranslated RouterOS parameters: {sorted(rule)}"
        out.append(" ".join(parts) + f' comment "{comment[:60]}"')
    lines = [f"table {family} rosknock {{"]
    lines += [f"  set {n} {{ type {addr_type}; flags dynamic, timeout; timeout {t}; }}" for n, t in sets.items()]
    lines += ["  chain input {", "    type filter hook input priority filter; policy accept;"]
    lines += [f"    {rule}" for rule in out]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


# ----- knocks are sent with the engine (one SYN, one datagram, one echo per step) -----


def send_knock(address: str, sequence: Sequence) -> None:
    from knockgui.core.knock import knock

    assert_test_address(address)
    result = knock(address, sequence.with_delay(20))  # an IPv6 address knocks over IPv6
    assert result.steps_sent == len(sequence.steps)


# ----- tests -----


def test_script_shape_follows_the_seed() -> None:
    seq = parse_sequence("1337:tcp 17954:udp")
    script = routeros_script(Router("Office", "10.0.0.1"), seq)
    rules = parse_rules(script)
    assert [r["action"] for r in rules] == [b"add-src-to-address-list"] * 2 + [b"accept", b"drop"]
    assert rules[0]["address-list-timeout"] == b"15s" and rules[1]["address-list-timeout"] == b"3h"
    assert rules[1]["src-address-list"] == rules[0]["address-list"]
    assert rules[2]["src-address-list"] == rules[1]["address-list"] and rules[2]["dst-port"] == b"8291"
    assert "place-before" in script and "RULE ORDER MATTERS" in script
    assert "/ipv6" not in script


def test_icmp_payload_webfig_ipv6_and_drop_all() -> None:
    seq = parse_sequence("icmp:128 40000:udp:0x00ff22")
    web = (ServiceSpec(Service.WEBFIG), ServiceSpec(Service.WEBFIG_HTTPS))
    router = Router("Web", "10.0.0.1", services=web)
    script = routeros_script(router, seq, ScriptOptions(ipv6=True, drop="all", final_timeout="1d"))
    v4 = parse_rules(script)
    assert v4[0]["packet-size"] == b"128" and v4[0]["protocol"] == b"icmp"
    assert v4[1]["content"] == b"\x00\xff\x22"
    assert v4[2]["dst-port"] == b"80,443"
    assert set(v4[3]) == {"chain", "action", "comment"}
    v6 = parse_rules(script, "/ipv6 firewall filter")
    assert v6[0]["protocol"] == b"icmpv6" and v6[0]["packet-size"] == b"148"


def test_hostile_name_cannot_inject_commands() -> None:
    router = Router('x" ; /system reset-configuration ; $y', "10.0.0.1")
    script = routeros_script(router, parse_sequence("2345:tcp"))
    assert "\n/system" not in script and '" ;' not in script
    assert quote('a"b$c\\d\n') == '"a\\22b\\24c\\5Cd\\0A"'


def test_bad_options_refused() -> None:
    seq = parse_sequence("2345:tcp")
    for opts in (ScriptOptions(list_prefix="bad name"), ScriptOptions(stage_timeout="soon"), ScriptOptions(drop="x")):
        with pytest.raises(InputError):
            routeros_script(Router("R", "10.0.0.1"), seq, opts)


def test_generated_sequences_avoid_scanned_ports_and_repeats() -> None:
    for _ in range(300):
        seq = generate_sequence(4)
        ports = [s.port for s in seq.steps]
        assert len(set(ports)) == 4
        assert all(p >= 1024 and p not in AVOID_PORTS for p in ports)
        assert {s.protocol for s in seq.steps} <= {Protocol.TCP, Protocol.UDP}
    assert {generate_sequence(1).steps[0].protocol for _ in range(100)} == {Protocol.TCP, Protocol.UDP}
    assert len({generate_sequence(3).steps for _ in range(50)}) == 50
    with pytest.raises(InputError):
        generate_sequence(0)


@pytest.mark.root
@pytest.mark.parametrize("text", ["1337:tcp 17954:udp", "23456:udp:open-sesame 34567:tcp icmp:128", "generated"])
def test_translated_script_opens_namespace_router(netns_router: Callable[..., NamespaceRouter], text: str) -> None:
    seq = generate_sequence(3) if text == "generated" else parse_sequence(text)
    script = routeros_script(Router("Lab", "10.0.0.1"), seq, ScriptOptions(stage_timeout="10s"))
    ns = netns_router(translate(script), ports=(8291,))
    assert not ns.is_open(8291, timeout=0.25)
    # wrong sequences: each step altered in turn (first to last, since like RouterOS the lists do not
    # reset on a wrong knock), then all steps but the last; the port must stay closed each time.
    for i in range(len(seq.steps)):
        send_knock(ns.router4, Sequence(tuple(altered(s) if j == i else s for j, s in enumerate(seq.steps))))
        assert not ns.is_open(8291, timeout=0.25), f"opened with step {i + 1} wrong"
    send_knock(ns.router4, Sequence(seq.steps[:-1]))
    assert not ns.is_open(8291, timeout=0.25)
    send_knock(ns.router4, seq)
    assert ns.is_open(8291)


def altered(step: Step) -> Step:
    """The step with one thing wrong: port + 1, ICMP size + 1, or the payload's last byte changed."""
    if step.payload:
        return replace(step, payload=step.payload[:-1] + bytes([step.payload[-1] ^ 1]))
    if step.protocol is Protocol.ICMP:
        return replace(step, size=step.size + 1)
    return replace(step, port=step.port + 1 if step.port < 65535 else 1024)


@pytest.mark.root
def test_translated_ipv6_script_opens_namespace_router_over_ipv6(netns_router: Callable[..., NamespaceRouter]) -> None:
    seq = parse_sequence("23456:udp:open 34567:tcp icmp:128")
    script = routeros_script(Router("Lab", "fd4b::1"), seq, ScriptOptions(stage_timeout="10s", ipv6=True))
    ns = netns_router(translate(script, ipv6=True), ports=(8291,))
    assert not ns.is_open(8291, socket.AF_INET6, timeout=0.25)
    for i in range(len(seq.steps)):
        send_knock(ns.router6, Sequence(tuple(altered(s) if j == i else s for j, s in enumerate(seq.steps))))
        assert not ns.is_open(8291, socket.AF_INET6, timeout=0.25), f"opened with step {i + 1} wrong"
    send_knock(ns.router6, seq)
    assert ns.is_open(8291, socket.AF_INET6)
