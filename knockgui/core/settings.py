"""Program-wide settings: program paths, the terminal, PuTTY vs OpenSSH, default delay and timeout.

They live in ``settings.json`` beside the inventory in the config folder, written atomically. Loading
never fails: a damaged file is kept aside and defaults are used, a bad value falls back to its default,
and unknown keys are ignored; each of these is reported in ``Settings.warning`` (one sentence).
No secret is ever stored here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knockgui.core.atomic import atomic_write
from knockgui.core.digits import is_decimal, is_whole
from knockgui.core.errors import InputError, NotFoundError
from knockgui.core.readfile import UnreadableFile, read_regular

SETTINGS_FILE = "settings.json"
SSH_CLIENTS = ("openssh", "putty")
MAX_DELAY_MS = 600_000
MIN_TIMEOUT_S = 0.1
MAX_TIMEOUT_S = 300.0
MAX_FILE_BYTES = 4 * 1024 * 1024  # settings.json is a few hundred bytes


@dataclass(frozen=True)
class Settings:
    winbox_path: str = ""  # Winbox / WinBox executable (or WinBox.app); empty = search PATH and the usual places
    putty_path: str = ""  # putty.exe / putty; empty = search PATH
    ssh_path: str = ""  # OpenSSH client; empty = ssh on PATH
    telnet_path: str = ""  # telnet client; empty = telnet on PATH
    terminal: str = ""  # terminal for ssh/telnet (Linux); empty = the first known one found
    browser: str = ""  # program given the WebFig URL; empty = the system's default browser
    ssh_client: str = "openssh"  # "openssh" or "putty"
    ssh_options: str = ""  # extra OpenSSH options, split like a shell would (no shell runs), e.g. "-i KEY"
    default_delay_ms: int = 0  # delay between knock steps unless the router says otherwise
    default_timeout_s: float = 5.0  # port check deadline unless the router says otherwise
    # Keep-open's longest interval when the router sets none: 0 re-knocks only before the router's final
    # address-list timeout runs out (four fifths of it); a number re-knocks at least that often.
    default_keep_open_s: int = 0
    close_to_tray: bool = True
    start_minimised: bool = False
    warning: str | None = field(default=None, compare=False, repr=False)  # not saved

    def __post_init__(self) -> None:
        problem = _first_problem(self)
        if problem:
            raise InputError(problem)

    def to_dict(self) -> dict[str, Any]:
        """The saved form (every setting, no warning)."""
        return {f.name: getattr(self, f.name) for f in fields()}


def fields() -> list[dataclasses.Field[Any]]:
    """The settings a user can set (``warning`` is not one)."""
    return [f for f in dataclasses.fields(Settings) if f.name != "warning"]


def keys() -> list[str]:
    return [f.name for f in fields()]


def _type_of(key: str) -> type:
    default = next(f.default for f in fields() if f.name == key)
    return type(default)


def _value_problem(key: str, value: Any) -> str:
    """Why ``value`` is not acceptable for ``key`` ('' when it is)."""
    kind = _type_of(key)
    if kind is bool:
        if not isinstance(value, bool):
            return f"The setting {key} must be true or false."
        return ""
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"The setting {key} must be a whole number."
        if key == "default_delay_ms" and not 0 <= value <= MAX_DELAY_MS:
            return f"The setting default_delay_ms must be 0-{MAX_DELAY_MS} (milliseconds)."
        if key == "default_keep_open_s" and not 0 <= value <= 86_400:
            return (
                "The setting default_keep_open_s must be 0-86400 (seconds; 0: before the router's final timeout ends)."
            )
        return ""
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"The setting {key} must be a number."
        if not MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S:  # compared as it is: float() of a huge int overflows
            return f"The setting {key} must be {MIN_TIMEOUT_S}-{MAX_TIMEOUT_S:g} (seconds)."
        return ""
    if not isinstance(value, str):
        return f"The setting {key} must be text."
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"The setting {key} must not contain control characters."
    if key == "ssh_client" and value not in SSH_CLIENTS:
        return 'The setting ssh_client must be "openssh" or "putty".'
    return ""


def _first_problem(settings: Settings) -> str:
    for f in fields():
        problem = _value_problem(f.name, getattr(settings, f.name))
        if problem:
            return problem
    return ""


def check_key(key: str) -> str:
    """``key`` if it names a setting, else NotFoundError listing the settings."""
    if key not in keys():
        raise NotFoundError(f"There is no setting {key}: use one of {', '.join(keys())}.")
    return key


def parse_value(key: str, text: str) -> Any:
    """A setting's value from the text a user typed (``true``, ``250``, ``putty``...)."""
    check_key(key)
    kind = _type_of(key)
    value: Any = text
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            value = True
        elif lowered in ("false", "no", "off", "0"):
            value = False
        else:
            raise InputError(f"The setting {key} must be true or false.")
    elif kind is int:  # ASCII digits only (int() took ١٢ and 1_000); a minus sign gets the range's sentence
        if not is_whole(text.strip().removeprefix("-")):
            raise InputError(f"The setting {key} must be a whole number written with the digits 0-9.")
        value = int(text.strip())
    elif kind is float:  # float() also took ٢.٥, 1e1 and inf
        if not is_decimal(text.strip().removeprefix("-")):
            raise InputError(f"The setting {key} must be a number written with the digits 0-9, such as 2 or 0.5.")
        value = float(text.strip())
    problem = _value_problem(key, value)
    if problem:
        raise InputError(problem)
    return value


def with_value(settings: Settings, key: str, text: str) -> Settings:
    """A copy of ``settings`` with ``key`` set from the user's text (validated)."""
    return dataclasses.replace(settings, **{key: parse_value(key, text)}, warning=None)


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings_path(config_dir: Path) -> Path:
    return Path(config_dir) / SETTINGS_FILE


def load_settings(config_dir: Path) -> Settings:
    """The saved settings, or defaults; problems are reported in ``warning``, never raised."""
    path = settings_path(config_dir)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return Settings()
    except UnreadableFile as exc:
        return Settings(warning=f"The settings file {path} {exc.reason}; defaults are used.")
    except OSError as exc:
        return Settings(warning=f"The settings file {path} could not be read ({exc.strerror}); defaults are used.")
    try:
        # A BOM is no damage; not UTF-8 (UnicodeDecodeError) is a ValueError too.
        data = json.loads(raw.decode("utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be settings
        kept = path.with_name(f"{SETTINGS_FILE}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, kept)
            where = f"it was kept as {kept.name}"
        except OSError:
            where = "it was left in place"
        return Settings(warning=f"The settings file was damaged and defaults are used; {where}.")
    values: dict[str, Any] = {}
    notes: list[str] = []
    for key in keys():
        if key not in data:
            continue
        value = data[key]
        problem = _value_problem(key, value)  # bounded before any conversion (a 400-digit number)
        if problem:
            notes.append(f"{key} was invalid and its default is used")
        else:
            values[key] = float(value) if _type_of(key) is float else value
    unknown = sorted(k for k in data if k not in keys())
    if unknown:
        notes.append(f"unknown keys were ignored ({', '.join(unknown)})")
    warning = f"In {path.name}: {'; '.join(notes)}." if notes else None
    return Settings(**values, warning=warning)


def save_settings(config_dir: Path, settings: Settings) -> Path:
    """Write ``settings.json`` atomically (a temporary file renamed over the old one)."""
    path = settings_path(Path(config_dir))
    text = json.dumps(settings.to_dict(), indent=2, sort_keys=True) + "\n"
    atomic_write(path, text.encode("utf-8"))
    return path
