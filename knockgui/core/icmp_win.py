"""ICMP knocks on Windows: ``IcmpSendEcho`` / ``Icmp6SendEcho2`` from iphlpapi.dll, through ctypes.

No administrator rights are needed. ``dll`` and ``get_last_error`` can be passed in, so the calls are
testable on any OS with a stand-in object; without them the real DLL is loaded (Windows only).
"""

from __future__ import annotations

import ctypes
import socket
from collections.abc import Callable
from typing import Any

from knockgui.core.errors import NetworkError, PermissionProblem

WINDOWS_WAIT_MS = 20  # IcmpSendEcho blocks for replies; a knock needs none, so wait as little as possible
WINDOWS_TIMED_OUT = 11010  # IP_REQ_TIMED_OUT: no reply, which is normal for a knock
WINDOWS_AF_INET6 = 23
INVALID_HANDLE = ctypes.c_void_p(-1).value


def _load_iphlpapi() -> tuple[Any, Callable[[], int]]:
    win_dll = getattr(ctypes, "WinDLL", None)
    if win_dll is None:
        raise PermissionProblem("The Windows ICMP service (iphlpapi.dll) is not available on this system.")
    try:
        dll = win_dll("iphlpapi.dll", use_last_error=True)
    except OSError:
        raise PermissionProblem(
            "The Windows ICMP service (iphlpapi.dll) could not be loaded: repair Windows networking."
        ) from None
    get_error: Callable[[], int] = getattr(ctypes, "get_last_error")  # noqa: B009 (Windows only)
    return dll, get_error


class _SockaddrIn6(ctypes.Structure):
    # Windows' ULONG is 32 bits (LLP64): c_uint32, not c_ulong, keeps the layout right on any build host.
    _fields_ = (
        ("sin6_family", ctypes.c_ushort),
        ("sin6_port", ctypes.c_ushort),
        ("sin6_flowinfo", ctypes.c_uint32),
        ("sin6_addr", ctypes.c_ubyte * 16),
        ("sin6_scope_id", ctypes.c_uint32),
    )


def _sockaddr_in6(address: str) -> _SockaddrIn6:
    text, _, scope = address.partition("%")
    out = _SockaddrIn6()
    out.sin6_family = WINDOWS_AF_INET6
    out.sin6_addr[:] = list(socket.inet_pton(socket.AF_INET6, text))
    out.sin6_scope_id = int(scope) if scope.isdigit() else 0
    return out


def _api(dll: Any, get_last_error: Callable[[], int] | None) -> tuple[Any, Callable[[], int]]:
    if dll is None:
        dll, loaded_error = _load_iphlpapi()
        get_last_error = get_last_error or loaded_error
    return dll, get_last_error or (lambda: 0)


def _open(dll: Any, v6: bool, last_error: Callable[[], int]) -> int:
    """An ICMP (or ICMPv6) handle; PermissionProblem naming the Windows error when there is none."""
    create = dll.Icmp6CreateFile if v6 else dll.IcmpCreateFile
    create.restype = ctypes.c_void_p
    handle = create()
    if handle in (None, 0, INVALID_HANDLE):
        code = last_error()
        if v6:
            raise PermissionProblem(
                f"Windows could not open its ICMPv6 service (error {code}): check that IPv6 is enabled, "
                "or knock this router over IPv4 (-4)."
            )
        raise PermissionProblem(
            f"Windows could not open its ICMP service (error {code}): check that ICMP is allowed or run "
            "knockgui as administrator."
        )
    return int(handle)


def check_available(v6: bool, dll: Any = None, get_last_error: Callable[[], int] | None = None) -> None:
    """Open and close an ICMP handle: raises PermissionProblem before any step is sent if none opens."""
    dll, last_error = _api(dll, get_last_error)
    dll.IcmpCloseHandle(ctypes.c_void_p(_open(dll, v6, last_error)))


def send_windows(v6: bool, address: str, payload: bytes, dll: Any, get_last_error: Callable[[], int] | None) -> None:
    dll, last_error = _api(dll, get_last_error)
    handle_type = ctypes.c_void_p
    handle = _open(dll, v6, last_error)
    request = ctypes.create_string_buffer(payload, len(payload)) if payload else ctypes.create_string_buffer(1)
    reply_size = len(payload) + 8 + 256  # an echo-reply structure, the data and an ICMP error
    reply = ctypes.create_string_buffer(reply_size)
    try:
        if v6:
            source = _SockaddrIn6()
            source.sin6_family = WINDOWS_AF_INET6
            dest = _sockaddr_in6(address)
            answers = dll.Icmp6SendEcho2(
                handle_type(handle), None, None, None, ctypes.byref(source), ctypes.byref(dest),
                request, len(payload), None, reply, reply_size, WINDOWS_WAIT_MS,
            )  # fmt: skip
        else:
            dest_v4 = ctypes.c_uint32(int.from_bytes(socket.inet_aton(address), "little"))
            answers = dll.IcmpSendEcho(
                handle_type(handle), dest_v4, request, len(payload), None, reply, reply_size, WINDOWS_WAIT_MS
            )
        if not answers:
            code = last_error()
            if code not in (0, WINDOWS_TIMED_OUT):
                raise NetworkError(
                    f"Windows could not send the ICMP knock to {address} (error {code}): "
                    "check your network connection and the address."
                )
    finally:
        dll.IcmpCloseHandle(handle_type(handle))
