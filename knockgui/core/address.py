"""Resolving a router's host once: a DNS name, an IPv4 address or an IPv6 literal (optionally in brackets).

Every knock step and the port check go to the one address resolved here, so a round-robin name or a
dual-stack host never splits a sequence across two addresses.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from knockgui.core.errors import CancelledError, InputError, ResolveError

CANCEL_POLL_S = 0.05  # how often a waiting resolve looks at the cancel event


class Family(StrEnum):
    """Which IP family to use: whatever the resolver prefers, or forced IPv4 / IPv6."""

    ANY = "any"
    V4 = "4"
    V6 = "6"

    @property
    def socket_family(self) -> int:
        return {Family.ANY: socket.AF_UNSPEC, Family.V4: socket.AF_INET, Family.V6: socket.AF_INET6}[self]

    @property
    def label(self) -> str:
        return {Family.ANY: "IP", Family.V4: "IPv4", Family.V6: "IPv6"}[self]


@dataclass(frozen=True)
class Target:
    """A resolved address: ``family`` is ``socket.AF_INET`` or ``AF_INET6``; ``sockaddr`` has port 0."""

    host: str
    family: int
    address: str
    sockaddr: tuple[Any, ...]

    def with_port(self, port: int) -> tuple[Any, ...]:
        return (self.sockaddr[0], port, *self.sockaddr[2:])

    @property
    def is_v6(self) -> bool:
        return self.family == socket.AF_INET6


def clean_host(host: str) -> str:
    """``host`` without surrounding spaces and IPv6 brackets; InputError when nothing is left."""
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1].strip()
    if not name:
        raise InputError("The host is empty: give the router's name or IP address.")
    return name


def _literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _resolves_at_all(name: str) -> bool:
    try:
        return bool(socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM))
    except (OSError, UnicodeError):
        return False


def _lookup(host: str, name: str, family: Family) -> Target:
    try:
        # An ASCII name goes as bytes: the same lookup, without importing the IDNA codec.
        query: str | bytes = name.encode("ascii") if name.isascii() else name
        infos = socket.getaddrinfo(query, None, family.socket_family, socket.SOCK_STREAM)
    except UnicodeError:
        raise InputError(f'"{host}" is not a valid host name: check its spelling.') from None
    except socket.gaierror as exc:
        if family is not Family.ANY and _resolves_at_all(name):
            raise ResolveError(
                f'The host "{host}" has no {family.label} address: knock without forcing {family.label}.'
            ) from None
        reason = exc.strerror or "unknown error"
        raise ResolveError(
            f'The host name "{host}" could not be resolved ({reason}): check its spelling and this '
            "computer's DNS and network connection."
        ) from None
    for fam, _type, _proto, _canon, sockaddr in infos:
        if fam in (socket.AF_INET, socket.AF_INET6):
            return Target(host=name, family=fam, address=str(sockaddr[0]), sockaddr=tuple(sockaddr))
    raise ResolveError(f'The host name "{host}" has no IP address: check its spelling and your DNS.')


def resolve(host: str, family: Family = Family.ANY, cancel: threading.Event | None = None) -> Target:
    """Resolve ``host`` once. IP literals need no DNS; a name is looked up (cancellable within ~50 ms)."""
    family = Family(family)
    name = clean_host(host)
    if cancel is not None and cancel.is_set():
        raise CancelledError("The knock was cancelled before the host name was resolved.")
    literal = _literal(name)
    if literal is not None:
        wanted = {Family.V4: 4, Family.V6: 6}.get(family)
        if wanted is not None and literal.version != wanted:
            raise InputError(f"{name} is an IPv{literal.version} address, but {family.label} was asked for.")
        return _lookup(host, name, family)
    # A DNS lookup cannot be interrupted (not even by Ctrl-C: the signal waits for getaddrinfo, up to the
    # resolver's 5 s per try): run it aside and stop waiting when cancelled or interrupted.
    box: list[Target | BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            box.append(_lookup(host, name, family))
        except BaseException as exc:  # handed over to the waiting thread
            box.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="knockgui-resolve", daemon=True).start()
    while not done.wait(CANCEL_POLL_S):  # a KeyboardInterrupt comes through here at once
        if cancel is not None and cancel.is_set():
            raise CancelledError("The knock was cancelled while resolving the host name.")
    result = box[0]
    if isinstance(result, BaseException):
        raise result
    return result
