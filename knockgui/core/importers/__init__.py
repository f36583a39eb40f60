"""Importers of other programs' router lists: Winbox's ``Addresses.cdb`` and ``.wbx``, CSV, PuTTY.

:func:`read_source` reads a file (or PuTTY's sessions folder), recognises its format from its magic or
its extension unless one is given, and returns plain :class:`Record` values (knockgui's own export
files are read by :mod:`knockgui.core.exchange` and come back as routers). :mod:`.plan` turns either
into a merge plan against the inventory and applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from knockgui.core.errors import InputError
from knockgui.core.importers.records import Record, read_bounded

if TYPE_CHECKING:
    from knockgui.core.exchange import ImportItem

FORMATS = ("winbox", "wbx", "csv", "putty", "knockgui")
STDIN = Path("-")  # the source path of data read from standard input (``import -``): never a folder
_EXTENSIONS = {".cdb": "winbox", ".wbx": "wbx", ".csv": "csv", ".reg": "putty", ".json": "knockgui", ".kgx": "knockgui"}


@dataclass(frozen=True)
class Source:
    """What a file held: its format and records (or, for knockgui's own files, checked import items)."""

    path: Path
    format: str
    records: tuple[Record, ...] = ()
    items: tuple[ImportItem, ...] = ()  # routers (and secrets) from knockgui's own export files


def detect_format(path: Path, data: bytes) -> str:
    """The format of ``data`` from its magic, else from ``path``'s extension; InputError when neither says."""
    from knockgui.core.importers import putty, wbx, winbox

    if winbox.is_cdb(data):
        return "winbox"
    if wbx.is_wbx(data):
        return "wbx"
    if putty.is_reg(data):
        return "putty"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "knockgui"
    found = None if path == STDIN else _EXTENSIONS.get(path.suffix.casefold())
    if found is None:
        what = "file is on standard input" if path == STDIN else f"file {path.name} is"
        raise InputError(f"Could not tell what kind of {what}; give --format ({', '.join(FORMATS)}).")
    return found


def needs_passphrase(source_format: str, data: bytes) -> bool:
    """Whether reading this file needs a (master) password."""
    from knockgui.core import exchange
    from knockgui.core.importers import winbox

    if source_format == "winbox":
        return winbox.is_locked(data)
    return source_format == "knockgui" and exchange.is_encrypted(data)


def read_data(path: Path, source_format: str | None = None) -> tuple[str, bytes]:
    """The format and bytes of a file (bounded, regular files only); a folder is PuTTY's sessions."""
    if path.is_dir():
        if source_format not in (None, "putty"):
            raise InputError(f"{path} is a folder; only PuTTY's sessions folder can be imported as one.")
        return "putty", b""
    if source_format is not None and source_format not in FORMATS:
        raise InputError(f"Unknown format {source_format!r}; use one of {', '.join(FORMATS)}.")
    data = read_bounded(path)
    return source_format or detect_format(path, data), data


def decode(path: Path, source_format: str, data: bytes, passphrase: str | None = None) -> Source:
    """Decode what :func:`read_data` returned. InputError (one sentence) for a file that cannot be read."""
    from knockgui.core.importers import csvfile, putty, wbx, winbox

    if source_format == "putty" and path != STDIN and path.is_dir():
        return Source(path, "putty", tuple(putty.decode_folder(path)))
    if source_format == "winbox":
        return Source(path, source_format, tuple(winbox.decode(data, passphrase)))
    if source_format == "wbx":
        return Source(path, source_format, tuple(wbx.decode(data)))
    if source_format == "csv":
        return Source(path, source_format, tuple(csvfile.decode(data)))
    if source_format == "putty":
        return Source(path, source_format, tuple(putty.decode_reg(data)))
    from knockgui.core import exchange

    return Source(path, "knockgui", items=tuple(exchange.read_import(data, passphrase)))


def read_source(path: Path, source_format: str | None = None, passphrase: str | None = None) -> Source:
    """Read and decode a file in one call."""
    found, data = read_data(Path(path), source_format)
    return decode(Path(path), found, data, passphrase)


__all__ = [
    "FORMATS",
    "STDIN",
    "Record",
    "Source",
    "decode",
    "detect_format",
    "needs_passphrase",
    "read_data",
    "read_source",
]
