"""Links: good knockgui/winbox links parse; hostile ones are refused with one sentence; hosts resolve to routers."""

from __future__ import annotations

import pytest

from knockgui.core.errors import InputError, KnockguiError, NotFoundError
from knockgui.core.links import Action, Link, is_link, parse_link, resolve_link
from knockgui.core.model import Router, Service, ServiceSpec
from tests.testbed.routers import make_router

GOOD = [
    ("knockgui://connect/MikroTik-Office", Link(Action.CONNECT, name="MikroTik-Office")),
    ("knockgui://knock/MikroTik-Office", Link(Action.KNOCK, name="MikroTik-Office")),
    ("knockgui://connect/MikroTik-Office/", Link(Action.CONNECT, name="MikroTik-Office")),
    ("KNOCKGUI://Connect/Office", Link(Action.CONNECT, name="Office")),
    ("knockgui://connect/Main%20Office", Link(Action.CONNECT, name="Main Office")),
    ("knockgui://knock/B%C3%BCro%20(Wien)", Link(Action.KNOCK, name="Büro (Wien)")),
    ("  knockgui://connect/rtr1  ", Link(Action.CONNECT, name="rtr1")),
    ("winbox://10.0.0.1", Link(Action.CONNECT, host="10.0.0.1")),
    ("winbox://10.0.0.1/", Link(Action.CONNECT, host="10.0.0.1")),
    ("winbox://10.0.0.1:8292", Link(Action.CONNECT, host="10.0.0.1", port=8292)),
    ("WINBOX://Router.Example.NET", Link(Action.CONNECT, host="router.example.net")),
    ("winbox://router.example.net.:8291", Link(Action.CONNECT, host="router.example.net", port=8291)),
    ("winbox://[2001:db8::1]", Link(Action.CONNECT, host="2001:db8::1")),
    ("winbox://[2001:DB8:0::1]:8292", Link(Action.CONNECT, host="2001:db8::1", port=8292)),
]

HOSTILE = [
    ("", "empty"),
    ("   ", "empty"),
    ("http://10.0.0.1", "scheme 'http'"),
    ("file:///etc/passwd", "scheme 'file'"),
    ("javascript://alert(1)", "scheme 'javascript'"),
    ("knockgui:connect/x", "scheme://"),
    ("--connect=evil", "starts with '-'"),
    ("-winbox://10.0.0.1", "starts with '-'"),
    ("knockgui://connect/-rf", "starts with '-'"),
    ("knockgui://connect/%2Drf", "starts with '-'"),
    ("knockgui://connect/a;reboot", "shell metacharacters"),
    ("knockgui://connect/a|sh", "shell metacharacters"),
    ("knockgui://connect/$(id)", "shell metacharacters"),
    ("knockgui://connect/a%60id%60", "shell metacharacters"),
    ("knockgui://connect/a%26b", "shell metacharacters"),
    ("knockgui://connect/a%22b", "shell metacharacters"),
    ("winbox://10.0.0.1;reboot", "shell metacharacters"),
    ("winbox://$(id)", "shell metacharacters"),
    ("knockgui://connect/a\nb", "control"),
    ("knockgui://connect/a%0Ab", "control"),
    ("knockgui://connect/a%00b", "control"),
    ("knockgui://connect/a%E2%80%AEb", "invisible"),  # right-to-left override
    ("knockgui://connect/a\u200bb", "invisible"),
    ("winbox://10.0.0.1\r", "control"),
    ("knockgui://connect/a%252Fb", "twice"),
    ("knockgui://connect/a%2Fb", "'/'"),
    ("knockgui://connect/a%zz", "broken percent"),
    ("knockgui://connect/a%ff", "UTF-8"),
    ("winbox://10.0.0.%31", "percent-encoded"),
    ("knockgui://connect/" + "a" * 65, "longer than 64"),
    ("winbox://" + "a" * 600, "longer than 512"),
    ("knockgui://reboot/x", "neither 'connect' nor 'knock'"),
    ("knockgui://connect", "action and a router name"),
    ("knockgui://connect/", "action and a router name"),
    ("knockgui://connect/a/b", "action and a router name"),
    ("knockgui://connect/x?cmd=rm", "not service=KIND"),
    ("knockgui://connect/x?service=ssh&x=1", "not service=KIND"),
    ("knockgui://connect/x?service=SSH%20", "not service=KIND"),
    ("knockgui://connect/x?service=ssh:123456", "not service=KIND"),
    ("winbox://10.0.0.1?service=ssh", "winbox links do not take"),
    ("winbox://10.0.0.1#frag", "'#' part"),
    ("winbox://admin:secret@10.0.0.1", "user name or password"),
    ("winbox://10.0.0.1:http", "port is not a number"),
    ("winbox://10.0.0.1:0", "between 1 and 65535"),
    ("winbox://10.0.0.1:70000", "between 1 and 65535"),
    ("winbox://10.0.0.1:123456", "port is not a number"),
    ("winbox://2001:db8::1", "brackets"),
    ("winbox://[2001:db8::1", "closing ']'"),
    ("winbox://[not-v6]:8291", "IPv6 address is not valid"),
    ("winbox://[fe80::1%25eth0]", "percent-encoded"),
    ("winbox://", "no host"),
    ("winbox://10.0.0.1/path", "only a host"),
    ("winbox://-oProxyCommand=x", "starts with '-'"),
    ("winbox://bad_host-.example", "valid host name"),
    ("winbox://10.0.0.256", "valid host name"),
    ("winbox://exa mple", "valid host name"),
    ("winbox://b\u00fccher.example", "valid host name"),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_good_links_parse(text: str, expected: Link) -> None:
    assert parse_link(text) == expected
    assert is_link(text.strip())


@pytest.mark.parametrize(("text", "fragment"), HOSTILE)
def test_hostile_links_are_refused_with_one_sentence(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_link(text)
    message = str(info.value)
    assert fragment in message
    assert message.startswith("The link was refused because ") and message.endswith(".")
    assert message.count(". ") == 0 and "\n" not in message
    for hostile in ("reboot", "secret", "$(id)", "cmd=rm", "ProxyCommand", "\u202e", "\x00"):
        assert hostile not in message  # the refusal never echoes what it refused


def test_is_link_tells_links_from_names_and_options() -> None:
    assert is_link("winbox://10.0.0.1")
    assert not is_link("MikroTik-Office")
    assert not is_link("--knock")
    assert not is_link("C:\\Users\\x")


def test_describe() -> None:
    assert parse_link("knockgui://knock/Office").describe() == "knock on Office"
    assert parse_link("winbox://[2001:db8::1]:8292").describe() == "knock and connect to [2001:db8::1]:8292"


ROUTERS = [
    Router(name="MikroTik-Office", host="10.0.0.1"),
    make_router(name="Office-SSH", host="10.0.0.1", service=Service.SSH),
    make_router(name="Office-Alt", host="10.0.0.1", port=8292),
    Router(name="Branch", host="Branch.Example.net"),
    Router(name="V6", host="2001:db8:0:0::1"),
]


@pytest.mark.parametrize(
    ("text", "router", "launch"),
    [
        ("knockgui://connect/mikrotik-office", "MikroTik-Office", True),
        ("knockgui://knock/BRANCH", "Branch", False),
        ("winbox://10.0.0.1", "MikroTik-Office", True),
        ("winbox://10.0.0.1:8291", "MikroTik-Office", True),
        ("winbox://10.0.0.1:8292", "Office-Alt", True),
        ("winbox://10.0.0.1:22", "Office-SSH", True),
        ("winbox://branch.example.net", "Branch", True),
        ("winbox://[2001:db8::1]", "V6", True),
    ],
)
def test_links_resolve_to_inventory_routers(text: str, router: str, launch: bool) -> None:
    target = resolve_link(parse_link(text), ROUTERS)
    assert (target.router.name, target.launch) == (router, launch)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("knockgui://connect/Nowhere", "No router named 'Nowhere' is in the inventory"),
        ("winbox://10.0.0.9", "No router with the address 10.0.0.9 is in the inventory"),
        ("winbox://[2001:db8::9]:8291", "No router with the address [2001:db8::9] is in the inventory"),
    ],
)
def test_unknown_routers_are_refused_with_a_sentence(text: str, fragment: str) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve_link(parse_link(text), ROUTERS)
    assert fragment in str(info.value) and str(info.value).endswith(".")
    assert isinstance(info.value, KnockguiError) and info.value.exit_code == 2


def test_a_link_picks_one_of_the_routers_services() -> None:
    hq = Router("HQ", "10.0.0.9", services=(ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, 2222)))
    link = parse_link("knockgui://connect/HQ?service=ssh")
    assert link.service == "ssh"
    target = resolve_link(link, [hq])
    assert target.router is hq and hq.service_for(target.service).effective_port == 2222
    assert resolve_link(parse_link("knockgui://knock/hq?service=ssh:2222"), [hq]).service == "ssh:2222"
    with pytest.raises(NotFoundError, match="has no telnet service"):
        resolve_link(parse_link("knockgui://connect/HQ?service=telnet"), [hq])
    ssh_first = Router("S", "10.0.0.8", services=(ServiceSpec(Service.SSH), ServiceSpec(Service.WINBOX, 8292)))
    assert resolve_link(parse_link("winbox://10.0.0.8:8292"), [ssh_first]).service == "winbox:8292"
