"""Sending one ICMP echo request (an ICMP knock) without waiting for a reply.

Sizes: a step's ``size`` is the whole IPv4 packet as RouterOS ``packet-size`` counts it, so the echo
payload is ``size - 28`` (20 IP + 8 ICMP). Over IPv6 the same echo payload is sent (ICMPv6 echo,
``size - 28`` bytes of data), so one sequence works for both families: the IPv6 packet is then 20 bytes
longer (``size + 20`` in all; its IPv6 payload-length field, nftables ``ip6 length``, is ``size - 20``).
A router's IPv6 rule that counts whole packets must therefore use ``size + 20``.

Ways to send, tried in order:

* Linux / macOS: the unprivileged ICMP socket (``SOCK_DGRAM, IPPROTO_ICMP``; on Linux allowed by
  ``net.ipv4.ping_group_range``), then a raw socket (root / administrator), else
  :class:`PermissionProblem` saying what to change.
* Windows: ``IcmpSendEcho`` / ``Icmp6SendEcho2`` from iphlpapi.dll (no administrator rights needed).
  ``platform`` and ``dll`` are parameters so this path is testable anywhere with a stand-in DLL
  (the ctypes code lives in icmp_win.py, imported only on that path).
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

from knockgui.core.errors import NetworkError, PermissionProblem

ECHO_REQUEST_V4 = 8
ECHO_REQUEST_V6 = 128

_DENIED = (errno.EACCES, errno.EPERM)
_UNSUPPORTED = (errno.EPROTONOSUPPORT, errno.EAFNOSUPPORT, errno.ESOCKTNOSUPPORT, errno.EINVAL)


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


def echo_packet(v6: bool, payload: bytes, ident: int, seq: int) -> bytes:
    """An echo request. IPv4: with its checksum; IPv6: checksum 0 (the kernel fills it in)."""
    kind = ECHO_REQUEST_V6 if v6 else ECHO_REQUEST_V4
    header = struct.pack("!BBHHH", kind, 0, 0, ident & 0xFFFF, seq & 0xFFFF)
    if v6:
        return header + payload
    csum = checksum(header + payload)
    return struct.pack("!BBHHH", kind, 0, csum, ident & 0xFFFF, seq & 0xFFFF) + payload


def permission_message(platform: str = sys.platform) -> str:
    if platform.startswith("linux"):
        return (
            "This computer does not allow sending ICMP knocks: allow ping sockets for your group with "
            "'sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"' (add it to /etc/sysctl.d to keep it) "
            "or run knockgui as root."
        )
    if platform == "win32":
        return "Windows refused to send the ICMP knock: check that ICMP is allowed or run knockgui as administrator."
    return "This computer does not allow sending ICMP knocks: run knockgui as root (administrator)."


def _send_error(address: str, exc: OSError) -> NetworkError:
    reason = exc.strerror or str(exc)
    return NetworkError(
        f"The ICMP knock could not be sent to {address} ({reason}): check your network connection and the address."
    )


def _try_socket(family: int, kind: int, v6: bool, sockaddr: tuple[Any, ...], payload: bytes, seq: int) -> bool:
    """Send through one socket type; False when the OS does not allow this type (try the next)."""
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    try:
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        if exc.errno in _DENIED or exc.errno in _UNSUPPORTED:
            return False
        raise _send_error(str(sockaddr[0]), exc) from None
    with sock:
        # The kernel sets the identifier of an unprivileged ICMP socket; a raw one carries ours, a new one
        # for every echo: with the same identifier, a repeated knock would belong to the connection
        # tracker's entry of the last one, and a router's "accept established" rule above the knock rules
        # (RouterOS's defconf has one first) would take it before the knock rule could count it.
        packet = echo_packet(v6, payload, int.from_bytes(os.urandom(2), "big"), seq)
        try:
            sock.sendto(packet, sockaddr)
        except OSError as exc:
            if exc.errno in _DENIED and kind == socket.SOCK_DGRAM:
                return False
            raise _send_error(str(sockaddr[0]), exc) from None
    return True


def usable_methods(
    family: int,
    platform: str = sys.platform,
    methods: tuple[str, ...] = ("dgram", "raw"),
    *,
    dll: Any = None,
    get_last_error: Callable[[], int] | None = None,
) -> tuple[str, ...]:
    """The ways to send an echo that this process may use now (opening and closing a socket of each
    kind), best first; raises PermissionProblem, saying what to change, when there is none. The knock
    engine asks this before sending a sequence with an ICMP step, so it never stops half-way through."""
    v6 = family == socket.AF_INET6
    if platform == "win32":
        from knockgui.core.icmp_win import check_available

        check_available(v6, dll, get_last_error)
        return ("iphlpapi",)
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    kinds = {"dgram": socket.SOCK_DGRAM, "raw": socket.SOCK_RAW}
    usable = []
    for method in methods:
        try:
            socket.socket(family, kinds[method], proto).close()
        except OSError as exc:
            if exc.errno in _DENIED or exc.errno in _UNSUPPORTED:
                continue
            raise NetworkError(
                f"No ICMP socket could be opened ({exc.strerror or exc}): close some programs and try again."
            ) from None
        usable.append(method)
    if not usable:
        raise PermissionProblem(permission_message(platform))
    return tuple(usable)


def send_echo(
    family: int,
    sockaddr: tuple[Any, ...],
    payload: bytes,
    seq: int = 1,
    *,
    platform: str = sys.platform,
    dll: Any = None,
    get_last_error: Callable[[], int] | None = None,
    methods: tuple[str, ...] = ("dgram", "raw"),
) -> str:
    """Send one echo request carrying ``payload`` to ``sockaddr``; return the way used ("dgram", "raw",
    "iphlpapi"). Raises PermissionProblem when no way is allowed, NetworkError when sending failed."""
    v6 = family == socket.AF_INET6
    if platform == "win32":
        from knockgui.core.icmp_win import send_windows  # ctypes only where it is needed

        send_windows(v6, str(sockaddr[0]), payload, dll, get_last_error)
        return "iphlpapi"
    kinds = {"dgram": socket.SOCK_DGRAM, "raw": socket.SOCK_RAW}
    for method in methods:
        if _try_socket(family, kinds[method], v6, sockaddr, payload, seq):
            return method
    raise PermissionProblem(permission_message(platform))
