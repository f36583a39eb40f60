"""The built Linux one-file executables: size budget, self-test on a real X server with a real Secret
Service, and the built CLI knocking the namespace router."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.testbed.display import XDisplay
from tests.testbed.netns import NamespaceRouter
from tests.testbed.secret_service import SecretService

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

GUI_BUDGET_BYTES = 45_000_000  # issue 7: the one-file GUI stays under 45 MB


def test_the_one_file_gui_stays_under_its_size_budget(linux_dist: Path) -> None:
    size = (linux_dist / "knockgui").stat().st_size
    assert size < GUI_BUDGET_BYTES, f"dist/knockgui is {size / 1e6:.1f} MB, over the 45 MB budget"


def test_the_cli_bundles_no_qt(linux_dist: Path) -> None:
    # The CLI is a fraction of the GUI because it carries no Qt at all.
    assert (linux_dist / "knockgui-cli").stat().st_size < 15_000_000
    proc = subprocess.run([str(linux_dist / "knockgui-cli"), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "knockgui-cli 0.1.0"


@pytest.mark.keyring
@pytest.mark.xvfb
def test_gui_self_test_on_xvfb_with_a_real_secret_service(
    linux_dist: Path, secret_service: SecretService, xdisplay: XDisplay, tmp_path: Path
) -> None:
    report = tmp_path / "gui.txt"
    env = xdisplay.env({"DBUS_SESSION_BUS_ADDRESS": secret_service.address})
    proc = subprocess.run(
        [str(linux_dist / "knockgui"), "--self-test", "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = report.read_text()
    assert "self-test (frozen) on linux" in text
    for line in (
        "ok   imports:",
        "ok   resources:",
        "ok   keyring: SecretService (keyring.backends.SecretService.Keyring); a test entry was stored",
        "ok   gui-imports:",
        "ok   qt-plugins: platform plugins bundled: minimal, offscreen, xcb",
        "ok   qt-platform: QApplication started on 'xcb', event loop ran",
        "ok   icon: knockgui.png loads (256x256)",
        "self-test passed",
    ):
        assert line in text, text


@pytest.mark.keyring
def test_cli_self_test_with_a_real_secret_service(linux_dist: Path, secret_service: SecretService) -> None:
    proc = subprocess.run(
        [str(linux_dist / "knockgui-cli"), "self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok   keyring: SecretService" in proc.stdout
    assert "ok   qt-free: the CLI loaded no Qt module" in proc.stdout


def test_frozen_self_test_fails_without_a_keyring(linux_dist: Path, tmp_path: Path) -> None:
    # conftest's isolation gives the 'fail' backend and no session bus: a frozen app must say so and exit 1.
    proc = subprocess.run(
        [str(linux_dist / "knockgui"), "--self-test", "--report", str(tmp_path / "r.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "FAIL keyring: the 'fail' backend" in (tmp_path / "r.txt").read_text()


@pytest.mark.root
def test_the_built_cli_knocks_the_namespace_router(linux_dist: Path, seed_router: NamespaceRouter) -> None:
    cli = str(linux_dist / "knockgui-cli")
    host = seed_router.router4
    wrong = subprocess.run(
        [cli, "knock", host, "17954:udp", "1337:tcp", "--check", "8291", "--timeout", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr  # wrong order: the router stays closed
    right = subprocess.run(
        [cli, "knock", host, "1337:tcp", "17954:udp", "--check", "8291"], capture_output=True, text=True, timeout=60
    )
    assert right.returncode == 0, right.stdout + right.stderr
    assert "8291" in right.stdout and "open" in right.stdout
