"""A Wine prefix of its own (a clean "machine") with knockgui installed by its installer, silently.

Shared by the installer tests and the GUI test (one install per session: the GUI is started from where
the installer put it, as a technician starts it from the Start menu). The uninstall test runs last.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "build_scripts"))

import windows  # noqa: E402


@dataclass(frozen=True)
class Machine:
    """A Wine prefix with knockgui installed by its installer."""

    prefix: Path
    user_dir: Path  # drive_c/users/NAME
    install_dir: Path  # host path of %LOCALAPPDATA%\Programs\knockgui

    def wine(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return windows.wine(list(args), prefix=self.prefix, check=check, timeout=300)

    def win(self, path: Path) -> str:
        """The C: path of a file in the prefix."""
        return "C:\\" + str(path.relative_to(self.prefix / "drive_c")).replace("/", "\\")

    @property
    def exe(self) -> str:
        return self.win(self.install_dir / "knockgui.exe")

    @property
    def cli(self) -> str:
        return self.win(self.install_dir / "knockgui-cli.exe")

    @property
    def appdata_knockgui(self) -> Path:
        return self.user_dir / "AppData" / "Roaming" / "knockgui"

    @property
    def shortcut(self) -> Path:
        return (
            self.user_dir / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "knockgui.lnk"
        )

    def values(self, key: str) -> dict[tuple[str, str], str]:
        """Every REG_SZ value under HKCU\\KEY and its subkeys, as {(subkey path, name): data}, in one reg call
        ('' names the default value); empty when the key is not there."""
        proc = self.wine("reg", "query", f"HKCU\\{key}", "/s")
        found: dict[tuple[str, str], str] = {}
        current = ""
        for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
            if line.startswith("HKEY_CURRENT_USER\\"):
                current = line.strip().removeprefix("HKEY_CURRENT_USER\\")
                continue
            parts = line.strip().split("    ", 2)  # "NAME    REG_SZ    DATA" ("(Default)" for the default)
            if len(parts) >= 2 and parts[1] == "REG_SZ":
                found[(current, "" if parts[0] == "(Default)" else parts[0])] = parts[2] if len(parts) == 3 else ""
        return found

    def key_exists(self, key: str) -> bool:
        return self.wine("reg", "query", f"HKCU\\{key}").returncode == 0


def install(setup: Path, prefix: Path) -> Machine:
    """A new prefix at ``prefix`` with ``setup /S /AUTOSTART`` run in it."""
    windows.ensure_prefix(prefix)
    proc = windows.wine([str(setup), "/S", "/AUTOSTART"], prefix=prefix, check=False, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"the installer ended with exit code {proc.returncode}: {proc.stdout}{proc.stderr}")
    users = [p for p in (prefix / "drive_c" / "users").iterdir() if (p / "AppData").is_dir() and p.name != "Public"]
    if len(users) != 1:
        raise RuntimeError(f"expected one user folder in the prefix, found {users}")
    return Machine(prefix, users[0], users[0] / "AppData" / "Local" / "Programs" / "knockgui")


def remove(machine: Machine) -> None:
    subprocess.run(["wineserver", "-k"], env=windows.wine_env(machine.prefix), capture_output=True, timeout=30)
    shutil.rmtree(machine.prefix, ignore_errors=True)
