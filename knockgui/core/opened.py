"""How long a router stays open after a knock: ``open.json`` beside ``routers.json``.

After a knock whose check said open, the router keeps the knocking address on its final address list
for the router's ``final_timeout_s`` (the seed's 3 h), counted from the last knock step. This module
remembers, per router id, the address that was knocked and until when it is listed, so that:

* the window and the tray can say "open until 14:32";
* a connect within that window needs no new knock: a quick port check, then the client starts;
* keep-open re-knocks before that time runs out (see :func:`reknock_interval`).

The file holds no secret (an address and a time per router). It is read as hostile input: bounded in
size and entries, every value checked; a damaged file is ignored (knocking again is always safe).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knockgui.core.atomic import atomic_write, file_lock
from knockgui.core.errors import KnockguiError
from knockgui.core.model import Router

FILE_NAME = "open.json"
MAX_BYTES = 1 << 20
MAX_ENTRIES = 10_000
# A listing that ends sooner than this is treated as over: the client would barely get in.
MARGIN_S = 30.0


@dataclass(frozen=True)
class OpenEntry:
    address: str
    until: float  # seconds since the epoch

    def remaining(self, now: float | None = None) -> float:
        return self.until - (time.time() if now is None else now)

    def clock(self) -> str:
        """The end as the user's local time, ``14:32`` (with the date when it is not today)."""
        end = time.localtime(self.until)
        if time.strftime("%Y%m%d", end) == time.strftime("%Y%m%d"):
            return time.strftime("%H:%M", end)
        return time.strftime("%Y-%m-%d %H:%M", end)


def reknock_interval(router: Router, longest_s: int = 0) -> int:
    """Keep-open's interval: the router's own, else a re-knock well before its listing ends (four fifths
    of the final timeout, at least 10 s; 3 h gives 2 h 24 min), or ``longest_s`` (the setting) if shorter."""
    if router.keep_open_s is not None:
        return router.keep_open_s
    derived = max(10, router.final_timeout_s * 4 // 5)
    return min(derived, longest_s) if longest_s > 0 else derived


def host_has_address(host: str, address: str) -> bool:
    """Whether ``host`` (an address, or a name looked up now) is ``address``: a remembered address is only
    used for the router whose host it belongs to, so a changed host or an edited ``open.json`` can never
    send a client (and a password on its command line) elsewhere."""
    try:
        wanted = ipaddress.ip_address(address.split("%", 1)[0])
        infos = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
    except (ValueError, OSError, UnicodeError):
        return False
    found = set()
    for info in infos:
        try:
            found.add(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            continue
    return wanted in found


def _valid_address(text: object) -> str | None:
    if not isinstance(text, str) or len(text) > 64:
        return None
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return text


class OpenState:
    """The open routers of one config folder. Cheap to create; reads the file on each query. Failing to
    write it is not an error (it is a convenience: knocking again is always safe)."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / FILE_NAME

    def _read(self) -> dict[str, OpenEntry]:
        try:
            if not self.path.is_file():  # a FIFO or a device would block or never end
                return {}
            with self.path.open("rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except OSError:
            return {}
        if len(raw) > MAX_BYTES:
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict):
            return {}
        entries: dict[str, OpenEntry] = {}
        now = time.time()
        for key, value in list(data.items())[:MAX_ENTRIES]:
            if not isinstance(value, dict):
                continue
            address, until = _valid_address(value.get("address")), value.get("until")
            if (
                address is None
                or isinstance(until, bool)
                or not isinstance(until, int | float)
                or not now < until < now + 8 * 86_400  # a router keeps an address at most 7 days
            ):
                continue
            entries[str(key)[:64]] = OpenEntry(address, float(until))
        return entries

    def _write(self, entries: dict[str, OpenEntry]) -> None:
        data = {k: {"address": e.address, "until": e.until} for k, e in entries.items()}
        atomic_write(self.path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))

    def get(self, router: Router, now: float | None = None) -> OpenEntry | None:
        """The router's listing when it has more than :data:`MARGIN_S` seconds left, else None."""
        entry = self._read().get(router.id)
        if entry is None or entry.remaining(now) <= MARGIN_S:
            return None
        return entry

    def usable(self, router: Router, now: float | None = None) -> OpenEntry | None:
        """:meth:`get`, but only when the router's host still resolves to the remembered address (see
        :func:`host_has_address`): the one way to reach a router without knocking it first."""
        entry = self.get(router, now)
        if entry is None or not host_has_address(router.host, entry.address):
            return None
        return entry

    def all(self) -> dict[str, OpenEntry]:
        return {k: e for k, e in self._read().items() if e.remaining() > MARGIN_S}

    def record(self, router: Router, address: str, knocked_at: float) -> OpenEntry:
        """``router`` opened for ``address`` with a knock whose last step left at ``knocked_at`` (epoch)."""
        return self.record_many([(router, address, knocked_at)])[0]

    def record_many(self, opened: Iterable[tuple[Router, str, float]]) -> list[OpenEntry]:
        """:meth:`record` for many routers at once (a group knock): one read and one write of the file."""
        new = [(router, OpenEntry(address, round(at + router.final_timeout_s, 3))) for router, address, at in opened]
        if new:
            with contextlib.suppress(KnockguiError), file_lock(self.path):
                entries = self._read()
                entries.update((router.id, entry) for router, entry in new)
                self._write(dict(list(entries.items())[-MAX_ENTRIES:]))
        return [entry for _router, entry in new]

    def forget(self, router: Router) -> None:
        with contextlib.suppress(KnockguiError), file_lock(self.path):
            entries = self._read()
            if entries.pop(router.id, None) is not None:
                self._write(entries)
