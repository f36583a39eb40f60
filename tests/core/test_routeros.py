"""The RouterOS script: its layout, its values (fuzzed and parsed back), and every line it can emit
checked against RouterOS 7.22.3's own command schema. The firewall behaviour is in test_routeros_firewall."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knockgui.core.errors import InputError
from knockgui.core.generate import AVOID_PORTS, generate_sequence
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.routeros import ScriptOptions, quote, removal_script, routeros_script, script_warnings
from knockgui.core.routeros_values import MAX_DURATION_S, format_duration
from knockgui.core.sequence import Protocol, Sequence, Step, parse_sequence
from tests.testbed.ros2nft import Command, check_schema, load_schema, parse_script, unquote

SCHEMA = load_schema()
TECHNICIAN_LINE = (
    "# /ip firewall address-list add ",
    "# /ipv6 firewall address-list add ",
)  # the commented "fill in your address" line, checked as if uncommented


def filter_rules(script: str, menu: str = "/ip firewall filter") -> list[dict[str, bytes]]:
    return [c.attrs for c in parse_script(script) if c.menu == menu and c.verb == "add"]


# ----- hypothesis strategies: every input that reaches the script -----

ports = st.integers(1, 65535)
few_ports = st.sampled_from([1337, 1338, 17954, 8291, 22, 40000, 65535, 1])  # repeats are likely


@st.composite
def steps(draw: st.DrawFn) -> Step:
    kind = draw(st.sampled_from(list(Protocol)))
    delay = draw(st.none() | st.integers(0, 60_000))
    port = draw(few_ports | ports)
    if kind is Protocol.TCP:
        return Step(kind, port=port, delay_ms=delay)
    payload = draw(st.binary(max_size=24))
    if kind is Protocol.UDP:
        return Step(kind, port=port, payload=payload, delay_ms=delay)
    size = draw(st.integers(28 + len(payload), 1500))
    return Step(kind, size=size, payload=payload, delay_ms=delay)


sequences = st.lists(steps(), min_size=1, max_size=8).map(lambda s: Sequence(tuple(s)))
durations = st.integers(1, MAX_DURATION_S).flatmap(
    lambda s: st.sampled_from(
        [format_duration(s), f"{s}s"] + ([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"] if s < 360000 else [])
    )
)
hosts = st.sampled_from(["10.0.0.1", "192.0.2.7", "fd4b::1", "2001:db8::7", "router.example.net", "[2001:db8::8]"])
services = st.lists(
    st.builds(ServiceSpec, st.sampled_from([s for s in Service if s is not Service.CUSTOM]), st.none() | ports),
    min_size=1,
    max_size=4,
)
routers = st.builds(
    Router,
    name=st.text(max_size=40),
    host=hosts,
    services=services.map(tuple),
    final_timeout_s=st.integers(60, 7 * 86400),
)


@st.composite
def options(draw: st.DrawFn, router: Router) -> ScriptOptions:
    family = draw(st.sampled_from(["auto", "ipv4", "ipv6", "both"]))
    menus = family_menus(router, family)
    place = draw(st.none() | st.integers(0, 100_000)) if len(menus) == 1 else None
    mine = ""
    if draw(st.booleans()):
        version = 6 if "ipv6" in menus and ("ip" not in menus or draw(st.booleans())) else 4
        net = draw(st.ip_addresses(v=version))
        mine = (
            str(net)
            if draw(st.booleans())
            else str(ipaddress.ip_network(f"{net}/{net.max_prefixlen - 8}", strict=False))
        )
    return ScriptOptions(
        list_prefix=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,40}", fullmatch=True)),
        stage_timeout=draw(durations),
        final_timeout=draw(st.just("") | durations),
        drop=draw(st.sampled_from(["management", "all"])),
        family=family,
        my_address=mine,
        guard=draw(st.booleans()),
        guard_timeout=draw(durations),
        place_before=place,
    )


def family_menus(router: Router, family: str) -> list[str]:
    if family == "auto":
        return ["ipv6"] if ":" in router.host else ["ip"]
    return {"ipv4": ["ip"], "ipv6": ["ipv6"], "both": ["ip", "ipv6"]}[family]


# ----- tests -----


def test_stages_are_emitted_last_first_after_accept_established() -> None:
    seq = parse_sequence("1337:tcp 1337:tcp 17954:udp")
    rules = filter_rules(routeros_script(Router("Office", "10.0.0.1"), seq))
    assert rules[0]["action"] == b"accept" and rules[0]["connection-state"] == b"established,related"
    stages = [r for r in rules if r["action"] == b"add-src-to-address-list"]
    assert [r["comment"] for r in stages] == [
        b"knockgui: knock 3 of 3 - OK",
        b"knockgui: knock 2 of 3",
        b"knockgui: knock 1 of 3",
    ]
    assert stages[0]["src-address-list"] == b"knockgui-stage2" and stages[0]["address-list"] == b"knockgui-safe"
    assert stages[1]["src-address-list"] == b"knockgui-stage1" and stages[1]["address-list"] == b"knockgui-stage2"
    assert "src-address-list" not in stages[2] and stages[2]["address-list-timeout"] == b"15s"
    assert [r["action"] for r in rules[-2:]] == [b"accept", b"drop"] and rules[-1]["dst-port"] == b"8291"


def test_drop_all_keeps_established_sessions_and_ipv6_keeps_neighbour_discovery() -> None:
    script = routeros_script(
        Router("Web", "10.0.0.1", services=(ServiceSpec(Service.WEBFIG), ServiceSpec(Service.WEBFIG_HTTPS))),
        parse_sequence("icmp:128 40000:udp:0x00ff22"),
        ScriptOptions(drop="all", family="both"),
    )
    v4, v6 = filter_rules(script), filter_rules(script, "/ipv6 firewall filter")
    for rules in (v4, v6):
        first_drop = next(i for i, r in enumerate(rules) if r["action"] == b"drop")
        assert rules[0]["connection-state"] == b"established,related" and first_drop > 0
        assert set(rules[-1]) == {"chain", "action", "comment"}
    assert v4[2]["packet-size"] == b"128" and v6[2]["packet-size"] == b"148" and v6[2]["protocol"] == b"icmpv6"
    assert v4[1]["content"] == b"\x00\xff\x22" and v4[-2]["dst-port"] == b"80,443"
    assert any(r.get("protocol") == b"icmpv6" and r["action"] == b"accept" for r in v6)


def test_ipv6_host_gets_ipv6_rules_by_itself() -> None:
    seq = parse_sequence("2345:tcp")
    assert "/ipv6 firewall filter" in routeros_script(Router("R", "2001:db8::1"), seq)
    assert "/ip firewall filter" not in routeros_script(Router("R", "2001:db8::1"), seq)
    v4 = routeros_script(Router("R", "192.0.2.1"), seq)
    assert "/ipv6" not in v4.replace("# /ipv6", "")
    both = routeros_script(Router("R", "192.0.2.1"), seq, ScriptOptions(family="both"))
    assert "\n/ip firewall filter\n" in both and "\n/ipv6 firewall filter\n" in both


def test_every_service_of_the_router_is_accepted_and_the_final_timeout_is_the_routers() -> None:
    services = (ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, 2222), ServiceSpec(Service.API_SSL))
    router = Router("R", "192.0.2.1", services=services, final_timeout_s=5400)
    rules = filter_rules(routeros_script(router, parse_sequence("2345:tcp")))
    assert rules[-2]["dst-port"] == rules[-1]["dst-port"] == b"2222,8291,8729"
    assert rules[-2]["action"] == b"accept" and rules[-1]["action"] == b"drop"
    assert rules[1]["address-list-timeout"] == b"1h30m"
    assert b"Winbox, SSH" in rules[-1]["comment"]
    opts = ScriptOptions(final_timeout="1d")
    assert filter_rules(routeros_script(router, parse_sequence("2345:tcp"), opts))[1]["address-list-timeout"] == b"1d"


def test_management_ports_come_from_the_caller() -> None:
    script = routeros_script(Router("R", "192.0.2.1"), parse_sequence("2345:tcp"), ports=[8291, 22, 22, 443])
    rules = filter_rules(script)
    assert rules[-2]["dst-port"] == rules[-1]["dst-port"] == b"22,443,8291"
    with pytest.raises(InputError):
        routeros_script(Router("R", "192.0.2.1"), parse_sequence("2345:tcp"), ports=[0])


def test_the_technicians_address_is_the_first_command_and_removal_takes_exactly_what_was_added() -> None:
    router, seq = Router("R", "192.0.2.1"), parse_sequence("2345:tcp 3456:udp")
    opts = ScriptOptions(my_address="198.51.100.7", guard=True)
    commands = parse_script(routeros_script(router, seq, opts))
    assert commands[0].menu == "/ip firewall address-list"
    assert commands[0].attrs["address"] == b"198.51.100.7" and commands[0].attrs["list"] == b"knockgui-safe"
    marked = routeros_script(router, seq)
    assert "FILL IN" in marked and parse_script(marked)[0].menu == "/ip firewall filter"
    assert parse_script(marked, uncomment=TECHNICIAN_LINE)[0].menu == "/ip firewall address-list"
    assert_removal_matches(router, seq, opts, commands)
    with pytest.raises(InputError, match="IPv6"):
        routeros_script(router, seq, ScriptOptions(my_address="2001:db8::5"))


def assert_removal_matches(router: Router, seq: Sequence, opts: ScriptOptions, commands: list[Command]) -> None:
    removal = parse_script(removal_script(router, seq, opts))
    for menu in {c.menu.split(" ")[0] for c in commands}:
        added = {c.attrs["comment"] for c in commands if c.menu == f"{menu} firewall filter"}
        removed = {c.where["comment"] for c in removal if c.menu == f"{menu} firewall filter"}
        assert removed == added and len(added) == sum(c.menu == f"{menu} firewall filter" for c in commands)
        lists = {
            c.attrs[k]
            for c in commands
            if c.menu.startswith(menu + " ")
            for k in ("list", "address-list", "src-address-list")
            if k in c.attrs
        }
        assert {c.where["list"] for c in removal if c.menu == f"{menu} firewall address-list"} == lists


def test_a_wait_longer_than_the_stage_timeout_is_a_sentence() -> None:
    router = Router("R", "192.0.2.1")
    seq = parse_sequence("1337 wait:20000 17954:udp")
    (warning,) = script_warnings(router, seq)
    assert "knock step 1 (20 s)" in warning and "can never open" in warning and "1337" not in warning
    assert script_warnings(router, seq, ScriptOptions(stage_timeout="30s")) == []
    assert script_warnings(Router("R", "192.0.2.1", delay_ms=15000), parse_sequence("1 2")) != []
    assert script_warnings(router, parse_sequence("1 2"), default_delay_ms=16000) != []
    assert script_warnings(router, parse_sequence("1 2")) == []
    assert "IPv6" in script_warnings(Router("R", "router.example.net"), parse_sequence("1"))[0]


def test_hostile_name_cannot_inject_commands() -> None:
    router = Router('x" ; /system reset-configuration ; $y\n/system reboot\\', "10.0.0.1")
    script = routeros_script(router, parse_sequence("2345:tcp"))
    assert "\n/system" not in script and '" ;' not in script
    parse_script(script)  # nothing but comments and the firewall menus
    assert quote('a"b$c\\d\n') == '"a\\22b\\24c\\5Cd\\0A"'


@pytest.mark.parametrize(
    "opts",
    [
        ScriptOptions(final_timeout="3h\n"),  # issue 16: split the last rule, adding every source to safe
        ScriptOptions(final_timeout="3h\nadd chain=input action=add-src-to-address-list address-list=knockgui-safe"),
        ScriptOptions(stage_timeout="15s;/system reset-configuration"),
        ScriptOptions(stage_timeout="soon"),
        ScriptOptions(stage_timeout="0s"),
        ScriptOptions(guard_timeout="36w"),
        ScriptOptions(stage_timeout="١٥s"),
        ScriptOptions(list_prefix="bad name"),
        ScriptOptions(list_prefix="knock\n"),
        ScriptOptions(drop="x"),
        ScriptOptions(family="ipx"),
        ScriptOptions(my_address="192.0.2.1\n/system reboot"),
        ScriptOptions(my_address="fe80::1%eth0"),
        ScriptOptions(place_before=-1),
        ScriptOptions(place_before=3, family="both"),  # one number cannot be right in two filter lists
    ],
)
def test_bad_values_are_refused(opts: ScriptOptions) -> None:
    with pytest.raises(InputError):
        routeros_script(Router("R", "10.0.0.1"), parse_sequence("2345:tcp"), opts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.text(max_size=30) | st.sampled_from(["3h\n", "1d\r", "15s ", " 15s", "1h1h", "99999999w"]),
    which=st.sampled_from(["stage_timeout", "final_timeout", "guard_timeout", "list_prefix", "my_address"]),
)
def test_fuzzed_values_are_refused_or_come_back_unchanged(value: str, which: str) -> None:
    """Issue 16: each value that enters the script is refused with a sentence or written so that the
    script parses back to the same commands with that value in its place."""
    if which == "my_address" and not value:
        value = "-"
    opts = ScriptOptions(guard=True, **{which: value})  # type: ignore[arg-type]
    try:
        script = routeros_script(Router("R", "10.0.0.1"), parse_sequence("2345:tcp 3456:udp"), opts)
    except InputError as exc:
        assert exc.message.endswith(".") and "\n" not in exc.message
        return
    commands = parse_script(script)
    assert len([c for c in commands if c.menu == "/ip firewall filter"]) == 1 + 2 + 1 + 2 + 2
    if which == "list_prefix":
        assert all(c.attrs["comment"].startswith(value.encode() + b": ") for c in commands)
    elif which == "my_address":
        assert value, "an empty address leaves the marked line"
        net = ipaddress.ip_network(value.strip())
        assert commands[0].attrs["address"].decode() == (
            str(net.network_address) if net.num_addresses == 1 else str(net)
        )
    else:
        attr = {"stage_timeout": "knock 1 of 2", "final_timeout": "knock 2 of 2 - OK", "guard_timeout": "guard"}[which]
        rule = next(c for c in commands if attr in c.attrs.get("comment", b"").decode())
        assert re.fullmatch(r"(\d+[wdhms])+", rule.attrs["address-list-timeout"].decode())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), router=routers, seq=sequences, mgmt=st.none() | st.lists(ports, min_size=1, max_size=6))
def test_every_line_the_generator_can_emit_is_valid_routeros(
    data: st.DataObject, router: Router, seq: Sequence, mgmt: list[int] | None
) -> None:
    opts = data.draw(options(router))
    script = routeros_script(router, seq, opts, ports=mgmt)
    removal = removal_script(router, seq, opts)
    commands = parse_script(script, uncomment=TECHNICIAN_LINE)
    ip_only_actions = set(SCHEMA["ip"]["firewall"]["filter"]["add"]["action"]["_completion"]) - set(
        SCHEMA["ipv6"]["firewall"]["filter"]["add"]["action"]["_completion"]
    )
    assert ip_only_actions == {"tarpit"}
    for command in commands + parse_script(removal):
        check_schema(command, SCHEMA)
        if command.menu.startswith("/ipv6"):
            assert command.attrs.get("action", b"").decode() not in ip_only_actions
            assert command.attrs.get("protocol") != b"icmp"
    assert_parsed_back(router, seq, opts, commands)
    assert_removal_matches(router, seq, opts, [c for c in parse_script(script)])
    header = script.splitlines()[0]
    assert unquote('"' + header.split(": port knocking for ", 1)[1].rsplit(": ", 1)[0] + '"') == router.name.encode(
        "utf-8", "backslashreplace"
    )


def assert_parsed_back(router: Router, seq: Sequence, opts: ScriptOptions, commands: list[Command]) -> None:
    """The stage rules, read back from the text, are the sequence: same order (last first), same matches."""
    for menu in family_menus(router, opts.family):
        rules = [c.attrs for c in commands if c.menu == f"/{menu} firewall filter"]
        stages = [r for r in rules if b": knock " in r["comment"]][::-1]
        assert len(stages) == len(seq.steps)
        for i, (rule, step) in enumerate(zip(stages, seq.steps, strict=True), start=1):
            assert rule.get("src-address-list") == (f"{opts.list_prefix}-stage{i - 1}".encode() if i > 1 else None)
            if step.protocol is Protocol.ICMP:
                assert int(rule["packet-size"]) == step.size + (20 if menu == "ipv6" else 0)
            else:
                assert rule["protocol"] == step.protocol.value.encode() and int(rule["dst-port"]) == step.port
            assert rule.get("content", b"") == step.payload
        guards = len(seq.steps) > 1 and opts.guard
        extra = 3 if (menu == "ipv6" and opts.drop == "all") else 1
        assert len(rules) == 1 + len(seq.steps) + (1 + 2 * (len(seq.steps) - 1) if guards else 0) + 1 + extra
        for rule in rules:
            assert rule["comment"].startswith(opts.list_prefix.encode() + b": ")
            assert rule.get("place-before") == (None if opts.place_before is None else str(opts.place_before).encode())


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


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("/ipv6 firewall filter add chain=input action=tarpit protocol=tcp", "action=tarpit"),
        ("/ipv6 firewall filter add chain=input action=drop psd=21,3s,3,1", "no 'psd'"),
        ("/ip firewall filter add chain=input action=accept connection-state=establishd", "establishd"),
        ("/ip firewall filter add chain=inptu action=accept", "chain=inptu"),
        ("/ip firewall filter add chain=input action=drop src-list=x", "no 'src-list'"),
        ("/ip firewall filter add chain=input action=add-src-to-address-list address-list-timeout=36w", "outside"),
        ("/ip firewall address-list add list=x address=2001:db8::1", "is not what"),
        ('/ip firewall address-list remove [find where lst="x"]', "no property 'lst'"),
    ],
)
def test_the_schema_check_itself_catches_what_routeros_would_refuse(line: str, words: str) -> None:
    (command,) = parse_script(line)
    with pytest.raises(AssertionError, match=re.escape(words)):
        check_schema(command, SCHEMA)


@pytest.mark.parametrize(
    "text",
    ['/ip firewall filter\nadd chain=input comment="a"; /system reboot', "/system reset-configuration", "add x=1"],
)
def test_the_parser_refuses_what_knockgui_never_writes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_script(text)
