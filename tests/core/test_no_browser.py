"""With no browser installed, "Knock & connect" on a WebFig router says so (issue 16 item 12).

Real parts: the demo router on loopback and the real ``xdg-open`` (xdg-utils), on a PATH that holds the
system's tools but no browser, so xdg-open ends at once with "no method available" (exit 3).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knockgui.core.connect import LaunchAfterKnockError, connect
from knockgui.core.model import Router, Service, single
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from knockgui.gui.demo import DemoRouter
from tests.conftest import need

BROWSERS = {
    "firefox", "firefox-esr", "chromium", "chromium-browser", "google-chrome", "x-www-browser", "www-browser",
    "sensible-browser", "gnome-www-browser", "epiphany", "konqueror", "lynx", "w3m", "links", "links2", "elinks",
    "seamonkey", "iceweasel", "mozilla", "opera", "brave-browser", "microsoft-edge", "vivaldi", "falkon",
    "qutebrowser", "midori", "gio", "kde-open", "kde-open5", "kfmclient", "gvfs-open", "exo-open", "mimeopen",
    "run-mailcap", "see", "open",
}  # fmt: skip


def _path_without_browsers(tmp_path: Path) -> str:
    folder = tmp_path / "bin"
    folder.mkdir()
    for system in ("/usr/local/bin", "/usr/bin", "/bin"):
        for tool in sorted(Path(system).glob("*")) if Path(system).is_dir() else []:
            if tool.name not in BROWSERS and not (folder / tool.name).exists():
                (folder / tool.name).symlink_to(tool)
    return str(folder)


def test_webfig_without_a_browser_says_no_browser_could_be_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("" if shutil.which("xdg-open") else "needs xdg-open (Debian package xdg-utils)")
    monkeypatch.setenv("PATH", _path_without_browsers(tmp_path))
    for var in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION"):
        monkeypatch.delenv(var, raising=False)
    with DemoRouter() as demo:
        inventory = Inventory.open(tmp_path / "config", MemorySecretStore())
        router = inventory.add(
            Router(name="demo", host="127.0.0.1", services=single(Service.WEBFIG, demo.management_port), timeout_s=10),
            RouterSecret(demo.sequence),
        )
        with pytest.raises(LaunchAfterKnockError) as caught:
            connect(inventory, router, Settings(), platform="linux")
    message = caught.value.message
    assert caught.value.knock.was_successful()
    assert "no browser could be started for WebFig at http://127.0.0.1:" in message, message
    assert "(xdg-open ended with exit code 3)" in message and message.endswith("Settings (browser).")
    assert "Started" not in message
