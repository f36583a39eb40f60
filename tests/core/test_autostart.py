"""Start with Windows / at log-in (knockgui.core.autostart): the XDG autostart file for real in the test's
own HOME and XDG_CONFIG_HOME (checked by desktop-file-validate when present), the macOS LaunchAgent, and
the Windows Run value as data (the Wine packaging test writes and reads the real one)."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.core import autostart
from knockgui.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_off_by_default_then_on_and_off_again_in_xdg_config_home(isolated_home: Path) -> None:
    env = dict(os.environ)
    path = Path(env["XDG_CONFIG_HOME"]) / "autostart" / "knockgui.desktop"
    assert autostart.autostart_file("linux", env) == path
    assert not autostart.is_enabled("linux", env)
    message = autostart.enable(["/opt/knock gui/knockgui", "--tray"], "linux", env)
    assert message == f"knockgui now starts at log-in, in the tray ({path})."
    assert autostart.is_enabled("linux", env)
    text = path.read_text(encoding="utf-8")
    assert 'Exec="/opt/knock gui/knockgui" --tray\n' in text and "Type=Application\n" in text
    assert [p.name for p in path.parent.iterdir()] == ["knockgui.desktop"]  # no temporary file left
    validate = shutil.which("desktop-file-validate")
    if validate:
        proc = subprocess.run([validate, str(path)], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
    assert autostart.disable("linux", env) == "knockgui no longer starts at log-in."
    assert not path.exists() and not autostart.is_enabled("linux", env)
    assert autostart.disable("linux", env) == "knockgui no longer starts at log-in."  # twice is fine


def test_without_xdg_config_home_the_file_goes_to_dot_config(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "relative/ignored"}
    autostart.enable(["knockgui", "--tray"], "linux", env)
    assert (tmp_path / ".config" / "autostart" / "knockgui.desktop").is_file()


def test_an_unwritable_autostart_folder_is_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "autostart").write_text("a file where the folder should be")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(ConfigError, match=r"could not be written to .*; check that folder's permissions\.$"):
        autostart.enable(["knockgui", "--tray"], "linux", env)


def test_the_cli_turns_it_on_and_off(isolated_home: Path) -> None:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "knockgui.desktop"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "knockgui.cli", "autostart", *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )

    assert cli("status").stdout == "off\n"
    on = cli("on")
    assert on.returncode == 0 and on.stdout == f"knockgui now starts at log-in, in the tray ({path}).\n", on.stderr
    assert re.search(r"^Exec=.*knockgui.* --tray$", path.read_text(), re.MULTILINE)
    assert cli("status").stdout == "on\n"
    assert cli("off").stdout == "knockgui no longer starts at log-in.\n" and not path.exists()


def test_macos_launch_agent(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    autostart.enable(["/Applications/knockgui.app/Contents/MacOS/knockgui", "--tray"], "darwin", env)
    agent = tmp_path / "Library" / "LaunchAgents" / "io.github.knockgui.plist"
    data = plistlib.loads(agent.read_bytes())
    assert data == {
        "Label": "io.github.knockgui",
        "ProgramArguments": ["/Applications/knockgui.app/Contents/MacOS/knockgui", "--tray"],
        "RunAtLoad": True,
    }
    assert autostart.is_enabled("darwin", env)
    autostart.disable("darwin", env)
    assert not agent.exists()


def test_the_windows_run_value_is_the_installers() -> None:
    value = autostart.windows_value([r"C:\Users\Ana Lima\AppData\Local\Programs\knockgui\knockgui.exe", "--tray"])
    assert (value.key, value.name) == (r"Software\Microsoft\Windows\CurrentVersion\Run", "knockgui")
    assert value.data == r'"C:\Users\Ana Lima\AppData\Local\Programs\knockgui\knockgui.exe" --tray'
    nsi = (ROOT / "build_scripts" / "installer.nsi").read_text(encoding="utf-8")
    installed = autostart.windows_value(["$INSTDIR\\knockgui.exe", "--tray"]).data
    installer_line = f"""WriteRegStr HKCU "${{RUN_KEY}}" "{value.name}" '{installed}'"""
    assert installer_line in nsi
    assert f'!define RUN_KEY "{value.key}"' in nsi
    with pytest.raises(ConfigError, match="only on Windows"):
        autostart.is_enabled("win32") if sys.platform != "win32" else pytest.skip("on Windows the registry is real")
