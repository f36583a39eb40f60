"""The Windows installer and the portable zip, as a field technician gets them (issue 15), under Wine.

The installer (``knockgui-setup-VERSION.exe``, NSIS) is installed silently (``/S /AUTOSTART``) into a Wine
prefix made for this session (a clean "machine", not the build's: conftest's ``machine``, which the GUI
test of test_windows_gui.py also uses), then: the registry values are the
ones knockgui itself writes (links: knockgui/core/linkreg.py, start with Windows:
knockgui/core/autostart.py), the Start-menu shortcut exists, the installed ``knockgui-cli.exe`` adds a
router (%APPDATA%\\knockgui and Credential Manager) and knocks the namespace router by its name, and the
uninstaller removes the program files and registry values but keeps the user's routers and secrets
(read back afterwards by the portable zip's CLI in the same prefix). The zip's exes pass their self-test.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.packaging.wine_machine import Machine
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import windows  # noqa: E402

from knockgui import __version__  # noqa: E402
from knockgui.core import autostart, linkreg  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.wine, pytest.mark.timeout(1200)]

UNINSTALL_KEY = r"Software\Microsoft\Windows\CurrentVersion\Uninstall\knockgui"
SEQUENCE = "1337:tcp 17954:udp"


def test_silent_install_for_this_user_links_shortcut_and_autostart(machine: Machine) -> None:
    for name in ("knockgui.exe", "knockgui-cli.exe", "uninstall.exe", "_internal"):
        assert (machine.install_dir / name).exists(), f"{name} is not in {machine.install_dir}"
    # The links are exactly what knockgui's own "Open links with knockgui" writes for this exe.
    links = {**machine.values(r"Software\Classes\knockgui"), **machine.values(r"Software\Classes\winbox")}
    assert links == {(v.key, v.name): v.data for v in linkreg.windows_entries([machine.exe])}
    run = autostart.windows_value([machine.exe, "--tray"])
    assert machine.values(run.key)[(run.key, run.name)] == run.data == f'"{machine.exe}" --tray'
    uninstall = machine.values(UNINSTALL_KEY)
    assert uninstall[(UNINSTALL_KEY, "DisplayName")] == "knockgui"
    assert uninstall[(UNINSTALL_KEY, "DisplayVersion")] == __version__
    assert uninstall[(UNINSTALL_KEY, "UninstallString")] == f'"{machine.win(machine.install_dir)}\\uninstall.exe"'
    data = machine.shortcut.read_bytes()
    assert data[:4] == b"L\x00\x00\x00"  # a shell link
    assert b"knockgui.exe" in data or "knockgui.exe".encode("utf-16-le") in data
    # The app sees the installer's choice, and its own off/on writes the same value back.
    assert machine.wine(machine.cli, "autostart", "status").stdout == "on\n"
    off = machine.wine(machine.cli, "autostart", "off")
    assert off.stdout == "knockgui no longer starts with Windows.\n", off.stdout + off.stderr
    assert (run.key, run.name) not in machine.values(run.key)
    machine.wine(machine.cli, "autostart", "on")
    assert machine.values(run.key)[(run.key, run.name)] == run.data


@pytest.mark.root
def test_the_installed_cli_keeps_a_router_and_knocks_it_by_name(
    machine: Machine, netns_router: Callable[..., NamespaceRouter]
) -> None:
    router = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]))
    add = machine.wine(machine.cli, "add", "Office", "--host", router.router4, "--sequence", SEQUENCE)
    assert add.returncode == 0, add.stdout + add.stderr
    assert (machine.appdata_knockgui / "routers.json").is_file()
    assert "1337" not in (machine.appdata_knockgui / "routers.json").read_text()  # the sequence is in the keyring
    closed = machine.wine(machine.cli, "knock", router.router4, "17954:udp", "--check", "8291", "--timeout", "1")
    assert closed.returncode == 1, closed.stdout + closed.stderr
    knock = machine.wine(machine.cli, "knock", "Office", "--check", "8291")
    assert knock.returncode == 0, knock.stdout + knock.stderr
    assert f"Port 8291 on {router.router4} is open" in knock.stdout
    # A group knock on Windows: the checks run on the check loops (select() and a socketpair there).
    # Silent knocks the router's IPv6 address with a wrong sequence, so it stays closed for it.
    add = machine.wine(machine.cli, "add", "Silent", "--host", router.router6, "--sequence", "1338:tcp 17954:udp")
    assert add.returncode == 0, add.stdout + add.stderr
    router.exec("nft", "flush", "set", "inet", "knock", "safe_4")
    # By name: the GUI test may have saved routers of its own in this shared machine.
    group = machine.wine(machine.cli, "knock", "Office", "Silent", "--check", "--timeout", "2", "--json")
    assert group.returncode == 1, group.stdout + group.stderr
    results = {item["name"]: (item["address"], item["result"]) for item in json.loads(group.stdout)}
    assert results == {"Office": (router.router4, "open"), "Silent": (router.router6, "no answer")}, group.stdout
    assert "knockgui-cli: 1 of 2 routers opened." in group.stderr


def test_the_uninstaller_removes_the_program_and_keeps_the_users_routers_and_secrets(
    machine: Machine, windows_dist: Path, tmp_path: Path
) -> None:
    if machine.wine(machine.cli, "show", "Office").returncode != 0:  # the knock test did not run (not root)
        add = machine.wine(machine.cli, "add", "Office", "--host", "192.0.2.1", "--sequence", SEQUENCE)
        assert add.returncode == 0, add.stdout + add.stderr
    kept = (machine.appdata_knockgui / "routers.json").read_bytes()
    proc = machine.wine(machine.win(machine.install_dir / "uninstall.exe"), "/S")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    deadline = time.monotonic() + 120  # the uninstaller copies itself to %TEMP% and returns at once
    while machine.install_dir.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not machine.install_dir.exists(), sorted(p.name for p in machine.install_dir.iterdir())
    assert not machine.shortcut.exists()
    for scheme in linkreg.SCHEMES:
        assert not machine.key_exists(rf"Software\Classes\{scheme}")
    assert (autostart.RUN_KEY, autostart.RUN_VALUE) not in machine.values(autostart.RUN_KEY)
    assert not machine.key_exists(UNINSTALL_KEY)
    # Kept: %APPDATA%\knockgui as it was, and the secrets, which the portable build reads back.
    assert (machine.appdata_knockgui / "routers.json").read_bytes() == kept
    portable = unzip(windows_dist, tmp_path)
    show = machine.wine(str(portable / "knockgui-cli.exe"), "show", "Office", "--reveal")
    assert show.returncode == 0 and "1337:tcp" in show.stdout, show.stdout + show.stderr


def unzip(windows_dist: Path, where: Path) -> Path:
    with zipfile.ZipFile(windows_dist / f"knockgui-{__version__}-portable.zip") as zf:
        names = zf.namelist()
        assert all(n.startswith(f"knockgui-{__version__}/") for n in names)
        zf.extractall(where)
    return where / f"knockgui-{__version__}"


def test_the_portable_zip_passes_its_self_test(windows_dist: Path, tmp_path: Path) -> None:
    folder = unzip(windows_dist, tmp_path / "unzipped")
    assert sorted(p.name for p in folder.iterdir()) == ["_internal", "knockgui-cli.exe", "knockgui.exe"]
    for exe, args in (
        (folder / "knockgui.exe", ["--self-test", "-platform", "offscreen"]),
        (folder / "knockgui-cli.exe", ["self-test"]),
    ):
        report = tmp_path / f"{exe.stem}.txt"
        proc = windows.wine([str(exe), *args, "--report", windows.windows_path(report)], check=False, timeout=300)
        text = report.read_text(encoding="utf-8")  # the windowed GUI exe has no console: the report is the output
        assert proc.returncode == 0, text + proc.stderr
        assert "self-test (frozen) on win32" in text
        assert "ok   keyring: Windows WinVaultKeyring (Credential Manager)" in text
        assert "info icmp: permitted: IcmpSendEcho (iphlpapi) opened an ICMP handle" in text
        assert "self-test passed" in text
        if exe.stem == "knockgui":
            assert "ok   qt-platform: QApplication started on 'offscreen'" in text
            assert "ok   qt-plugins: platform plugins bundled: minimal, offscreen, windows" in text
        else:
            assert "ok   qt-free: the CLI loaded no Qt module" in text
