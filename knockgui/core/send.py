"""Sending one knock step: exactly one TCP SYN, one UDP datagram, or one ICMP echo request.

TCP: a non-blocking ``connect()`` puts exactly one SYN on the wire; the socket is closed at once
(``SO_LINGER`` 0), so the kernel forgets the attempt and never retransmits the SYN (a duplicate SYN
makes knockd reset the sequence). No handshake is awaited. UDP: one datagram carrying the payload, or a
single NUL byte when there is none (as the zeroflux ``knock`` client does).
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys

from knockgui.core.address import Target
from knockgui.core.errors import NetworkError, PermissionProblem
from knockgui.core.icmp import send_echo
from knockgui.core.sequence import Protocol, Step

# connect() results that mean "the SYN is on its way" (Windows reports WSAEWOULDBLOCK / WSAEINPROGRESS).
IN_PROGRESS = frozenset({0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY, 10035, 10036, 10037})
# ... or that the router already answered (a refused SYN was still sent).
ANSWERED = frozenset({errno.ECONNREFUSED, errno.ECONNRESET, errno.EISCONN, 10061, 10054, 10056})
# struct linger: two ints on POSIX, two u_shorts on Windows; {on, 0 s}: close() discards, never lingers.
NO_LINGER = struct.pack("HH", 1, 0) if sys.platform == "win32" else struct.pack("ii", 1, 0)


def _step_error(index: int, total: int, step: Step, target: Target, code: int) -> NetworkError | PermissionProblem:
    reason = os.strerror(code) if code else "unknown error"
    if code in (errno.EACCES, errno.EPERM):
        return PermissionProblem(
            f"Knock step {index} of {total} ({step.protocol.value}) to {target.address} was refused by this "
            f"computer ({reason}): check the local firewall."
        )
    return NetworkError(
        f"Knock step {index} of {total} ({step.protocol.value}) could not be sent to {target.address} "
        f"({reason}): check your network connection and the address."
    )


def send_tcp_syn(target: Target, port: int) -> int:
    """Send one SYN; return the connect() result code (0 or an in-progress code when sent)."""
    sock = socket.socket(target.family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, NO_LINGER)
        sock.setblocking(False)
        return sock.connect_ex(target.with_port(port))
    finally:
        sock.close()


def send_udp(target: Target, port: int, payload: bytes) -> None:
    with socket.socket(target.family, socket.SOCK_DGRAM) as sock:
        sock.sendto(payload or b"\x00", target.with_port(port))


def send_step(
    step: Step,
    target: Target,
    index: int,
    total: int,
    platform: str = sys.platform,
    icmp_methods: tuple[str, ...] = ("dgram", "raw"),
) -> None:
    """Send step ``index`` (1-based) of ``total``; a failure raises NetworkError/PermissionProblem
    naming the step's number and protocol, never its port or payload. ``icmp_methods``: see
    :func:`knockgui.core.icmp.usable_methods`."""
    try:
        if step.protocol is Protocol.TCP:
            code = send_tcp_syn(target, step.port)
            if code not in IN_PROGRESS and code not in ANSWERED:
                raise _step_error(index, total, step, target, code)
        elif step.protocol is Protocol.UDP:
            send_udp(target, step.port, step.payload)
        else:
            payload = step.icmp_payload()
            send_echo(target.family, target.sockaddr, payload, seq=index, platform=platform, methods=icmp_methods)
    except OSError as exc:
        raise _step_error(index, total, step, target, exc.errno or 0) from None
