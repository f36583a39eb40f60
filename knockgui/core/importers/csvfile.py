"""Routers in a spreadsheet: CSV with a header row, in and out.

The header names the columns, in any order: ``name,host,port,group,service,user,password,sequence,note``
(any subset beyond ``host``; ``notes``, ``address``, ``login`` are understood too, other columns are
ignored). ``,`` or ``;`` separates fields, as Excel writes them; UTF-8 with or without a BOM. The
export (:func:`encode` from routers) holds no secret: no password and no sequence column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from knockgui.core.importers.records import MAX_RECORDS, MAX_TEXT, Record, damaged
from knockgui.core.model import Router

WHAT = "CSV file"
COLUMNS = ("name", "host", "port", "group", "service", "user", "password", "sequence", "note")
EXPORT_COLUMNS = ("name", "host", "port", "group", "service", "user", "note")
_ALIASES = {
    "notes": "note",
    "comment": "note",
    "address": "host",
    "login": "user",
    "username": "user",
    "kind": "service",
    "pwd": "password",
}


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _port(value: str) -> tuple[int | None, str]:
    value = value.strip()
    if not value:
        return None, ""
    if value.isascii() and value.isdigit() and len(value) <= 5 and 1 <= int(value) <= 65535:
        return int(value), ""
    return None, "its port is not a whole number from 1 to 65535"


def decode(data: bytes) -> list[Record]:
    """The records of a CSV file's bytes (UTF-8, a BOM allowed)."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise damaged(WHAT, "it is not UTF-8 text; save it as 'CSV UTF-8'") from None
    if "\x00" in content:
        raise damaged(WHAT, "it holds NUL characters, so it is not text")
    first = content.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(first), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise damaged(WHAT, "it is empty")
        names = [_ALIASES.get(h.strip().casefold(), h.strip().casefold()) for h in header]
        if "host" not in names:
            raise damaged(WHAT, "its first row names no host column (name,host,port,... )")
        index = {name: i for i, name in reversed(list(enumerate(names))) if name in COLUMNS}
        records: list[Record] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(records) >= MAX_RECORDS:
                raise damaged(WHAT, f"it has more than {MAX_RECORDS} rows")
            records.append(_record(row, index))
    except csv.Error as exc:
        raise damaged(WHAT, f"line {reader.line_num}: {str(exc)[:80]}") from None
    return records


def _record(row: list[str], index: dict[str, int]) -> Record:
    def get(column: str) -> str:
        i = index.get(column)
        return row[i].strip()[:MAX_TEXT] if i is not None and i < len(row) else ""

    port, problem = _port(get("port"))
    host = get("host")
    if not host and not problem:
        problem = "it has no host"
    return Record(
        host=host,
        name=get("name"),
        port=port,
        group=get("group"),
        kind=get("service").casefold(),
        user=get("user"),
        password=get("password"),
        note=get("note"),
        sequence=get("sequence"),
        skip=problem,
    )


def encode(rows: Iterable[dict[str, str]], columns: tuple[str, ...] = EXPORT_COLUMNS, *, delimiter: str = ",") -> bytes:
    """CSV bytes (UTF-8, no BOM) of these rows under a header of ``columns``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def encode_records(records: Iterable[Record], *, delimiter: str = ",", bom: bool = False) -> bytes:
    """A CSV file of these records with every column, secrets included (tests write these)."""
    rows = [
        {
            "name": r.name,
            "host": r.host,
            "port": "" if r.port is None else str(r.port),
            "group": r.group,
            "service": r.kind,
            "user": r.user,
            "password": r.password,
            "sequence": r.sequence,
            "note": r.note,
        }
        for r in records
    ]
    data = encode(rows, COLUMNS, delimiter=delimiter)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def export_csv(routers: Iterable[Router]) -> bytes:
    """The routers as CSV without secrets (no password, no sequence), in :data:`EXPORT_COLUMNS`."""
    return encode(
        {
            "name": r.name,
            "host": r.host,
            "port": str(r.service_port),
            "group": r.group,
            "service": r.service.value,
            "user": r.user,
            "note": r.notes,
        }
        for r in routers
    )
