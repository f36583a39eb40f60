"""`knockgui --self-test` from source: a real Secret Service, offscreen Qt, no window, a report file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.gui.selftest import qt_argv


def test_without_a_display_the_self_test_chooses_offscreen_and_says_so() -> None:
    assert qt_argv([], env={}, platform_name="linux") == (
        ["knockgui", "-platform", "offscreen"],
        " (no display found, so offscreen)",
    )
    assert qt_argv(["-platform", "xcb"], env={}, platform_name="linux")[0] == ["knockgui", "-platform", "xcb"]
    assert qt_argv([], env={"DISPLAY": ":5"}, platform_name="linux") == (["knockgui"], "")
    assert qt_argv([], env={}, platform_name="win32") == (["knockgui"], "")


@pytest.mark.keyring
def test_gui_self_test_passes_with_a_real_keyring_and_writes_the_report(secret_service: object, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "knockgui", "--self-test", "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = report.read_text()
    assert text == proc.stdout
    for line in (
        "ok   keyring: SecretService",
        "ok   qt-platform: QApplication started on 'offscreen'",
        "ok   icon: knockgui.png loads (256x256)",
        "self-test passed",
    ):
        assert line in text


def test_gui_self_test_fails_without_a_keyring_and_still_writes_the_default_report(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "knockgui", "--self-test", "--no-keyring-write"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 1
    report = tmp_path / "knockgui-self-test.txt"
    assert f"report written to {report}" in proc.stdout
    assert "FAIL keyring" in report.read_text()
