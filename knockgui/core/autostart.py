"""Start knockgui when the user logs in, in the tray (``knockgui --tray``); off unless the user turns it on.

- Windows: the value ``knockgui`` under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``
  (the user's own hive, no admin), ``"C:\\...\\knockgui.exe" --tray``: the same value the installer's
  "Start with Windows (in the tray)" writes (build_scripts/installer.nsi), so either can turn it off.
- Linux (freedesktop): ``$XDG_CONFIG_HOME/autostart/knockgui.desktop`` (default ``~/.config``).
- macOS: a LaunchAgent, ``~/Library/LaunchAgents/io.github.knockgui.plist`` with ``RunAtLoad``.

The state is the system's own (the value or the file exists), not a line in settings.json: the
installer, the settings dialog and ``knockgui-cli autostart`` all see the same thing.
"""

from __future__ import annotations

import os
import plistlib
import sys
from collections.abc import Sequence
from pathlib import Path

from knockgui.core.errors import ConfigError
from knockgui.core.linkreg import RegistryValue, desktop_exec, gui_command

RUN_KEY = "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
RUN_VALUE = "knockgui"
TRAY_FLAG = "--tray"
DESKTOP_FILE = "knockgui.desktop"
LAUNCH_AGENT = "io.github.knockgui.plist"


def start_command(platform: str = sys.platform) -> list[str]:
    """What runs at log-in: the GUI, into the tray."""
    return [*gui_command(platform), TRAY_FLAG]


def windows_value(command: Sequence[str]) -> RegistryValue:
    """The Run value for ``command`` (data, for any platform); the program in quotes, as the installer writes it."""
    return RegistryValue(RUN_KEY, RUN_VALUE, " ".join(['"' + command[0] + '"', *command[1:]]))


def _home(env: dict[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def autostart_file(platform: str = sys.platform, env: dict[str, str] | None = None) -> Path:
    """The file that starts knockgui at log-in on Linux and macOS."""
    env = dict(os.environ) if env is None else env
    if platform == "darwin":
        return _home(env) / "Library" / "LaunchAgents" / LAUNCH_AGENT
    xdg = env.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else _home(env) / ".config"
    return base / "autostart" / DESKTOP_FILE


def desktop_entry(command: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=knockgui\n"
        "Comment=Knock on MikroTik routers from the tray (started at log-in)\n"
        f"Exec={desktop_exec(command)}\n"
        "Icon=knockgui\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(command: Sequence[str]) -> bytes:
    return plistlib.dumps({"Label": "io.github.knockgui", "ProgramArguments": list(command), "RunAtLoad": True})


def is_enabled(platform: str = sys.platform, env: dict[str, str] | None = None) -> bool:
    """Whether knockgui starts at log-in for this user."""
    if platform == "win32":
        return _read_run_value() is not None
    return autostart_file(platform, env).is_file()


def enable(
    command: Sequence[str] | None = None, platform: str = sys.platform, env: dict[str, str] | None = None
) -> str:
    """Start knockgui (in the tray) at log-in; returns a sentence saying where that was written."""
    command = list(command or start_command(platform))
    if platform == "win32":
        value = windows_value(command)
        try:
            _write_run_value(value.data)
        except OSError as exc:
            raise ConfigError(
                f"Start with Windows could not be written to the registry ({exc.strerror}); try again."
            ) from None
        return f"knockgui now starts with Windows, in the tray (HKEY_CURRENT_USER\\{RUN_KEY})."
    path = autostart_file(platform, env)
    data = launch_agent(command) if platform == "darwin" else desktop_entry(command).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".knockgui-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(
            f"The start-at-log-in file could not be written to {path.parent} ({exc.strerror}); "
            "check that folder's permissions."
        ) from None
    return f"knockgui now starts at log-in, in the tray ({path})."


def disable(platform: str = sys.platform, env: dict[str, str] | None = None) -> str:
    """Stop starting knockgui at log-in (nothing to do is not an error)."""
    if platform == "win32":
        try:
            _delete_run_value()
        except OSError as exc:
            raise ConfigError(
                f"Start with Windows could not be removed from the registry ({exc.strerror}); try again."
            ) from None
        return "knockgui no longer starts with Windows."
    path = autostart_file(platform, env)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(f"{path} could not be removed ({exc.strerror}); remove it yourself.") from None
    return "knockgui no longer starts at log-in."


def set_enabled(on: bool, platform: str = sys.platform, env: dict[str, str] | None = None) -> str:
    return enable(platform=platform, env=env) if on else disable(platform=platform, env=env)


# --- the Windows registry (winreg exists only on Windows) ---------------------------------------------
def _read_run_value() -> str | None:
    if sys.platform != "win32":
        raise ConfigError("The Windows registry exists only on Windows.")
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            data, _kind = winreg.QueryValueEx(key, RUN_VALUE)
    except FileNotFoundError:
        return None
    return str(data)


def _write_run_value(data: str) -> None:
    if sys.platform != "win32":
        raise OSError(0, "not Windows")
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
        winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, data)


def _delete_run_value() -> None:
    if sys.platform != "win32":
        raise OSError(0, "not Windows")
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.DeleteValue(key, RUN_VALUE)
    except FileNotFoundError:
        pass
