"""Values that go into a RouterOS script, checked or quoted so that none can become a command.

A RouterOS script line ends at a line break; ``;`` separates commands; ``$`` substitutes a variable, ``[``
runs a command, ``\\`` at the end of a line joins the next one and ``#`` starts a comment. So:

* durations are parsed to seconds (whole-string match, bounded) and written back in a normal form, so
  ``"3h\\n"`` or ``"3h;/system reset"`` is refused instead of ending the line;
* list-name prefixes are a short run of letters, digits, ``-``, ``_`` and ``.``;
* everything free-form (comments, names, payloads) goes through :func:`quote`, which writes every byte
  that is not plain printable ASCII, and ``"``, ``\\``, ``$``, ``?``, ``;``, as a ``\\XX`` hex escape.
"""

from __future__ import annotations

import re

from knockgui.core.errors import InputError

MAX_DURATION_S = 35 * 604800 + 3 * 86400 + 13 * 3600 + 13 * 60 + 56  # RouterOS 7: 0s..35w3d13h13m56s
PLACE_BEFORE_MAX = 100_000
_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_UNIT_FORM = re.compile(r"(?:(\d{1,8})w)?(?:(\d{1,8})d)?(?:(\d{1,8})h)?(?:(\d{1,8})m)?(?:(\d{1,8})s)?")
_CLOCK_FORM = re.compile(r"(\d{1,4}):([0-5]\d):([0-5]\d)")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,40}")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#%&'()*+,-./:<=>@[]^_`{|}~")


def duration_seconds(text: str, what: str = "timeout") -> int:
    """Seconds in a RouterOS duration (``15s``, ``3h``, ``1d12h``, ``00:00:15``); InputError otherwise."""
    seconds = -1
    if isinstance(text, str) and text.isascii():
        unit = _UNIT_FORM.fullmatch(text)
        clock = _CLOCK_FORM.fullmatch(text)
        if unit and text:
            seconds = sum(int(v) * size for v, (_, size) in zip(unit.groups(), _UNITS, strict=True) if v)
        elif clock:
            h, m, s = (int(v) for v in clock.groups())
            seconds = h * 3600 + m * 60 + s
    if not 1 <= seconds <= MAX_DURATION_S:
        raise InputError(f"The {what} must be a RouterOS duration from 1s to 35w3d13h13m56s, such as 15s, 3h or 1d12h.")
    return seconds


def format_duration(seconds: int) -> str:
    """``10800`` -> ``3h``, ``90`` -> ``1m30s``: the form RouterOS itself prints."""
    out = []
    for name, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{name}")
    return "".join(out) or "0s"


def check_prefix(prefix: str) -> None:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise InputError(
            "The address-list prefix must be 1-41 letters, digits, '-', '_' or '.', starting with one of the first two."
        )


def quote(text: str) -> str:
    """A RouterOS double-quoted string; anything unusual becomes a \\XX hex escape (byte-wise, UTF-8)."""
    return quote_raw(text.encode("utf-8", "backslashreplace"))


def quote_raw(data: bytes) -> str:
    """Bytes as a RouterOS double-quoted string: ``"``, ``\\``, ``$``, ``?`` and non-printables as ``\\XX``."""
    return '"' + "".join(chr(b) if chr(b) in _PLAIN else f"\\{b:02X}" for b in data) + '"'
