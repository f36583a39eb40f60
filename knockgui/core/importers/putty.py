"""PuTTY's saved sessions: a ``.reg`` export of ``HKCU\\Software\\SimonTatham\\PuTTY\\Sessions`` (regedit
writes UTF-16 with a BOM, ``REGEDIT4`` files are ANSI), or the ``~/.putty/sessions/`` folder of the Unix
PuTTY (one file per session, ``Key=Value`` lines). Session names are URL-encoded (``My%20Router``).
SSH and telnet sessions become routers with that service; other kinds (serial, raw, rlogin) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote

from knockgui.core.importers.records import MAX_FOLDER_FILES, MAX_RECORDS, MAX_TEXT, Record, damaged, read_bounded

WHAT = "PuTTY sessions file"
SESSIONS_KEY = "HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\"
MAX_SESSION_FILE = 256 * 1024
_SECTION = re.compile(r"^\[(.*)\]\s*$")
_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')
_DWORD = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*=\s*dword:([0-9a-fA-F]{1,8})\s*$')
_KINDS = {"ssh": "ssh", "telnet": "telnet"}


def is_reg(data: bytes) -> bool:
    head = _decode(data[:200])[:40].lstrip("\ufeff")
    return head.startswith(("Windows Registry Editor", "REGEDIT4"))


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def session_record(name: str, values: dict[str, str]) -> Record:
    """A record from one session's settings (``HostName``, ``PortNumber``, ``Protocol``, ``UserName``)."""
    host = values.get("HostName", "").strip()[:MAX_TEXT]
    user = values.get("UserName", "").strip()[:MAX_TEXT]
    if "@" in host:  # PuTTY accepts user@host in the host field
        user, host = host.rsplit("@", 1)[0] or user, host.rsplit("@", 1)[1]
    protocol = values.get("Protocol", "ssh").strip().casefold()
    port_text = values.get("PortNumber", "").strip()
    port = int(port_text) if port_text.isascii() and port_text.isdigit() and len(port_text) <= 5 else None
    skip = ""
    if protocol not in _KINDS:
        skip = f"a {protocol[:20] or 'unknown'} session (only SSH and telnet sessions are routers)"
    elif not host:
        skip = (
            "PuTTY's default settings, not a router" if unquote(name) == "Default Settings" else "it has no host name"
        )
    elif port is not None and not 1 <= port <= 65535:
        skip = "its port is not a whole number from 1 to 65535"
    return Record(
        host=host,
        name=unquote(name).strip()[:MAX_TEXT],
        port=port,
        kind=_KINDS.get(protocol, "ssh"),
        user=user,
        skip=skip,
    )


def decode_reg(data: bytes) -> list[Record]:
    """The sessions of a ``.reg`` export's bytes."""
    if not is_reg(data):
        raise damaged(WHAT, "it is not a registry export (it does not start with 'Windows Registry Editor')")
    sessions: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in _decode(data).splitlines():
        line = line.strip()
        section = _SECTION.match(line)
        if section:
            path = section.group(1)
            if path.casefold().startswith(SESSIONS_KEY.casefold()) and "\\" not in path[len(SESSIONS_KEY) :]:
                name = path[len(SESSIONS_KEY) :]
                if name and name not in sessions:
                    if len(sessions) >= MAX_RECORDS:
                        raise damaged(WHAT, f"it has more than {MAX_RECORDS} sessions")
                    sessions[name] = {}
                current = sessions.get(name)
            else:
                current = None
            continue
        if current is None:
            continue
        string = _STRING.match(line)
        if string:
            current.setdefault(_unescape(string.group(1)), _unescape(string.group(2))[:MAX_TEXT])
            continue
        dword = _DWORD.match(line)
        if dword:
            current.setdefault(_unescape(dword.group(1)), str(int(dword.group(2), 16)))
    return [session_record(name, values) for name, values in sessions.items()]


def _session_values(data: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in _decode(data).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values.setdefault(key.strip(), value.strip()[:MAX_TEXT])
    return values


def decode_folder(folder: Path) -> list[Record]:
    """The sessions in a Unix PuTTY ``sessions`` folder (file names are the URL-encoded session names)."""
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        raise damaged("PuTTY sessions folder", f"it could not be listed: {exc.strerror or exc}") from None
    if len(names) > MAX_FOLDER_FILES:
        raise damaged("PuTTY sessions folder", f"it holds more than {MAX_FOLDER_FILES} files")
    records = []
    for name in names:
        if name.startswith("."):
            continue
        data = read_bounded(folder / name, MAX_SESSION_FILE)
        records.append(session_record(name, _session_values(data)))
    return records


# ----- writing (tests) -----


def _reg_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def encode_reg(sessions: dict[str, dict[str, str | int]], *, utf16: bool = True) -> bytes:
    """A ``.reg`` export as regedit writes it (UTF-16 with a BOM, or REGEDIT4 in ANSI)."""
    lines = ["Windows Registry Editor Version 5.00" if utf16 else "REGEDIT4", ""]
    lines += ["[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions]", ""]
    for name, values in sessions.items():
        lines.append(f"[{SESSIONS_KEY}{quote(name, safe='')}]")
        for key, value in values.items():
            if isinstance(value, int):
                lines.append(f'"{_reg_escape(key)}"=dword:{value:08x}')
            else:
                lines.append(f'"{_reg_escape(key)}"="{_reg_escape(value)}"')
        lines.append("")
    body = "\r\n".join(lines) + "\r\n"
    return b"\xff\xfe" + body.encode("utf-16-le") if utf16 else body.encode("cp1252")


def write_folder(folder: Path, sessions: dict[str, dict[str, str | int]]) -> None:
    """Session files as the Unix PuTTY writes them into ``~/.putty/sessions/``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, values in sessions.items():
        body = "".join(f"{key}={value}\n" for key, value in values.items())
        (folder / quote(name, safe="")).write_text(body, encoding="utf-8")
