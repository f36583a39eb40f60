"""What every importer returns: plain :class:`Record` values, and the bounds every decoder keeps.

A record is what one entry of another program's file says about a router, before knockgui checks it:
the host as written there (``host``, ``host:port``, a MAC address...), a login and a kept password
(secrets: they go to the keyring, never to ``routers.json``), a note and a group. ``skip`` says why
the entry cannot become a router (a MAC address, a RoMON entry, an SSH-less PuTTY session...).

Decoders raise :class:`~knockgui.core.errors.InputError` with one sentence for a file they cannot
read, and nothing else: every length is checked against what is left, the file size and the number
of entries are capped, and text fields are cut to a bound before anything else sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knockgui.core.errors import InputError
from knockgui.core.readfile import UnreadableFile, read_regular

MAX_FILE_BYTES = 16 * 1024 * 1024  # Winbox's files hold a few hundred bytes per router
MAX_RECORDS = 10_000
MAX_TEXT = 4000  # longest text field kept (a note); longer text is damage or hostility
MAX_FOLDER_FILES = 2000  # PuTTY's sessions folder: one file per session


@dataclass(frozen=True)
class Record:
    """One entry of an imported file. ``password`` and ``sequence`` are secret (masked in the repr)."""

    host: str = ""
    name: str = ""  # "" = made from the note or the host
    port: int | None = None  # None = from host:port, else the service's default
    group: str = ""
    kind: str = ""  # the service ("winbox", "ssh", "telnet", ...); "" = winbox
    user: str = ""
    password: str = ""
    note: str = ""
    sequence: str = ""  # a knock sequence in text form (CSV only)
    skip: str = ""  # why it cannot be imported, a phrase such as "a RoMON entry"

    def __repr__(self) -> str:
        return f"Record({self.label!r}, host={self.host!r}, skip={self.skip!r})"

    @property
    def label(self) -> str:
        """How a report names this entry: its name, else its note's first line, else its host."""
        first = self.note.strip().splitlines()[0].strip() if self.note.strip() else ""
        return self.name.strip() or first[:64] or self.host.strip() or "(no address)"


def damaged(what: str, detail: str) -> InputError:
    """The one sentence for a file that cannot be read: ``what`` names the format."""
    return InputError(f"The file is not a readable {what} ({detail}); nothing was imported.")


def text(raw: bytes, fallback: str = "cp1251") -> str:
    """Bytes from another program as text: UTF-8 when they are, else the ``fallback`` code page (Winbox 3
    writes the Windows ANSI code page of its machine, often cp1251); cut to :data:`MAX_TEXT`."""
    raw = raw[: MAX_TEXT * 4]
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        decoded = raw.decode(fallback, errors="replace")
    return decoded[:MAX_TEXT]


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit`` of them (:func:`knockgui.core.readfile.read_regular`);
    one sentence for anything else (a FIFO or a device is refused unread, a larger file before it is read)."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file (a PuTTY sessions folder needs --format putty).")
    try:
        return read_regular(path, limit, "give the file itself, not a copy of a device or a pipe.")
    except UnreadableFile as exc:
        raise InputError(exc.message) from None
    except OSError as exc:
        raise InputError(
            f"Could not read {path} ({exc.strerror or type(exc).__name__}); check the file name."
        ) from None


def check_count(records: list[Record], what: str) -> None:
    if len(records) >= MAX_RECORDS:
        raise damaged(what, f"it has more than {MAX_RECORDS} entries")
