"""Winbox's saved sessions, ``Addresses.cdb`` (WinBox 3 and 4), open or locked with a master password.

Open file: magic ``0d f0 1d c0``, then records, each a u32 LE length and an "M2" message: ``M2`` and
fields. A field is a u32 LE key (low 24 bits the id, top byte the type) and its value (see
:data:`_SIZES`). Field ids: 1 host, 2 login, 3 password (in clear; empty when not kept), 4 note,
7 keep-password, 8 group, 11 RoMON agent (empty = direct). Unknown ids are skipped by their type; a
record with a type we cannot size is skipped with a reason (its length is known), never fatal.

Locked file: magic ``0d f0 11 40``, a 32-byte salt, then the whole open file under RC4 with the
first 768 keystream bytes dropped, key = SHA-1(salt + UTF-8 password). The password is right when the
decrypted file starts with the open magic.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
from pathlib import Path

from knockgui.core.errors import InputError
from knockgui.core.importers.records import MAX_RECORDS, Record, damaged, text

OPEN_MAGIC = b"\x0d\xf0\x1d\xc0"
LOCKED_MAGIC = b"\x0d\xf0\x11\x40"
SALT_BYTES = 32
RC4_DROP = 768
WHAT = "Winbox address file"

F_HOST, F_LOGIN, F_PASSWORD, F_NOTE, F_KEEP, F_GROUP, F_ROMON = 1, 2, 3, 4, 7, 8, 11
F_SESSION3, F_SESSION4, F_NOTE_MIRROR, F_INDEX = 6, 12, 0xFE0009, 0xFE0001

T_FALSE, T_TRUE, T_U32, T_U8, T_U64, T_STR16, T_STR8, T_BYTES8, T_U32_ARRAY = (
    0x00,
    0x01,
    0x08,
    0x09,
    0x10,
    0x20,
    0x21,
    0x31,
    0x88,
)
# type -> (fixed size, or the size of its length prefix as a negative number; element size of arrays)
_SIZES: dict[int, tuple[int, int]] = {
    T_FALSE: (0, 0),
    T_TRUE: (0, 0),
    T_U32: (4, 0),
    T_U8: (1, 0),
    T_U64: (8, 0),
    T_STR8: (-1, 1),
    T_STR16: (-2, 1),
    T_BYTES8: (-1, 1),
    T_U32_ARRAY: (-2, 4),
}

Value = bool | int | bytes | tuple[int, ...]
Field = tuple[int, int, Value]  # id, type, value


class _Skip(Exception):
    """A record that cannot be read (an unknown field type): skipped, with the reason."""


def is_cdb(data: bytes) -> bool:
    return data[:4] in (OPEN_MAGIC, LOCKED_MAGIC)


def is_locked(data: bytes) -> bool:
    return data[:4] == LOCKED_MAGIC


def _rc4(key: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher

    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    except ImportError:  # cryptography < 43 keeps it among the main algorithms
        from cryptography.hazmat.primitives.ciphers.algorithms import ARC4

    cipher = Cipher(ARC4(key), mode=None).encryptor()
    cipher.update(bytes(RC4_DROP))
    return cipher.update(data) + cipher.finalize()


def _key(salt: bytes, password: str) -> bytes:
    return hashlib.sha1(salt + password.encode("utf-8", errors="surrogatepass")).digest()


def unlock(data: bytes, password: str | None) -> bytes:
    """The open form of a (possibly locked) file. InputError: no password given, or the wrong one."""
    if not is_locked(data):
        return data
    if len(data) < 4 + SALT_BYTES + 4:
        raise damaged(WHAT, "it ends inside its header")
    if not password:
        raise InputError("This Winbox file is locked with a master password; give it (nothing was imported).")
    salt = data[4 : 4 + SALT_BYTES]
    plain = _rc4(_key(salt, password), data[4 + SALT_BYTES :])
    if plain[:4] != OPEN_MAGIC:
        raise InputError("The Winbox master password is wrong; nothing was imported, try again.")
    return plain


def _fields(body: bytes) -> list[Field]:
    fields: list[Field] = []
    pos, end = 0, len(body)
    while pos < end:
        if end - pos < 4:
            raise damaged(WHAT, "a field ends inside its key")
        (key,) = struct.unpack_from("<I", body, pos)
        pos += 4
        fid, ftype = key & 0xFFFFFF, key >> 24
        size = _SIZES.get(ftype)
        if size is None:
            raise _Skip(f"it holds a field of an unknown kind (0x{ftype:02x})")
        fixed, element = size
        value: Value
        if fixed >= 0:
            if end - pos < fixed:
                raise damaged(WHAT, "a field runs past the end of its entry")
            raw = body[pos : pos + fixed]
            pos += fixed
            value = ftype == T_TRUE if fixed == 0 else int.from_bytes(raw, "little")
        else:
            width = -fixed
            if end - pos < width:
                raise damaged(WHAT, "a field ends inside its length")
            count = int.from_bytes(body[pos : pos + width], "little")
            pos += width
            length = count * element
            if end - pos < length:
                raise damaged(WHAT, "a field's length runs past the end of its entry")
            raw = body[pos : pos + length]
            pos += length
            if ftype == T_U32_ARRAY:
                value = struct.unpack(f"<{count}I", raw)
            else:
                value = raw
        fields.append((fid, ftype, value))
    return fields


def _record(fields: list[Field]) -> Record:
    values: dict[int, Value] = {}
    for fid, _ftype, value in fields:
        values.setdefault(fid, value)

    def string(fid: int) -> str:
        value = values.get(fid, b"")
        return text(value).strip() if isinstance(value, bytes) else ""

    host = string(F_HOST)
    keep = values.get(F_KEEP) is True
    skip = ""
    if string(F_ROMON):
        skip = "a RoMON entry (reached through another router, it has no address to knock)"
    elif not host:
        skip = "it has no address"
    note = string(F_NOTE) or string(F_NOTE_MIRROR)
    return Record(
        host=host,
        group=string(F_GROUP),
        kind="winbox",
        user=string(F_LOGIN),
        password=string(F_PASSWORD) if keep else "",
        note=note,
        skip=skip,
    )


def decode(data: bytes, password: str | None = None) -> list[Record]:
    """The records of an ``Addresses.cdb`` file's bytes (open, or locked and ``password`` given)."""
    if not is_cdb(data):
        raise damaged(WHAT, "it does not start with Winbox's signature")
    plain = unlock(data, password)
    records: list[Record] = []
    pos, end = 4, len(plain)
    while pos < end:
        if len(records) >= MAX_RECORDS:
            raise damaged(WHAT, f"it has more than {MAX_RECORDS} entries")
        if end - pos < 4:
            raise damaged(WHAT, "it ends inside an entry's length")
        (length,) = struct.unpack_from("<I", plain, pos)
        pos += 4
        if length > end - pos:
            raise damaged(WHAT, "an entry's length runs past the end of the file")
        body = plain[pos : pos + length]
        pos += length
        if body[:2] != b"M2":
            raise damaged(WHAT, "an entry is not a Winbox message")
        try:
            records.append(_record(_fields(body[2:])))
        except _Skip as exc:
            records.append(Record(host="", skip=str(exc)))
    return records


# ----- writing (tests, fuzzing and locked samples) -----


def encode_fields(fields: list[Field]) -> bytes:
    out = bytearray(b"M2")
    for fid, ftype, value in fields:
        out += struct.pack("<I", (ftype << 24) | (fid & 0xFFFFFF))
        fixed = _SIZES[ftype][0]
        if fixed == 0:
            continue
        if fixed > 0:
            assert isinstance(value, int)
            out += value.to_bytes(fixed, "little")
        elif ftype == T_U32_ARRAY:
            assert isinstance(value, tuple)
            out += struct.pack(f"<H{len(value)}I", len(value), *value)
        else:
            assert isinstance(value, bytes)
            out += len(value).to_bytes(-fixed, "little") + value
    return bytes(out)


def record_fields(record: Record, *, romon: str = "") -> list[Field]:
    """The fields Winbox 4 writes for an entry (its order, kept password when the record has one)."""

    def string(value: str) -> bytes:
        return value.encode("utf-8")

    return [
        (F_KEEP, T_TRUE if record.password else T_FALSE, bool(record.password)),
        (F_INDEX, T_U8, 6),
        (F_HOST, T_STR8, string(record.host)),
        (F_LOGIN, T_STR8, string(record.user)),
        (F_PASSWORD, T_STR8, string(record.password)),
        (F_NOTE, T_STR8, string(record.note)),
        (F_NOTE_MIRROR, T_STR8, string(record.note)),
        (F_GROUP, T_STR8, string(record.group)),
        (F_SESSION4, T_STR8, b"<own>"),
        (F_ROMON, T_STR8, string(romon)),
    ]


def encode(entries: list[list[Field]], password: str | None = None, salt: bytes | None = None) -> bytes:
    """An ``Addresses.cdb`` file of these entries, locked with ``password`` when one is given."""
    out = bytearray(OPEN_MAGIC)
    for fields in entries:
        body = encode_fields(fields)
        out += struct.pack("<I", len(body)) + body
    if password is None:
        return bytes(out)
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    return LOCKED_MAGIC + salt + _rc4(_key(salt, password), bytes(out))


# ----- where Winbox keeps it -----


def locations(platform: str = sys.platform, env: dict[str, str] | None = None) -> list[Path]:
    """Where WinBox 4 and WinBox 3 keep ``Addresses.cdb`` on ``platform``, most likely first."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
        return [appdata / "MikroTik" / "WinBox" / "Addresses.cdb", appdata / "Mikrotik" / "Winbox" / "Addresses.cdb"]
    if platform == "darwin":
        return [home / "Library" / "Application Support" / "MikroTik" / "WinBox" / "Addresses.cdb"]
    data_home = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    wine = home / ".wine" / "drive_c" / "users" / (env.get("USER") or "user") / "AppData" / "Roaming"
    return [
        data_home / "MikroTik" / "WinBox" / "Addresses.cdb",
        wine / "Mikrotik" / "Winbox" / "Addresses.cdb",  # WinBox 3 under Wine
    ]


def find_saved(platform: str = sys.platform, env: dict[str, str] | None = None) -> Path | None:
    """The first of :func:`locations` that exists, or None."""
    for candidate in locations(platform, env):
        if candidate.is_file():
            return candidate
    return None
