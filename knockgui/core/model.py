"""The router model: what knockgui keeps about each router (non-secret fields only).

The knock sequence and the password are secrets: they live in the OS keyring (see
``knockgui.core.secrets``), never in a :class:`Router` and never in the config file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum


class Service(StrEnum):
    WINBOX = "winbox"
    SSH = "ssh"
    TELNET = "telnet"
    WEBFIG = "webfig"
    CUSTOM = "custom"


DEFAULT_PORTS: dict[Service, int] = {
    Service.WINBOX: 8291,
    Service.SSH: 22,
    Service.TELNET: 23,
    Service.WEBFIG: 80,
    Service.CUSTOM: 8291,
}


def new_id() -> str:
    """A random version-4 UUID as 32 hex digits, as ``uuid.uuid4().hex`` makes it (without importing
    ``uuid``, which pulls in ``platform``: ~2 ms of the GUI's start)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


@dataclass(frozen=True)
class Router:
    """One router. ``port`` is ``None`` for the service's default management port."""

    name: str
    host: str
    group: str = ""
    service: Service = Service.WINBOX
    port: int | None = None
    user: str = ""
    notes: str = ""
    delay_ms: int | None = None  # default delay between knock steps; None = the settings' default
    timeout_s: float | None = None  # port check deadline; None = the settings' default
    command: str = ""  # custom command template with {host} {port} {user}
    pass_password: bool = False  # opt-in: give the stored password to Winbox on its command line
    keep_open_s: int | None = None  # re-knock interval while the launched program runs; None = off
    needs_sequence: bool = False  # imported without a knock sequence: marked in the list until one is set
    command_unconfirmed: bool = False  # its custom command came from a file: not run until the user confirms it
    id: str = field(default_factory=new_id)

    @property
    def service_port(self) -> int:
        """The management port to check and connect to."""
        return self.port if self.port is not None else DEFAULT_PORTS[self.service]
