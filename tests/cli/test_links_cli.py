"""`knockgui-cli parse-link` and `register-links` as real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed.routers import make_router


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "knockgui.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def inventory(config_dir: Path) -> Inventory:
    inv = Inventory.open(config_dir, MemorySecretStore())
    secret = RouterSecret(parse_sequence("1337:tcp,17954:udp"))
    inv.add(Router(name="MikroTik-Office", host="10.0.0.1"), secret)
    inv.add(make_router(name="Branch SSH", host="branch.example.net", port=2222), secret)
    return inv


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("winbox://10.0.0.1", "MikroTik-Office (10.0.0.1, winbox port 8291): knock, then connect\n"),
        ("knockgui://knock/branch%20ssh", "Branch SSH (branch.example.net, winbox port 2222): knock only\n"),
        (
            "knockgui://connect/Branch%20SSH?service=winbox:2222",
            "Branch SSH (branch.example.net, winbox port 2222): knock, then connect\n",
        ),
    ],
)
def test_parse_link_names_the_router(inventory: Inventory, link: str, expected: str) -> None:
    proc = cli("parse-link", link)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, "")


@pytest.mark.parametrize(
    ("link", "fragment"),
    [
        ("winbox://10.0.0.9", "No router with the address 10.0.0.9 is in the inventory"),
        ("knockgui://connect/a;reboot", "shell metacharacters"),
        ("http://10.0.0.1", "scheme 'http'"),
    ],
)
def test_parse_link_refuses_with_one_sentence(inventory: Inventory, link: str, fragment: str) -> None:
    proc = cli("parse-link", "--", link)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("knockgui-cli: ") and fragment in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_register_links_writes_the_desktop_file(isolated_home: Path) -> None:
    printed = cli("register-links", "--print")
    assert printed.returncode == 0 and "MimeType=x-scheme-handler/knockgui;x-scheme-handler/winbox;" in printed.stdout
    proc = cli("register-links")
    assert proc.returncode == 0, proc.stderr
    desktop = isolated_home / ".local/share/applications/knockgui-links.desktop"
    assert str(desktop) in proc.stdout
    assert desktop.read_text() == printed.stdout
    gone = cli("unregister-links")
    assert gone.returncode == 0 and not desktop.exists()
