"""The Windows folder build made under Wine (what the installer and the portable zip ship): each exe's
version resource read from the PE file, the Wine CPython holding exactly the pinned set, and the CLI
exe knocking the namespace router with TCP, UDP and an ICMP step sent through IcmpSendEcho (Wine's
sockets are the host's, so the packets are real). The self-tests run on the portable zip's exes
(test_windows_installer.py)."""

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


@pytest.fixture(scope="module")
def folder(windows_dist: Path) -> Path:
    """The folder build both the installer and the portable zip are made of."""
    return windows_dist / "knockgui"


def test_each_exe_carries_its_own_version_resource(folder: Path) -> None:
    # Read from the built PE files (pefile, in the Wine CPython), not from the generated version files.
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


def test_the_wine_cpython_holds_exactly_the_pinned_set() -> None:
    # The same check the release workflow runs after its install (build_scripts/pins.py --check).
    proc = windows.wine([windows.python_exe(), windows.windows_path(ROOT / "build_scripts" / "pins.py"), "--check"])
    assert proc.stdout.startswith("pins: Python 3.12.9 and the ") and "nothing else" in proc.stdout, proc.stdout


@pytest.mark.root
def test_the_cli_exe_knocks_tcp_udp_and_icmp_under_wine(
    windows_dist: Path, netns_router: Callable[..., NamespaceRouter]
) -> None:
    router = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954), Stage.icmp(128)]))
    cli = windows_dist / "knockgui" / "knockgui-cli.exe"
    host = router.router4
    partial = run_exe(cli, "knock", host, "1337", "17954:udp", "--check", "8291", "--timeout", "1")
    assert partial.returncode == 1, partial.stdout + partial.stderr  # without the ICMP step it stays closed
    full = run_exe(cli, "knock", host, "1337", "17954:udp", "icmp:128", "--check", "8291", "-v")
    assert full.returncode == 0, full.stdout + full.stderr
    assert f"Port 8291 on {host} is open" in full.stdout
