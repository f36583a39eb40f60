"""Register knockgui as the handler of ``knockgui://`` and ``winbox://`` links for the current user.

- Linux (and other freedesktop systems): a ``.desktop`` file with
  ``MimeType=x-scheme-handler/knockgui;x-scheme-handler/winbox;`` in ``$XDG_DATA_HOME/applications``,
  made the default with ``xdg-mime default`` (when xdg-utils is missing, ``mimeapps.list`` in
  ``$XDG_CONFIG_HOME`` is edited the same way xdg-mime would).
- Windows: values under ``HKCU\\Software\\Classes\\knockgui`` and ``...\\winbox`` (the user's own hive, no
  admin rights). :func:`windows_entries` gives them as data for any platform; :func:`register_windows`
  writes them with ``winreg`` and runs only on Windows.

The command that opens a link is the GUI with the link as its one argument: ``knockgui LINK``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knockgui.core.errors import ConfigError, LaunchError

SCHEMES = ("knockgui", "winbox")
DESKTOP_FILE = "knockgui-links.desktop"
MIME_TYPES = tuple(f"x-scheme-handler/{scheme}" for scheme in SCHEMES)


def gui_command(platform: str = sys.platform) -> list[str]:
    """How to start the knockgui GUI here: the frozen executable, the installed script, or ``python -m``."""
    if getattr(sys, "frozen", False):
        # The frozen CLI (knockgui-cli[.exe]) sits beside the GUI: in the installed folder and in dist/.
        gui = Path(sys.executable).with_name("knockgui.exe" if platform == "win32" else "knockgui")
        return [str(gui)] if gui.is_file() else [sys.executable]
    script = Path(sys.executable).with_name("knockgui.exe" if platform == "win32" else "knockgui")
    if script.is_file():
        return [str(script)]
    found = shutil.which("knockgui")
    if found:
        return [found]
    return [sys.executable, "-m", "knockgui"]


# --- freedesktop -------------------------------------------------------------------------------------
def _desktop_quote(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry spec asks (then escape for the string value)."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if arg and not (set(arg) & reserved) and "=" not in arg and "%" not in arg:
        return arg
    inner = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
    return '"' + inner.replace("\\", "\\\\") + '"'


def desktop_exec(command: Sequence[str]) -> str:
    """``command`` as a desktop file's Exec value (each argument quoted as the spec asks)."""
    return " ".join(_desktop_quote(a) for a in command)


def desktop_entry(command: Sequence[str]) -> str:
    """The ``.desktop`` file that hands a link to ``command LINK``."""
    exec_line = desktop_exec(command) + " %u"
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=knockgui\n"
        "GenericName=Port knock and connect\n"
        "Comment=Knock on a MikroTik router, then open Winbox (knockgui:// and winbox:// links)\n"
        f"Exec={exec_line}\n"
        "Icon=knockgui\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        "Categories=Network;\n"
        f"MimeType={''.join(m + ';' for m in MIME_TYPES)}\n"
    )


def _xdg_dir(var: str, default: str, env: dict[str, str]) -> Path:
    value = env.get(var)
    if value and os.path.isabs(value):
        return Path(value)
    return Path(env.get("HOME") or Path.home()) / default


@dataclass(frozen=True)
class LinuxRegistration:
    desktop_file: Path
    mimeapps: Path
    used_xdg_mime: bool
    message: str


def _update_mimeapps(path: Path, desktop: str) -> None:
    """Set our desktop file as the default for our schemes in a ``mimeapps.list``, keeping everything else."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    out: list[str] = []
    section = ""
    placed = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if section == "[Default Applications]" and not placed:
                out.extend(f"{m}={desktop}" for m in MIME_TYPES)
                placed = True
            section = stripped
        elif section == "[Default Applications]" and stripped.split("=", 1)[0] in MIME_TYPES:
            continue
        out.append(line)
    if not placed:
        if section != "[Default Applications]":
            out.append("[Default Applications]")
        out.extend(f"{m}={desktop}" for m in MIME_TYPES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".knockgui-tmp")
    tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def register_linux(command: Sequence[str] | None = None, env: dict[str, str] | None = None) -> LinuxRegistration:
    """Install the desktop file and make it the default handler of both schemes for this user."""
    env = dict(os.environ) if env is None else env
    command = list(command or gui_command("linux"))
    apps = _xdg_dir("XDG_DATA_HOME", ".local/share", env) / "applications"
    mimeapps = _xdg_dir("XDG_CONFIG_HOME", ".config", env) / "mimeapps.list"
    desktop = apps / DESKTOP_FILE
    try:
        apps.mkdir(parents=True, exist_ok=True)
        desktop.write_text(desktop_entry(command), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"The link handler could not be written to {apps} ({exc.strerror}); check that folder's permissions."
        ) from None
    used = False
    xdg_mime = shutil.which("xdg-mime", path=env.get("PATH"))
    if xdg_mime:
        from knockgui.core.process import start

        try:
            proc = start([xdg_mime, "default", DESKTOP_FILE, *MIME_TYPES], env=env, label="xdg-mime")
            used = proc.wait(15) and proc.returncode == 0
        except LaunchError:
            used = False
    if not used:
        try:
            _update_mimeapps(mimeapps, DESKTOP_FILE)
        except OSError as exc:
            raise ConfigError(
                f"The link handler could not be made the default in {mimeapps} ({exc.strerror}); "
                "check that file's permissions."
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"The link handler could not be made the default: {mimeapps} is not UTF-8 text; repair or remove it."
            ) from None
    return LinuxRegistration(
        desktop,
        mimeapps,
        used,
        f"knockgui now opens knockgui:// and winbox:// links ({desktop}).",
    )


def unregister_linux(env: dict[str, str] | None = None) -> Path:
    """Remove the desktop file (the defaults then point nowhere and the desktop falls back)."""
    env = dict(os.environ) if env is None else env
    desktop = _xdg_dir("XDG_DATA_HOME", ".local/share", env) / "applications" / DESKTOP_FILE
    desktop.unlink(missing_ok=True)
    return desktop


# --- Windows -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegistryValue:
    """One value under HKEY_CURRENT_USER: ``key`` path, value ``name`` ('' = the default value), string ``data``."""

    key: str
    name: str
    data: str


def _windows_quote(arg: str) -> str:
    if arg and not any(c in arg for c in ' \t"'):
        return arg
    return '"' + arg.replace('"', '\\"') + '"'


def windows_entries(command: Sequence[str]) -> list[RegistryValue]:
    """The HKCU values that make ``command "LINK"`` the handler of both schemes (data, for any platform).

    The program is always in quotes (as Windows asks, and as the installer writes them: installer.nsi)."""
    program = '"' + command[0] + '"'
    open_command = " ".join([program, *(_windows_quote(a) for a in command[1:])]) + ' "%1"'
    icon = f"{program},0"
    values: list[RegistryValue] = []
    for scheme in SCHEMES:
        base = f"Software\\Classes\\{scheme}"
        values += [
            RegistryValue(base, "", f"URL:{scheme} link (knockgui)"),
            RegistryValue(base, "URL Protocol", ""),
            RegistryValue(f"{base}\\DefaultIcon", "", icon),
            RegistryValue(f"{base}\\shell\\open\\command", "", open_command),
        ]
    return values


def register_windows(command: Sequence[str] | None = None, platform: str = sys.platform) -> str:
    """Write :func:`windows_entries` into the user's registry (Windows only)."""
    if platform != "win32":
        raise ConfigError("The Windows registry exists only on Windows; on this system use register-links.")
    entries = windows_entries(list(command or gui_command("win32")))
    try:
        _write_registry(entries)
    except OSError as exc:
        raise ConfigError(
            f"The link handler could not be written to the registry ({exc.strerror}); try again or ask an admin."
        ) from None
    return "knockgui now opens knockgui:// and winbox:// links (HKEY_CURRENT_USER\\Software\\Classes)."


def _write_registry(entries: Sequence[RegistryValue]) -> None:
    if sys.platform == "win32":
        import winreg

        for value in entries:
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, value.key) as key:
                winreg.SetValueEx(key, value.name, 0, winreg.REG_SZ, value.data)
    else:
        raise OSError(0, "not Windows")


def register(platform: str = sys.platform) -> str:
    """Register the link handler the way this platform does it; returns a sentence saying what was done."""
    if platform == "win32":
        return register_windows(platform=platform)
    if platform == "darwin":
        raise ConfigError(
            "On macOS links are registered by the app bundle's Info.plist; install knockgui.app to use links."
        )
    return register_linux().message
