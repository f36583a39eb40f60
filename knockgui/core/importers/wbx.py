"""WinBox 3's ``.wbx`` export: magic ``0f 10 c0 be``, then entries ``[u16 LE length L][u8 key length]
[ASCII key][value: L - 1 - key length bytes]``; an entry with L = 0 ends a record. Keys: ``group``,
``host``, ``keep-pwd`` (1 byte), ``login``, ``note``, ``pwd`` (in clear), ``secure-mode`` (1 byte),
``type`` (``addr``; a ``window`` record is layout, not a router). Text is in the exporting machine's
Windows ANSI code page (cp1251 is common), not UTF-8: decoded as UTF-8 first, then as cp1251."""

from __future__ import annotations

import struct

from knockgui.core.importers.records import MAX_RECORDS, Record, damaged, text

MAGIC = b"\x0f\x10\xc0\xbe"
WHAT = "Winbox .wbx export"


def is_wbx(data: bytes) -> bool:
    return data[:4] == MAGIC


def _record(values: dict[str, bytes], encoding: str) -> Record | None:
    kind = values.get("type", b"addr").decode("ascii", errors="replace")
    if kind != "addr":
        return None  # a window's layout, not a router
    keep = values.get("keep-pwd", b"\x00")[:1] not in (b"", b"\x00")

    def get(key: str) -> str:
        return text(values.get(key, b""), encoding).strip()

    host = get("host")
    return Record(
        host=host,
        kind="winbox",
        group=get("group"),
        user=get("login"),
        password=get("pwd") if keep else "",
        note=get("note"),
        skip="" if host else "it has no address",
    )


def decode(data: bytes, encoding: str = "cp1251") -> list[Record]:
    """The router records of a ``.wbx`` file's bytes (``encoding``: the fallback for non-UTF-8 text)."""
    if not is_wbx(data):
        raise damaged(WHAT, "it does not start with the .wbx signature")
    records: list[Record] = []
    values: dict[str, bytes] = {}
    pos, end = 4, len(data)
    while pos < end:
        if end - pos < 2:
            raise damaged(WHAT, "it ends inside an entry's length")
        (length,) = struct.unpack_from("<H", data, pos)
        pos += 2
        if length == 0:
            record = _record(values, encoding) if values else None
            if record is not None:
                records.append(record)
                if len(records) > MAX_RECORDS:
                    raise damaged(WHAT, f"it has more than {MAX_RECORDS} entries")
            values = {}
            continue
        if length > end - pos:
            raise damaged(WHAT, "an entry's length runs past the end of the file")
        key_length = data[pos]
        if 1 + key_length > length:
            raise damaged(WHAT, "an entry's key is longer than the entry")
        key = data[pos + 1 : pos + 1 + key_length].decode("ascii", errors="replace")
        values.setdefault(key, data[pos + 1 + key_length : pos + length])
        pos += length
    if values:
        record = _record(values, encoding)
        if record is not None:
            records.append(record)
    if len(records) > MAX_RECORDS:
        raise damaged(WHAT, f"it has more than {MAX_RECORDS} entries")
    return records


def encode(records: list[Record], encoding: str = "cp1251", *, window: bool = False) -> bytes:
    """A ``.wbx`` file holding these records (text in ``encoding``), optionally ending with a window record."""
    out = bytearray(MAGIC)

    def entry(key: str, value: bytes) -> None:
        raw = key.encode("ascii")
        out.extend(struct.pack("<HB", 1 + len(raw) + len(value), len(raw)) + raw + value)

    for record in records:
        entry("type", b"addr")
        entry("host", record.host.encode(encoding))
        entry("login", record.user.encode(encoding))
        entry("pwd", record.password.encode(encoding))
        entry("keep-pwd", b"\x01" if record.password else b"\x00")
        entry("note", record.note.encode(encoding))
        entry("group", record.group.encode(encoding))
        entry("secure-mode", b"\x01")
        out.extend(b"\x00\x00")
    if window:
        entry("type", b"window")
        entry("host", b"1,2,640,480")
        out.extend(b"\x00\x00")
    return bytes(out)
