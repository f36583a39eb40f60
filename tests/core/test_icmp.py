"""ICMP knocks: the packet, the three ways to send it (ping socket, raw socket, Windows iphlpapi)."""

from __future__ import annotations

import ctypes
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knockgui.core.errors import NetworkError, PermissionProblem
from knockgui.core.icmp import checksum, echo_packet, permission_message, send_echo, usable_methods
from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, have_root_netns

ROOT = Path(__file__).resolve().parents[2]


def test_checksum_and_echo_packet() -> None:
    assert checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D  # RFC 1071 example, complemented
    packet = echo_packet(False, b"knock" * 3, ident=0x1234, seq=7)
    assert packet[0] == 8 and packet[4:8] == bytes.fromhex("12340007") and len(packet) == 8 + 15
    assert checksum(packet) == 0  # a valid checksum sums to zero
    six = echo_packet(True, b"x" * 100, ident=1, seq=1)
    assert six[0] == 128 and len(six) == 108


class FakeIphlpapi:
    """Stand-in for iphlpapi.dll (Windows only): records what knockgui asks of it."""

    def __init__(self, answers: int = 0, v6_handle: int | None = 0x66) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.answers = answers
        self.IcmpCreateFile = self._fn("IcmpCreateFile", 0x44)
        self.Icmp6CreateFile = self._fn("Icmp6CreateFile", v6_handle)  # None: INVALID_HANDLE_VALUE
        self.IcmpSendEcho = self._fn("IcmpSendEcho", None)
        self.Icmp6SendEcho2 = self._fn("Icmp6SendEcho2", None)
        self.IcmpCloseHandle = self._fn("IcmpCloseHandle", 1)

    def _fn(self, name: str, result: int | None) -> Any:
        fake = self

        class Function:
            restype: Any = None

            def __call__(self, *args: Any) -> int | None:
                fake.calls.append((name, args))
                if name.endswith("CreateFile"):
                    return result if result is not None else ctypes.c_void_p(-1).value
                return fake.answers if result is None else result

        return Function()

    def call(self, name: str) -> tuple[Any, ...]:
        return next(args for n, args in self.calls if n == name)


def test_windows_ipv4_uses_icmpsendecho_with_the_payload_and_closes() -> None:
    dll = FakeIphlpapi()
    way = send_echo(
        socket.AF_INET, ("192.0.2.7", 0), b"P" * 100, platform="win32", dll=dll, get_last_error=lambda: 11010
    )
    assert way == "iphlpapi"
    handle, dest, request, size, options, _reply, reply_size, wait = dll.call("IcmpSendEcho")
    assert handle.value == 0x44 and dest.value == int.from_bytes(bytes([192, 0, 2, 7]), "little")
    assert request.raw[:size] == b"P" * 100 and size == 100 and options is None
    assert reply_size >= 100 + 8 + 32 and wait <= 100
    assert [n for n, _ in dll.calls] == ["IcmpCreateFile", "IcmpSendEcho", "IcmpCloseHandle"]


def test_windows_ipv6_uses_icmp6sendecho2() -> None:
    dll = FakeIphlpapi()
    send_echo(socket.AF_INET6, ("fd4b::2", 0, 0, 0), b"v6", platform="win32", dll=dll, get_last_error=lambda: 0)
    args = dll.call("Icmp6SendEcho2")
    dest = ctypes.cast(args[5], ctypes.POINTER(ctypes.c_ubyte * 28)).contents
    assert bytes(dest)[:2] == (23).to_bytes(2, "little")  # AF_INET6 on Windows
    assert bytes(dest)[8:24] == socket.inet_pton(socket.AF_INET6, "fd4b::2")
    assert args[6].raw[:2] == b"v6" and args[7] == 2
    assert dll.calls[-1][0] == "IcmpCloseHandle"


def test_windows_send_failure_is_a_sentence() -> None:
    dll = FakeIphlpapi()
    with pytest.raises(NetworkError, match=r"error 11050\): check your network"):
        send_echo(socket.AF_INET, ("192.0.2.7", 0), b"", platform="win32", dll=dll, get_last_error=lambda: 11050)
    assert dll.calls[-1][0] == "IcmpCloseHandle"  # the handle is closed on failure too


def test_windows_checks_the_icmp_service_before_any_step() -> None:
    dll = FakeIphlpapi()
    assert usable_methods(socket.AF_INET, "win32", dll=dll, get_last_error=lambda: 0) == ("iphlpapi",)
    assert [n for n, _ in dll.calls] == ["IcmpCreateFile", "IcmpCloseHandle"]
    # Wine, for one, has no ICMPv6 service: Icmp6CreateFile fails with ERROR_NOT_SUPPORTED (50).
    no_v6 = FakeIphlpapi(v6_handle=None)
    with pytest.raises(PermissionProblem, match=r"ICMPv6 service \(error 50\): .*over IPv4"):
        usable_methods(socket.AF_INET6, "win32", dll=no_v6, get_last_error=lambda: 50)
    assert [n for n, _ in no_v6.calls] == ["Icmp6CreateFile"]


def test_no_allowed_way_names_the_fix() -> None:
    with pytest.raises(PermissionProblem, match="ping_group_range"):
        send_echo(socket.AF_INET, ("127.0.0.1", 0), b"", methods=())
    assert "administrator" in permission_message("win32") and "root" in permission_message("darwin")


SENDER = """
import socket, sys
from knockgui.core.icmp import send_echo
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
addr = (sys.argv[1], 0, 0, 0) if family == socket.AF_INET6 else (sys.argv[1], 0)
print(send_echo(family, addr, b"z" * int(sys.argv[2]), methods=tuple(sys.argv[3].split(","))))
"""

COUNTING_RULES = """
table inet count {
  chain out {
    type filter hook output priority filter; policy accept;
    icmp type echo-request ip length 128 counter comment "v4_128"
    icmpv6 type echo-request ip6 length 108 counter comment "v6_108"
  }
}
"""


@pytest.mark.root
@pytest.mark.parametrize(("way", "group_range"), [("dgram", "0 2147483647"), ("raw", "1 0")])
def test_each_way_sends_a_packet_of_the_right_size(way: str, group_range: str) -> None:
    """In a private namespace (its own ping_group_range): the echo to its loopback is counted by size."""
    need(have_root_netns())
    with NamespaceRouter(ports=()) as ns:
        ns.exec("sysctl", "-q", "-w", f"net.ipv4.ping_group_range={group_range}")
        ns.load_rules(COUNTING_RULES)
        for address in ("127.0.0.1", "::1"):
            out = ns.exec(sys.executable, "-c", SENDER, address, "100", way)
            assert out.strip() == way
        assert ns.counters() == {"v4_128": 1, "v6_108": 1}


@pytest.mark.root
def test_dgram_refused_falls_back_to_raw() -> None:
    need(have_root_netns())
    with NamespaceRouter(ports=()) as ns:
        proc = subprocess.run(
            ["ip", "netns", "exec", ns.name, sys.executable, "-c", SENDER, "127.0.0.1", "10", "dgram,raw"],
            capture_output=True, text=True, cwd=ROOT, timeout=30,
        )  # fmt: skip
        assert proc.stdout.strip() == "raw", proc.stderr  # ping_group_range is "1 0" in a new namespace
