"""The Windows executables built under Wine: both self-tests (offscreen, the Windows keyring backend),
the version resource, and the CLI exe knocking the namespace router with TCP, UDP and an ICMP step
sent through IcmpSendEcho (Wine's sockets are the host's, so the packets are real)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import build  # noqa: E402
import windows  # noqa: E402

from knockgui import __version__  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.wine, pytest.mark.timeout(1200)]


def run_exe(exe: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return windows.wine([str(exe), *args], check=False, timeout=300)


def test_both_exes_pass_their_self_test_under_wine(windows_dist: Path, tmp_path: Path) -> None:
    for exe, args in (
        (windows_dist / "knockgui.exe", ["--self-test", "-platform", "offscreen"]),
        (windows_dist / "knockgui-cli.exe", ["self-test"]),
    ):
        report = tmp_path / f"{exe.stem}.txt"
        proc = run_exe(exe, *args, "--report", windows.windows_path(report))
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


def test_each_exe_carries_its_own_version_resource(windows_dist: Path) -> None:
    # Read from the built PE files (pefile, in the Wine CPython), not from the generated version files.
    folder = windows_dist
    found = windows.version_strings([folder / "knockgui.exe", folder / "knockgui-cli.exe"])
    gui, cli = (found[windows.windows_path(folder / name)] for name in ("knockgui.exe", "knockgui-cli.exe"))
    assert (gui["InternalName"], gui["OriginalFilename"]) == ("knockgui", "knockgui.exe")
    assert (cli["InternalName"], cli["OriginalFilename"]) == ("knockgui-cli", "knockgui-cli.exe")
    assert gui["FileDescription"] == "knockgui: knock, check and connect to MikroTik routers"
    assert cli["FileDescription"] == "knockgui-cli: the knockgui command line (knock, check, connect)"
    for strings in (gui, cli):
        assert strings["ProductVersion"] == strings["FileVersion"] == __version__
        assert strings["ProductName"] == "knockgui" and strings["fixed"] == "0.1.0.0"
    assert build.version_problems(found, __version__) == []


@pytest.mark.root
def test_the_cli_exe_knocks_tcp_udp_and_icmp_under_wine(
    windows_dist: Path, netns_router: Callable[..., NamespaceRouter]
) -> None:
    router = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954), Stage.icmp(128)]))
    cli = windows_dist / "knockgui-cli.exe"
    host = router.router4
    partial = run_exe(cli, "knock", host, "1337", "17954:udp", "--check", "8291", "--timeout", "1")
    assert partial.returncode == 1, partial.stdout + partial.stderr  # without the ICMP step it stays closed
    full = run_exe(cli, "knock", host, "1337", "17954:udp", "icmp:128", "--check", "8291", "-v")
    assert full.returncode == 0, full.stdout + full.stderr
    assert f"Port 8291 on {host} is open" in full.stdout
