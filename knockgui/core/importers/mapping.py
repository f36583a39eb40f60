"""From a :class:`Record` to a checked router: the one place that knows knockgui's router model.

* ``host:port`` (and ``[v6]:port``) becomes the host and the service port; a MAC address cannot be
  knocked (no IP) and is skipped, as is anything :func:`~knockgui.core.validate.check_host` refuses.
* The name is the file's, else the note's first line, else the host (made unique by the planner).
* A login and a kept password go to the router's keyring entry (:class:`Candidate` ``login`` and
  ``password``), never into the router: ``routers.json`` holds neither.
* A record without a knock sequence gives a router marked ``needs_sequence``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from knockgui.core.errors import KnockguiError
from knockgui.core.importers.records import Record
from knockgui.core.model import Router, Service, single
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import Sequence
from knockgui.core.validate import MAX_GROUP, MAX_NAME, MAX_NOTES, check_host, check_router

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}$")
_BAD = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})
MAC_SKIP = "a MAC-address entry (no IP address to knock)"


@dataclass(frozen=True)
class Candidate:
    """A checked router to import with what goes to its keyring entry. The repr shows no secret."""

    router: Router
    label: str
    password: str | None = None
    login: str | None = None
    sequence: Sequence | None = None
    named: bool = True  # the name came from the file (False: made from the note or the host)

    def __repr__(self) -> str:
        return f"Candidate({self.router.name!r}, host={self.router.host!r})"

    def secret(self) -> RouterSecret | None:
        if self.sequence is None and not self.password and not self.login:
            return None
        return RouterSecret(self.sequence, self.password, self.login)


def _line(value: str, limit: int) -> str:
    """One line of visible text: controls and invisible characters become spaces, cut to ``limit``."""
    first = value.strip().splitlines()[0] if value.strip() else ""
    cleaned = "".join(" " if unicodedata.category(c) in _BAD else c for c in first)
    return " ".join(cleaned.split())[:limit].strip()


def _notes(value: str) -> str:
    kept = "".join(c for c in value if c in "\n\t" or unicodedata.category(c) not in _BAD)
    return kept.strip()[:MAX_NOTES]


def split_host(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address -> (host, port or None).
    InputError-free: a port that is not 1-65535 comes back as -1 (the caller skips the entry)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            return host, _port(rest[1:])
        return host, None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, _port(port)
    return text, None


def _port(text: str) -> int:
    if text.isascii() and text.isdigit() and len(text) <= 5 and 1 <= int(text) <= 65535:
        return int(text)
    return -1


def candidate(record: Record) -> Candidate | str:
    """The record as a checked router and its keyring entry, or the phrase saying why it is skipped."""
    if record.skip:
        return record.skip
    if _MAC.match(record.host.strip()):
        return MAC_SKIP
    host, port = split_host(record.host)
    if port == -1:
        return "its port is not a whole number from 1 to 65535"
    if record.port is not None:
        port = record.port
    try:
        host = check_host(host)
    except KnockguiError:
        return "its address is not a host name or an IP address"
    kind = record.kind.strip().casefold() or Service.WINBOX.value
    if kind not in {s.value for s in Service}:
        return "its service is not one of " + ", ".join(s.value for s in Service)
    if kind == Service.CUSTOM.value:
        return "a custom service needs a command, which the file does not give"
    name = _line(record.name, MAX_NAME)
    named = bool(name)
    notes = _notes(record.note)
    if not name:
        name = _line(record.note, MAX_NAME) or host
    name = name.lstrip("-").strip() or host
    sequence = None
    if record.sequence.strip():
        from knockgui.core.sequence import parse_sequence

        try:
            sequence = parse_sequence(record.sequence)
        except KnockguiError:
            return "its knock sequence could not be read (fix it, or leave it empty and set it later)"
    login = record.user.strip() or None
    if login is not None:
        from knockgui.core.launch import check_user

        try:
            check_user(login)
        except KnockguiError:
            return "its login starts with '-' or holds spaces"
    try:
        router = check_router(
            Router(
                name=name,
                host=host,
                group=_line(record.group, MAX_GROUP),
                services=single(Service(kind), port),
                notes=notes,
                needs_sequence=sequence is None,
            )
        )
    except KnockguiError:
        return "its fields are not valid for a router"
    found = Candidate(router, record.label, record.password or None, login, sequence, named)
    secret = found.secret()
    if secret is not None:
        try:
            secret.to_entry()
        except KnockguiError:
            return "its password is too long for the keyring"
    return found


def candidate_from_item(router: Router, secret: RouterSecret | None) -> Candidate:
    """A router from knockgui's own export file (already checked) as a candidate; a custom command
    from a file is marked so that it does not run before the user confirmed it."""
    marked = router.command_unconfirmed or any(spec.command for spec in router.services)
    needs = secret is None or secret.sequence is None
    from dataclasses import replace

    router = replace(router, command_unconfirmed=marked, needs_sequence=needs)
    if secret is None:
        return Candidate(router, router.name)
    return Candidate(router, router.name, secret.password, secret.login, secret.sequence)


def _commands(router: Router) -> tuple[str, ...]:
    return tuple(spec.command.strip() for spec in router.services)


def _ends(router: Router) -> tuple[tuple[str, int], ...]:
    return tuple((spec.kind.value, spec.effective_port) for spec in router.services)


def sensitive_changes(old: Router, new: Router) -> list[str]:
    """What of ``old`` would change where its secret goes or what runs: "host 10.0.0.1 -> 10.0.0.9",
    its default port or service, its other services, a custom command, pass_password."""
    changes = []
    if old.host.casefold() != new.host.casefold():
        changes.append(f"host {old.host} -> {new.host}")
    if old.service_port != new.service_port:
        changes.append(f"port {old.service_port} -> {new.service_port}")
    if old.service != new.service:
        changes.append(f"service {old.service.value} -> {new.service.value}")
    if not changes and _ends(old) != _ends(new):
        before = ", ".join(s.describe() for s in old.services)
        after = ", ".join(s.describe() for s in new.services)
        changes.append(f"services {before} -> {after}")
    if _commands(old) != _commands(new):
        changes.append("its custom command")
    if old.pass_password != new.pass_password:
        changes.append(f"pass_password {str(old.pass_password).lower()} -> {str(new.pass_password).lower()}")
    return changes


def endpoint(router: Router) -> tuple[str, int]:
    """Host and port, the key of a duplicate."""
    return router.host.casefold(), router.service_port
