"""Validation of router fields and their JSON form (the non-secret part of the inventory).

Every check raises :class:`~knockgui.core.errors.InputError` with one sentence naming the field and
what is allowed. Messages never contain a knock sequence or a password (routers hold neither).
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from dataclasses import MISSING, fields
from typing import Any

from knockgui.core.errors import InputError
from knockgui.core.model import DEFAULT_SERVICES, Router, Service, ServiceSpec

MAX_NAME = 64
MAX_GROUP = 64
MAX_USER = 128
MAX_NOTES = 4000
MAX_COMMAND = 1000
MAX_HOST = 253
MAX_DELAY_MS = 600_000
MAX_TIMEOUT_S = 600.0
MIN_KEEP_OPEN_S = 10
MAX_KEEP_OPEN_S = 86_400
TEMPLATE_FIELDS = frozenset({"host", "port", "user"})

_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_ID = re.compile(r"^[0-9a-f]{32}$")
# Unicode categories refused in one-line text: controls, format (bidi overrides, zero-width),
# line/paragraph separators, private use, unassigned, surrogates.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})


def _clean_line(value: object, what: str, limit: int, *, allow_empty: bool) -> str:
    if not isinstance(value, str):
        raise InputError(f"The {what} must be text.")
    text = value.strip()
    if not text and not allow_empty:
        raise InputError(f"The {what} is empty: give one.")
    if len(text) > limit:
        raise InputError(f"The {what} is {len(text)} characters long; at most {limit} are allowed.")
    if any(unicodedata.category(c) in _BAD_CATEGORIES for c in text):
        raise InputError(f"The {what} contains control or invisible characters; use plain visible text.")
    return text


def check_name(value: object) -> str:
    """A router name: 1-64 visible characters, not starting with '-'. Returns it stripped."""
    name = _clean_line(value, "router name", MAX_NAME, allow_empty=False)
    if name.startswith("-"):
        raise InputError("The router name must not start with '-'; start it with a letter or digit.")
    return name


def check_user(value: object, what: str = "user name") -> str:
    """A user name for a client: visible text, not starting with '-' (a client would take it for an option)."""
    user = _clean_line(value, what, MAX_USER, allow_empty=True)
    if user.startswith("-"):
        raise InputError(f"The {what} must not start with '-' (a client would read it as an option).")
    return user


_ZONE = re.compile(r"[A-Za-z0-9_.-]{1,32}")  # an interface name (eth0, wlp2s0) or a Windows zone number


def _host_with_port(host: str) -> str:
    """The sentence for ``10.0.0.1:8292`` or ``[::1]:22`` (a host with a port), '' for anything else."""
    if host.startswith("[") and "]:" in host:
        address, _, port = host[1:].partition("]:")
    elif host.count(":") == 1:
        address, _, port = host.partition(":")
    else:
        return ""
    if not (port.isascii() and port.isdigit() and 1 <= len(port) <= 5) or not address:
        return ""
    return (
        f"The host {address} has a port ({port}) written after it; give the host alone and the port as the "
        f"service's port (as in winbox:{port})."
    )


def check_host(value: object) -> str:
    """A host: a host name, an IPv4 or an IPv6 address (brackets are removed). Returns it stripped."""
    if not isinstance(value, str):
        raise InputError("The host must be text.")
    host = value.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise InputError("The host is empty: give a host name or an IP address.")
    if host.startswith("-"):
        raise InputError("The host must not start with '-'; give a host name or an IP address.")
    if any(c.isspace() or unicodedata.category(c) in _BAD_CATEGORIES for c in host):
        raise InputError("The host contains spaces or control characters; give a host name or an IP address.")
    with_port = _host_with_port(host)
    if with_port:
        raise InputError(with_port)
    if ":" in host:
        address, percent, zone = host.partition("%")
        if percent and not _ZONE.fullmatch(zone):
            raise InputError(
                "The IPv6 zone after '%' must be an interface name or number, as in fe80::1%eth0; check the host."
            )
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise InputError("The host looks like an IPv6 address but is not a valid one.") from None
        return host
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InputError("The host is not a valid host name; check its spelling.") from None
    name = ascii_host[:-1] if ascii_host.endswith(".") else ascii_host
    if len(name) > MAX_HOST:
        raise InputError(f"The host name is longer than {MAX_HOST} characters.")
    labels = name.split(".")
    if labels[-1].isdigit() or all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            raise InputError(
                "The host looks like an IPv4 address but is not a valid one (four numbers 0-255)."
            ) from None
        return host
    if not all(_LABEL.match(label) for label in labels):
        raise InputError(
            "The host is not a valid host name: use letters, digits, '-' and '.', each part 1-63 characters."
        )
    return host


def check_port(value: object, what: str = "port") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InputError(f"The {what} must be a whole number from 1 to 65535.")
    return value


def check_template(value: object) -> str:
    template = _clean_line(value, "command template", MAX_COMMAND, allow_empty=True)
    try:
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]
    except ValueError:
        raise InputError("The command template has an unmatched '{' or '}'; write {{ or }} for a brace.") from None
    unknown = sorted({n for n in names if n not in TEMPLATE_FIELDS})
    if unknown:
        raise InputError("The command template may use only {host}, {port} and {user} as placeholders.")
    return template


def _optional_int(value: object, what: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"The {what} must be a whole number from {low} to {high}.")
    return value


def _optional_float(value: object, what: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InputError(f"The {what} must be a number from {low:g} to {high:g}.")
    return float(value)


MAX_SERVICES = 8
MIN_FINAL_TIMEOUT_S = 10
MAX_FINAL_TIMEOUT_S = 7 * 86_400


def parse_service(text: object) -> ServiceSpec:
    """``KIND`` or ``KIND:PORT`` (as ``--service`` takes it) as a service; InputError if not."""
    if not isinstance(text, str):
        raise InputError("A service must be text such as ssh or winbox:8292.")
    kind_text, sep, port_text = text.strip().partition(":")
    kind = check_kind(kind_text.casefold())
    port = None
    if sep:
        if not (port_text.isascii() and port_text.isdigit()) or len(port_text) > 5:
            raise InputError(f'The port in the service "{_shown(text)}" must be a whole number from 1 to 65535.')
        port = check_port(int(port_text), f"{kind.value} port")
    return ServiceSpec(kind, port)


def _shown(text: str) -> str:
    return text if len(text) <= 40 and text.isprintable() else text[:40].encode("ascii", "replace").decode() + "..."


def check_kind(value: object) -> Service:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return Service(value)
    except ValueError:
        choices = ", ".join(s.value for s in Service)
        raise InputError(f"The service must be one of: {choices}.") from None


def check_service(spec: ServiceSpec) -> ServiceSpec:
    """One service, validated; its text fields stripped."""
    if not isinstance(spec, ServiceSpec):
        raise InputError("A service entry is damaged; edit the router's services.")
    kind = check_kind(spec.kind)
    command = check_template(spec.command)
    if kind is Service.CUSTOM and not command:
        raise InputError("A custom service needs a command template such as 'myclient {host} {port}'.")
    if kind is not Service.CUSTOM and command:
        raise InputError(f"Only a custom service has a command; remove it from the {kind.value} service.")
    port = None if spec.port is None else check_port(spec.port, f"{kind.value} port")
    user = check_user(spec.user, "service's user name")
    return ServiceSpec(kind, port, user, command)


def check_services(services: object) -> tuple[ServiceSpec, ...]:
    """1 to 8 services, no two with the same kind and port; the first is the default."""
    if not isinstance(services, tuple | list) or not services:
        raise InputError("A router needs at least one service (winbox, ssh, telnet, webfig, ...).")
    if len(services) > MAX_SERVICES:
        raise InputError(f"A router has at most {MAX_SERVICES} services; remove some.")
    checked = tuple(check_service(s) for s in services)
    seen: set[tuple[Service, int]] = set()
    for spec in checked:
        key = (spec.kind, spec.effective_port)
        if key in seen:
            raise InputError(f"The service {spec.kind.value} on port {spec.effective_port} is listed twice; keep one.")
        seen.add(key)
    return checked


def check_keep_open(keep_open_s: object, final_timeout_s: int) -> int | None:
    """The re-knock interval: 10 s to a day, and shorter than the router's final address-list timeout."""
    interval = _optional_int(keep_open_s, "keep-open interval (s)", MIN_KEEP_OPEN_S, MAX_KEEP_OPEN_S)
    if interval is not None and interval >= final_timeout_s:
        raise InputError(
            f"The keep-open interval ({interval} s) must be shorter than the router's final timeout "
            f"({final_timeout_s} s), or the address expires before the next knock."
        )
    return interval


def check_final_timeout(value: object) -> int:
    checked = _optional_int(value, "final timeout (s)", MIN_FINAL_TIMEOUT_S, MAX_FINAL_TIMEOUT_S)
    if checked is None:
        raise InputError(
            f"The final timeout (s) must be a whole number from {MIN_FINAL_TIMEOUT_S} to {MAX_FINAL_TIMEOUT_S}."
        )
    return checked


def check_router(router: Router) -> Router:
    """Validate every field; return the router with text fields stripped."""
    if not isinstance(router.id, str) or not _ID.match(router.id):
        raise InputError("The router id is damaged; remove the router and add it again.")
    services = check_services(router.services)
    for flag, what in (
        (router.pass_password, "pass_password"),
        (router.connect_by_name, "connect_by_name"),
        (router.needs_sequence, "needs_sequence"),
        (router.command_unconfirmed, "command_unconfirmed"),
    ):
        if not isinstance(flag, bool):
            raise InputError(f"{what} must be true or false.")
    notes = router.notes
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        raise InputError(f"The notes must be text of at most {MAX_NOTES} characters.")
    if any(unicodedata.category(c) in _BAD_CATEGORIES and c not in "\n\t" for c in notes):
        raise InputError("The notes contain control or invisible characters; use plain visible text.")
    final_timeout = check_final_timeout(router.final_timeout_s)
    return Router(
        name=check_name(router.name),
        host=check_host(router.host),
        group=_clean_line(router.group, "group", MAX_GROUP, allow_empty=True),
        services=services,
        user=check_user(router.user, "user name"),
        notes=notes,
        delay_ms=_optional_int(router.delay_ms, "delay (ms)", 0, MAX_DELAY_MS),
        timeout_s=_optional_float(router.timeout_s, "check timeout (s)", 0.1, MAX_TIMEOUT_S),
        pass_password=router.pass_password,
        keep_open_s=check_keep_open(router.keep_open_s, final_timeout),
        final_timeout_s=final_timeout,
        connect_by_name=router.connect_by_name,
        needs_sequence=router.needs_sequence,
        command_unconfirmed=router.command_unconfirmed,
        id=router.id,
    )


_FIELDS = tuple(f.name for f in fields(Router))
_DEFAULTS = {f.name: f.default for f in fields(Router) if f.default is not MISSING}
_LEGACY_KEYS = ("service", "port", "command")  # schema 1: one service per router


def service_to_dict(spec: ServiceSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": spec.kind.value}
    if spec.port is not None:
        data["port"] = spec.port
    if spec.user:
        data["user"] = spec.user
    if spec.command:
        data["command"] = spec.command
    return data


def router_to_dict(router: Router, *, with_id: bool = True, defaults: bool = True) -> dict[str, Any]:
    """The JSON form of a router, optionally without the id; ``defaults=False`` leaves out the fields
    that hold their default (the inventory file: smaller, quicker to read)."""
    data: dict[str, Any] = {}
    for name in _FIELDS:
        if name == "id" and not with_id:
            continue
        value = getattr(router, name)
        if not defaults and name in _DEFAULTS and value == _DEFAULTS[name] and type(value) is type(_DEFAULTS[name]):
            continue
        data[name] = [service_to_dict(s) for s in value] if name == "services" else value
    return data


def upgrade_entry(data: dict[str, Any]) -> dict[str, Any]:
    """A schema-1 entry (``service``, ``port``, ``command``: one service) in today's form (``services``).

    WebFig on its default port meant http and https (the firewall script accepted 80 and 443): it
    becomes both services, http first. Entries already in today's form are returned unchanged.
    """
    if "services" in data or not any(k in data for k in _LEGACY_KEYS):
        return data
    upgraded = {k: v for k, v in data.items() if k not in _LEGACY_KEYS}
    service: dict[str, Any] = {"kind": data.get("service", "winbox")}
    if data.get("port") is not None:
        service["port"] = data["port"]
    if data.get("command"):
        service["command"] = data["command"]
    upgraded["services"] = [service]
    if service == {"kind": "webfig"}:
        upgraded["services"].append({"kind": "webfig-https"})
    return upgraded


def _services_from_json(value: object) -> tuple[ServiceSpec, ...]:
    if not isinstance(value, list) or len(value) > MAX_SERVICES:
        raise InputError(f"A router's services must be a list of 1 to {MAX_SERVICES} entries.")
    specs = []
    for item in value:
        if not isinstance(item, dict) or "kind" not in item:
            raise InputError("A service entry has no kind.")
        specs.append(
            ServiceSpec(
                kind=check_kind(item["kind"]),
                port=item.get("port"),
                user=item.get("user", ""),
                command=item.get("command", ""),
            )
        )
    return tuple(specs)


def router_from_dict(data: object, *, new_id: bool = False) -> Router:
    """Build and validate a router from its JSON form (today's or schema 1's); unknown keys are ignored.
    InputError if invalid."""
    if not isinstance(data, dict):
        raise InputError("A router entry is not an object.")
    known = {k: v for k, v in upgrade_entry(data).items() if k in _FIELDS}
    if new_id:
        known.pop("id", None)
    for key in ("name", "host"):
        if key not in known:
            raise InputError(f"A router entry has no {key}.")
    if "services" in known:
        known["services"] = _services_from_json(known["services"])
    try:
        router = Router(**known)
    except TypeError:
        raise InputError("A router entry has fields of the wrong kind.") from None
    return check_router(router)


# The load fast path (see fast_router_from_dict). Each pattern accepts only text that the full check
# accepts unchanged: printable ASCII (no control or invisible characters), nothing to strip at either end.
_FAST_NAME = re.compile(rf"[!-,.-~](?:[ -~]{{0,{MAX_NAME - 2}}}[!-~])?")  # not starting with '-'
_FAST_NOTES = re.compile(rf"[ -~\t\n]{{0,{MAX_NOTES}}}")  # printable ASCII, tabs and newlines: what imports bring
_FAST_GROUP = re.compile(rf"[!-~](?:[ -~]{{0,{MAX_GROUP - 2}}}[!-~])?")
_FAST_USER = re.compile(rf"[!-,.-~](?:[ -~]{{0,{MAX_USER - 2}}}[!-~])?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_LABEL_TEXT = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
# A dotted-quad IPv4 address without leading zeros, or a host name whose last label is not all digits.
_FAST_HOST = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}|(?:{_LABEL_TEXT}\.)*(?=[A-Za-z0-9_-]*[A-Za-z_-]){_LABEL_TEXT}")
_FAST_ID = re.compile(r"[0-9a-f]{32}")
_FAST_KINDS = {s.value: s for s in Service if s is not Service.CUSTOM}  # custom needs the command check
_DEFAULT_FINAL = _DEFAULTS["final_timeout_s"]


def _fast_text(value: object, pattern: re.Pattern[str]) -> bool:
    return type(value) is str and (not value or pattern.fullmatch(value) is not None)


def _fast_services(value: object) -> tuple[ServiceSpec, ...] | None:
    """The services when each is a plain non-custom kind with an optional port and no user, else None."""
    if value is None:
        return DEFAULT_SERVICES
    if type(value) is not list or not 0 < len(value) <= MAX_SERVICES:
        return None
    specs = []
    seen = set()
    for item in value:
        if type(item) is not dict or not item.keys() <= {"kind", "port"}:
            return None
        kind_text, port = item.get("kind"), item.get("port")
        kind = _FAST_KINDS.get(kind_text) if type(kind_text) is str else None
        if kind is None or not (port is None or (type(port) is int and 1 <= port <= 65535)):
            return None
        spec = ServiceSpec(kind, port)
        key = (kind, spec.effective_port)
        if key in seen:
            return None
        seen.add(key)
        specs.append(spec)
    return tuple(specs)


def _trusted_router(data: dict[str, Any]) -> Router | None:
    """The router when every field is in its plainest valid form (the common case), else None.

    Accepts only what :func:`check_router` accepts and returns unchanged, so the result is the same as
    the full check's; anything else (notes, a command, delays, non-ASCII text...) gets the full check.
    """
    get = data.get
    name, host, router_id = get("name"), get("host"), get("id")
    pass_password, by_name = get("pass_password", False), get("connect_by_name", False)
    needs_sequence = get("needs_sequence", False)  # imported routers: many, so they keep the fast path
    notes = get("notes", "")
    if (
        type(name) is not str
        or _FAST_NAME.fullmatch(name) is None
        or type(host) is not str
        or len(host) > MAX_HOST
        or _FAST_HOST.fullmatch(host) is None
        or type(router_id) is not str
        or _FAST_ID.fullmatch(router_id) is None
        or type(pass_password) is not bool
        or type(by_name) is not bool
        or not _fast_text(get("group", ""), _FAST_GROUP)
        or not _fast_text(get("user", ""), _FAST_USER)
        or type(notes) is not str
        or (notes and _FAST_NOTES.fullmatch(notes) is None)
        or get("delay_ms") is not None
        or get("timeout_s") is not None
        or get("keep_open_s") is not None
        or get("final_timeout_s", _DEFAULT_FINAL) != _DEFAULT_FINAL
        or type(needs_sequence) is not bool
        or get("command_unconfirmed", False) is not False
    ):
        return None
    services = _fast_services(get("services"))
    if services is None:
        return None
    return Router(
        name=name,
        host=host,
        group=get("group", ""),
        services=services,
        user=get("user", ""),
        notes=notes,
        pass_password=pass_password,
        connect_by_name=by_name,
        needs_sequence=needs_sequence,
        id=router_id,
    )


def fast_router_from_dict(data: dict[str, Any]) -> Router:
    """Build a router from a dict written by this program (validated at write time), checking cheaply.

    Falls back to the full check when something looks unusual.
    """
    trusted = _trusted_router(data)
    if trusted is not None:
        return trusted
    return router_from_dict(data)
