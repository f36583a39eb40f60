"""The router model: what knockgui keeps about each router (non-secret fields only).

A router has one knock sequence and one or more management services (Winbox, SSH, WebFig...); the
first service is the default one (double-click, Enter, the tray's default entry). The knock sequence
and the password are secrets: they live in the OS keyring (see ``knockgui.core.secrets``), never in a
:class:`Router` and never in the config file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum

from knockgui.core.errors import NotFoundError


class Service(StrEnum):
    WINBOX = "winbox"
    SSH = "ssh"
    TELNET = "telnet"
    WEBFIG = "webfig"  # WebFig over http
    WEBFIG_HTTPS = "webfig-https"
    API = "api"  # the RouterOS API: knockgui knocks and checks, the user's own client connects
    API_SSL = "api-ssl"
    CUSTOM = "custom"


DEFAULT_PORTS: dict[Service, int] = {
    Service.WINBOX: 8291,
    Service.SSH: 22,
    Service.TELNET: 23,
    Service.WEBFIG: 80,
    Service.WEBFIG_HTTPS: 443,
    Service.API: 8728,
    Service.API_SSL: 8729,
    Service.CUSTOM: 8291,
}

# How each service is named in sentences ("Winbox port open in 40 ms").
SERVICE_LABELS: dict[Service, str] = {
    Service.WINBOX: "Winbox",
    Service.SSH: "SSH",
    Service.TELNET: "telnet",
    Service.WEBFIG: "WebFig",
    Service.WEBFIG_HTTPS: "WebFig (https)",
    Service.API: "API",
    Service.API_SSL: "API-SSL",
    Service.CUSTOM: "custom command",
}

# Services that knockgui has no client for: connecting knocks and checks the port, then says so.
NO_CLIENT = frozenset({Service.API, Service.API_SSL})

DEFAULT_FINAL_TIMEOUT_S = 3 * 3600  # the seed recipe's "Save Haven" address-list timeout


def new_id() -> str:
    """A random version-4 UUID as 32 hex digits, as ``uuid.uuid4().hex`` makes it (without importing
    ``uuid``, which pulls in ``platform``: ~2 ms of the GUI's start)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


@dataclass(frozen=True)
class ServiceSpec:
    """One management service of a router. ``port`` ``None`` is the kind's default port; ``user`` empty
    is the router's user; ``command`` is the template of a custom service."""

    kind: Service = Service.WINBOX
    port: int | None = None
    user: str = ""
    command: str = ""

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.kind]

    @property
    def label(self) -> str:
        return SERVICE_LABELS[self.kind]

    def describe(self) -> str:
        """``kind`` or ``kind:port`` (the form ``--service`` takes)."""
        return self.kind.value if self.port is None else f"{self.kind.value}:{self.port}"


DEFAULT_SERVICES: tuple[ServiceSpec, ...] = (ServiceSpec(),)


@dataclass(frozen=True)
class Router:
    """One router. ``services[0]`` is the default service; the list is never empty."""

    name: str
    host: str
    group: str = ""
    services: tuple[ServiceSpec, ...] = DEFAULT_SERVICES
    user: str = ""  # the login of every service that names none of its own
    notes: str = ""
    delay_ms: int | None = None  # default delay between knock steps; None = the settings' default
    timeout_s: float | None = None  # port check deadline; None = the settings' default
    pass_password: bool = False  # opt-in: give the stored password to Winbox on its command line
    keep_open_s: int | None = None  # re-knock interval while the launched program runs; None = off
    final_timeout_s: int = DEFAULT_FINAL_TIMEOUT_S  # how long the router keeps a knocked address listed
    connect_by_name: bool = False  # give clients the host name instead of the address that was knocked
    needs_sequence: bool = False  # imported without a knock sequence: marked in the list until one is set
    command_unconfirmed: bool = False  # its custom command came from a file: not run until the user confirms it
    id: str = field(default_factory=new_id)

    # The default service's fields, for the many places that need only it.
    @property
    def default_service(self) -> ServiceSpec:
        return self.services[0]

    @property
    def service(self) -> Service:
        return self.services[0].kind

    @property
    def port(self) -> int | None:
        return self.services[0].port

    @property
    def command(self) -> str:
        return self.services[0].command

    @property
    def service_port(self) -> int:
        """The default service's management port (to check and connect to)."""
        return self.services[0].effective_port

    @property
    def management_ports(self) -> tuple[int, ...]:
        """Every service's port, sorted, each once (what the router's firewall lets in after a knock)."""
        return tuple(sorted({s.effective_port for s in self.services}))

    def user_for(self, spec: ServiceSpec) -> str:
        return spec.user or self.user

    def service_for(self, wanted: str | Service | None = None) -> ServiceSpec:
        """The service of this kind (``kind`` or ``kind:port``); ``None`` or "" is the default one."""
        if wanted is None or wanted == "":
            return self.services[0]
        text = str(wanted).strip().casefold()
        kind, _, port = text.partition(":")
        for spec in self.services:
            if spec.kind.value == kind and (not port or str(spec.effective_port) == port):
                return spec
        have = ", ".join(s.describe() for s in self.services)
        raise NotFoundError(f'The router "{self.name}" has no {text} service (it has {have}); pick one of those.')


def single(kind: Service, port: int | None = None, *, user: str = "", command: str = "") -> tuple[ServiceSpec, ...]:
    """A one-service list: ``Router(..., services=single(Service.SSH, 2222))``."""
    return (ServiceSpec(kind, port, user, command),)
