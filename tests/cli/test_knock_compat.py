"""``knockgui-cli knock`` as a drop-in for zeroflux ``knock`` (Debian package knockd): the same argument
lists through both, and what arrives at a namespace router (protocol, port, payload, count, order)
must be the same. Also the places where the two differ on purpose: exit codes and messages."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, knock_ruleset
from tests.testbed.sniffer import Sniffer

# {4} / {6}: the router's IPv4 / IPv6 address.
ARGUMENT_LISTS = [
    ["{4}", "1337", "17954:udp", "8291:tcp"],
    ["-u", "{4}", "1000", "2000:tcp", "3000"],
    ["{4}", "1", "-u", "2"],  # an option after the ports applies to all of them, as getopt permutes
    ["-d", "30", "{4}", "7000", "7001:udp", "7002"],
    ["--udp", "--delay", "10", "{4}", "4000", "4001:tcp"],
    ["-v", "{4}", "5000", "-4"],
    ["-6", "{6}", "1337", "17954:udp"],
    ["--ipv6", "-v", "{6}", "40000:udp", "40001"],
    ["{4}", "22", "22", "22:udp", "22"],  # repeated hits stay separate hits
]


def run_both(argv: list[str], router: NamespaceRouter, sniffer: Sniffer) -> tuple[list[str], list[str]]:
    args = [a.replace("{4}", router.router4).replace("{6}", router.router6) for a in argv]
    family = socket.AF_INET6 if any("{6}" in a for a in argv) else socket.AF_INET
    theirs = subprocess.run(["knock", *args], capture_output=True, text=True, timeout=30)
    assert theirs.returncode == 0, theirs.stderr
    arrived_theirs = sniffer.mark(family)
    ours = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "knock", *args], capture_output=True, text=True, timeout=30
    )
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == ""
    return arrived_theirs, sniffer.mark(family)


@pytest.fixture
def sniffed(netns_router: Callable[..., NamespaceRouter]) -> tuple[NamespaceRouter, Sniffer]:
    need("" if shutil.which("knock") else "needs zeroflux knock (Debian package knockd)")
    router = netns_router(knock_ruleset([]), ports=())  # drops everything: no answer, no retransmission
    return router, Sniffer(router).start()


@pytest.mark.root
@pytest.mark.parametrize("argv", ARGUMENT_LISTS, ids=[" ".join(a) for a in ARGUMENT_LISTS])
def test_same_packets_as_zeroflux_knock(argv: list[str], sniffed: tuple[NamespaceRouter, Sniffer]) -> None:
    router, sniffer = sniffed
    theirs, ours = run_both(argv, router, sniffer)
    assert theirs, "zeroflux knock sent nothing that arrived"
    assert ours == theirs
    for line in ours:
        _ip, proto, _port, detail = line.split()
        assert detail == ("0x02" if proto == "tcp" else "00")  # one bare SYN; one NUL byte per datagram


@pytest.mark.root
def test_where_knockgui_differs_from_zeroflux_knock(sniffed: tuple[NamespaceRouter, Sniffer]) -> None:
    """zeroflux knock exits 1 for every failure and sends port 70000 as 4464; knockgui-cli refuses it
    (exit 2) before sending anything, and a name that does not resolve is exit 3 (a local problem)."""
    router, sniffer = sniffed
    theirs = subprocess.run(["knock", router.router4, "1", "70000"], capture_output=True, text=True)
    assert theirs.returncode == 0
    assert [line.split()[2] for line in sniffer.mark()] == ["1", "4464"]
    ours = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "knock", router.router4, "1", "70000"], capture_output=True, text=True
    )
    assert ours.returncode == 2 and "port must be 1-65535" in ours.stderr
    assert sniffer.mark() == []
    assert subprocess.run(["knock", "no-such.invalid", "1"], capture_output=True).returncode == 1
    unresolved = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "knock", "no-such.invalid", "1"], capture_output=True, text=True
    )
    assert unresolved.returncode == 3 and unresolved.stderr.count("\n") == 1
    assert subprocess.run(["knock"], capture_output=True).returncode == 1
    assert subprocess.run([sys.executable, "-m", "knockgui.cli", "knock"], capture_output=True).returncode == 2
