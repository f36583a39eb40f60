"""The Windows GUI exe on screen under Wine (issue 15): its window appears on a private Xvfb with
trayer, its icon docks in the tray (Wine's explorer.exe puts it there), and a double-click on a router
knocks the namespace router and starts a stand-in winbox.exe that records its arguments.

The exe runs on Qt's real "windows" platform, in a prefix of its own where a test-only WinRT
UISettings class answers what Wine 8 lacks (see tests/packaging/wine_gui.py for why and what was tried).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.packaging import wine_gui
from tests.testbed.display import XDisplay
from tests.testbed.netns import NamespaceRouter

windows = wine_gui.windows

pytestmark = [pytest.mark.slow, pytest.mark.wine, pytest.mark.xvfb, pytest.mark.root, pytest.mark.timeout(900)]

ROW = (40, 112)  # the first router row, in the window (menu bar, toolbar, filter box and header above it)


@pytest.fixture
def prefix(tmp_path: Path) -> Iterator[Path]:
    need(wine_gui.have_mingw())
    dll, winbox = wine_gui.compile_stubs(tmp_path / "stubs")
    prefix = wine_gui.gui_prefix(tmp_path / "prefix", dll)
    tools = prefix / "drive_c" / "tools"
    tools.mkdir()
    (tools / "winbox.exe").write_bytes(winbox.read_bytes())
    yield prefix
    subprocess.run(["wineserver", "-k"], env=windows.wine_env(prefix), capture_output=True, timeout=30)


def test_the_window_shows_docks_in_the_tray_and_a_double_click_knocks_and_starts_winbox(
    windows_dist: Path,
    prefix: Path,
    xdisplay_with_tray: XDisplay,
    seed_router: NamespaceRouter,
    tmp_path: Path,
) -> None:
    display = xdisplay_with_tray
    folder = windows_dist / "knockgui"
    cli = str(folder / "knockgui-cli.exe")
    host = seed_router.router4
    for args in (
        ["add", "Office", "--host", host, "--sequence", "1337:tcp 17954:udp"],
        ["settings", "set", "winbox_path", r"C:\tools\winbox.exe"],
    ):
        proc = windows.wine([cli, *args], prefix=prefix, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not display.tray_icons()
    env = {**windows.wine_env(prefix), "DISPLAY": display.display}
    gui = subprocess.Popen(
        ["wine", str(folder / "knockgui.exe")],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        window = display.wait_window("^knockgui — ", timeout=90)
        assert gui.poll() is None  # no abort on the UISettings call
        assert display.window_name(window).endswith(r"C:\users\root\AppData\Roaming\knockgui")
        display.wait_tray_icons(wm_class="explorer.exe", timeout=30)  # Wine's tray icon, docked in trayer
        record = prefix / "drive_c" / "tools" / "winbox-args.txt"
        display.xdotool(
            "mousemove", "--window", str(window), *map(str, ROW), "click", "--repeat", "2", "--delay", "80", "1"
        )
        deadline = time.monotonic() + 60
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not record.exists():
            shot = display.screenshot(tmp_path / "screen.png")
            pytest.fail(f"no winbox.exe started after the double-click (screen: {shot})")
        assert record.read_text(encoding="utf-8").split() == [r"C:\tools\winbox.exe", host]  # port 8291: the default
        assert seed_router.host4 in seed_router.set_members("safe_4")  # the knock opened the router for us
    finally:
        subprocess.run(["wineserver", "-k"], env=windows.wine_env(prefix), capture_output=True, timeout=30)
        gui.wait(timeout=30)
