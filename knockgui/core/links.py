"""Links that knock first: ``knockgui://connect/NAME``, ``knockgui://knock/NAME``, ``winbox://HOST[:PORT]``.

Monitoring tools, wikis and chats link routers as ``winbox://10.0.0.1`` (``winbox://[2001:db8::1]:8292``
for IPv6). The desktop hands such a link to ``knockgui LINK``; :func:`parse_link` turns it into a
:class:`Link` or refuses it with one sentence, and :func:`resolve_link` finds the router it means in the
inventory: a winbox link knocks first when its host is in the inventory, then connects.

A link comes from anywhere, so the parser is strict: known schemes only, no control or invisible
characters, no leading '-', no shell metacharacters, no user or password part, no query or fragment,
no double percent-encoding, bounded length. Refusals never echo the hostile text.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import unquote

from knockgui.core.errors import InputError, NotFoundError
from knockgui.core.model import Router, Service, ServiceSpec

SCHEMES = ("knockgui", "winbox")
MAX_LINK = 512
MAX_NAME = 64
SHELL_META = frozenset("`$;|&<>\\\"'*?!{}~^")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})
_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,31}):")


class Action(StrEnum):
    CONNECT = "connect"  # knock, check the port, then launch the client
    KNOCK = "knock"  # knock and check only


@dataclass(frozen=True)
class Link:
    """A parsed link: a router ``name`` (knockgui links) or a ``host`` and optional ``port`` (winbox links)."""

    action: Action
    name: str = ""
    host: str = ""
    port: int | None = None
    service: str = ""  # knockgui links: ``?service=ssh`` (or ``ssh:2222``) picks one of the router's services

    @property
    def launch(self) -> bool:
        return self.action is Action.CONNECT

    def describe(self) -> str:
        what = "knock and connect to" if self.launch else "knock on"
        if self.name:
            return f"{what} {self.name}"
        return f"{what} {format_host(self.host, self.port)}"


@dataclass(frozen=True)
class LinkTarget:
    """The router a link means and whether to launch its client after the knock."""

    router: Router
    launch: bool
    service: str = ""  # "" = the router's default service


def is_link(text: str) -> bool:
    """Whether a command-line argument looks like a link (``scheme:...``) rather than an option or a name."""
    m = _SCHEME.match(text)
    return m is not None and text[m.end() : m.end() + 2] == "//"


def format_host(host: str, port: int | None = None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port is not None else shown


def _refuse(reason: str) -> InputError:
    return InputError(f"The link was refused because {reason}; use knockgui://connect/NAME or winbox://HOST[:PORT].")


def _check_text(text: str, what: str) -> None:
    """Refuse control/invisible characters and shell metacharacters in (decoded) link text."""
    for c in text:
        if unicodedata.category(c) in _BAD_CATEGORIES:
            raise _refuse(f"its {what} contains control or invisible characters")
        if c in SHELL_META:
            raise _refuse(f"its {what} contains shell metacharacters such as ; | & $ or quotes")
    if text[:1].isspace() or text[-1:].isspace():
        raise _refuse(f"its {what} starts or ends with a space")
    if text.startswith("-"):
        raise _refuse(f"its {what} starts with '-'")


def _decode(part: str, what: str) -> str:
    """Percent-decode one part once, refusing invalid UTF-8 and anything still encoded after decoding."""
    if "%" in part and not re.fullmatch(r"(?:[^%]|%[0-9A-Fa-f]{2})*", part):
        raise _refuse(f"its {what} has a broken percent-escape")
    try:
        decoded = unquote(part, errors="strict") if "%" in part else part
    except UnicodeDecodeError:
        raise _refuse(f"its {what} is not valid UTF-8 once decoded") from None
    if "%" in decoded:
        raise _refuse(f"its {what} is percent-encoded twice")
    return decoded


def parse_link(text: str) -> Link:
    """Parse a knockgui or winbox link; :class:`InputError` with one sentence for anything else."""
    if not isinstance(text, str) or not text.strip():
        raise _refuse("it is empty")
    if len(text) > MAX_LINK:
        raise _refuse(f"it is longer than {MAX_LINK} characters")
    if any(unicodedata.category(c) in _BAD_CATEGORIES for c in text):
        raise _refuse("it contains control or invisible characters")
    text = text.strip()
    if text.startswith("-"):
        raise _refuse("it starts with '-'")
    m = _SCHEME.match(text)
    if not m or text[m.end() : m.end() + 2] != "//":
        raise _refuse("it is not of the form scheme://...")
    scheme = m.group(1).lower()
    if scheme not in SCHEMES:
        raise _refuse(f"its scheme '{scheme}' is not one knockgui handles")
    rest = text[m.end() + 2 :]
    if "#" in rest:
        raise _refuse("it has a '#' part, which knockgui links do not take")
    rest, _, query = rest.partition("?")
    if query and scheme != "knockgui":
        raise _refuse("it has a '?' part, which winbox links do not take")
    if "@" in rest:
        raise _refuse("it carries a user name or password, which knockgui takes from the inventory instead")
    if scheme == "winbox":
        return _parse_winbox(rest)
    link = _parse_knockgui(rest)
    return replace(link, service=_parse_query(query)) if query else link


_SERVICE_QUERY = re.compile(r"^service=([a-z][a-z-]{0,15}(?::[0-9]{1,5})?)$")


def _parse_query(query: str) -> str:
    """``service=KIND`` or ``service=KIND:PORT``: the only query a knockgui link takes."""
    m = _SERVICE_QUERY.match(query)
    if not m:
        raise _refuse("its '?' part is not service=KIND such as service=ssh")
    return m.group(1)


def _parse_knockgui(rest: str) -> Link:
    parts = rest.split("/")
    if len(parts) == 3 and parts[2] == "":
        parts = parts[:2]  # one trailing slash is fine
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise _refuse("a knockgui link needs exactly an action and a router name")
    action_text = _decode(parts[0], "action").lower()
    try:
        action = Action(action_text)
    except ValueError:
        raise _refuse("its action is neither 'connect' nor 'knock'") from None
    name = _decode(parts[1], "router name")
    if "/" in name:
        raise _refuse("its router name contains '/'")
    if len(name) > MAX_NAME:
        raise _refuse(f"its router name is longer than {MAX_NAME} characters")
    _check_text(name, "router name")
    return Link(action=action, name=name)


def _parse_winbox(rest: str) -> Link:
    if rest.endswith("/"):
        rest = rest[:-1]
    if not rest:
        raise _refuse("it has no host")
    if "/" in rest:
        raise _refuse("a winbox link holds only a host and an optional port")
    if "%" in rest:
        raise _refuse("its host is percent-encoded")
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise _refuse("its IPv6 address has no closing ']'")
        host, tail = rest[1:end], rest[end + 1 :]
        try:
            host = ipaddress.IPv6Address(host).compressed
        except ValueError:
            raise _refuse("its IPv6 address is not valid") from None
    else:
        host, sep, port_text = rest.partition(":")
        if ":" in port_text:
            raise _refuse("an IPv6 address in a link must be written in brackets, as in winbox://[2001:db8::1]:8291")
        tail = sep + port_text
        _check_text(host, "host")
        host = _check_hostname(host)
    port: int | None = None
    if tail:
        if not tail.startswith(":") or not re.fullmatch(r"[0-9]{1,5}", tail[1:]):
            raise _refuse("its port is not a number")
        port = int(tail[1:])
        if not 1 <= port <= 65535:
            raise _refuse("its port is not between 1 and 65535")
    return Link(action=Action.CONNECT, host=host, port=port)


def _check_hostname(host: str) -> str:
    if not host:
        raise _refuse("it has no host")
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    if len(host) > 253 or not host.isascii():
        raise _refuse("its host is not a valid host name")
    labels = host.rstrip(".").split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise _refuse("its host is not a valid host name or IPv4 address")
    return host.rstrip(".").lower()


def _same_host(a: str, b: str) -> bool:
    a, b = a.strip().strip("[]"), b.strip().strip("[]")
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a.rstrip(".").lower() == b.rstrip(".").lower()


def resolve_link(link: Link, routers: Iterable[Router]) -> LinkTarget:
    """The inventory router a link means; :class:`NotFoundError` with one sentence when there is none."""
    routers = list(routers)
    if link.name:
        wanted = link.name.casefold()
        for router in routers:
            if router.name.casefold() == wanted:
                if link.service:
                    router.service_for(link.service)  # NotFoundError: the router has no such service
                return LinkTarget(router, link.launch, link.service)
        raise NotFoundError(f"No router named '{link.name}' is in the inventory; add it or check the name in the link.")
    candidates = [r for r in routers if _same_host(r.host, link.host)]
    if not candidates:
        raise NotFoundError(
            f"No router with the address {format_host(link.host)} is in the inventory, so knockgui cannot "
            "knock first; add the router, then open the link again."
        )

    def pick(router: Router) -> ServiceSpec | None:
        """The router's service on the link's port (Winbox first), else its Winbox service."""
        on_port = [s for s in router.services if link.port is not None and s.effective_port == link.port]
        on_port.sort(key=lambda s: s.kind is not Service.WINBOX)
        return next(iter(on_port), None) or next((s for s in router.services if s.kind is Service.WINBOX), None)

    def rank(router: Router) -> tuple[bool, bool]:
        spec = pick(router)
        on_port = spec is not None and link.port is not None and spec.effective_port == link.port
        return (on_port, spec is not None and spec.kind is Service.WINBOX)

    best = max(candidates, key=rank)  # max keeps the first of equals: inventory order breaks ties
    spec = pick(best)
    return LinkTarget(best, link.launch, spec.describe() if spec is not None and spec is not best.services[0] else "")
