"""One running knockgui, as real processes on a private display with a tray host and a real keyring.

The first start with ``--connect NAME`` knocks in its own window. A second start hands its request to
the running instance and exits: no arguments bring the window to
the front, ``--connect NAME`` and a ``winbox://`` link knock the namespace router in the running
instance and start the stand-in Winbox there, an unknown router or a hostile link exits non-zero with
a sentence, and a clicked link (xdg-open through the registered handler) reaches it too. There is still
one window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knockgui.core import linkreg
from knockgui.core.model import Router
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed import recorder
from tests.testbed.display import XDisplay
from tests.testbed.netns import NamespaceRouter, wait_for
from tests.testbed.secret_service import SecretService

pytestmark = [pytest.mark.xvfb, pytest.mark.keyring, pytest.mark.root, pytest.mark.slow]
WINDOW = r"^knockgui — "


def test_second_start_hands_over_and_there_is_one_window(
    xdisplay_with_tray: XDisplay,
    secret_service: SecretService,
    seed_router: NamespaceRouter,
    config_dir: Path,
    tmp_path: Path,
) -> None:
    x = xdisplay_with_tray
    inventory = Inventory.open(config_dir, KeyringSecretStore())
    inventory.add(
        Router(name="MikroTik-Office", host=seed_router.router4), RouterSecret(parse_sequence("1337:tcp 17954:udp"))
    )
    bin_dir = recorder.install(tmp_path / "bin", "WinBox")
    records = tmp_path / "records"
    records.mkdir()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "KG_RECORD_DIR": str(records),
        "KNOCKGUI_CONFIG_DIR": str(config_dir),
        "DBUS_SESSION_BUS_ADDRESS": secret_service.address,  # the keyring's bus (no second bus)
    }
    # The first start with --connect becomes the running instance and knocks there.
    first = x.spawn(
        [sys.executable, "-m", "knockgui", "--connect", "MikroTik-Office"],
        env=env,
        session_bus=False,
        stderr=subprocess.PIPE,
    )
    x.wait_window(WINDOW, timeout=30)
    x.wait_tray_icons(1)
    assert wait_for(lambda: len(recorder.records(records)) == 1, timeout=15)
    assert recorder.records(records)[0]["argv"] == [seed_router.router4]
    assert seed_router.set_members("safe_4") == [seed_router.host4]

    def second(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "knockgui", *args], env=x.env(env), capture_output=True, text=True, timeout=30
        )
        return proc, time.monotonic() - start

    shown, _ = second()
    assert (shown.returncode, shown.stderr) == (0, ""), shown.stderr
    assert "brought to the front" in shown.stdout

    connected, _ = second("--connect", "mikrotik-office")
    assert connected.returncode == 0, connected.stderr
    assert connected.stdout == "knockgui: Knocking on and connecting to MikroTik-Office in the running knockgui.\n"
    assert wait_for(lambda: len(recorder.records(records)) == 2, timeout=15)
    assert recorder.records(records)[1]["argv"] == [seed_router.router4]

    unknown, _ = second("--knock", "Nowhere")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr == (
        "knockgui: No router named 'Nowhere' is in the inventory; check the name with knockgui-cli list.\n"
    )

    linked, _ = second(f"winbox://{seed_router.router4}:8291")
    assert linked.returncode == 0, linked.stderr
    assert wait_for(lambda: len(recorder.records(records)) == 3, timeout=15)

    for hostile, fragment in (
        ("winbox://10.0.0.9", "No router with the address 10.0.0.9"),
        ("knockgui://connect/$(id)", "shell metacharacters"),
    ):
        refused, _ = second(hostile)
        assert refused.returncode == 2 and fragment in refused.stderr and refused.stderr.count("\n") == 1

    # A click on a link: the registered handler (desktop file + xdg-mime) hands it over the same way.
    linkreg.register_linux()
    clicked = subprocess.run(
        ["xdg-open", f"winbox://{seed_router.router4}"], env=x.env(env), capture_output=True, text=True, timeout=30
    )
    assert clicked.returncode == 0, clicked.stderr
    assert wait_for(lambda: len(recorder.records(records)) == 4, timeout=15)

    # The tray as a user works it: right-click the docked icon, the first router, its default entry.
    icon = x.wait_tray_icons(1)[0]
    x.xdotool("mousemove", "--window", str(icon.id), "5", "5")
    x.xdotool("click", "3")
    for key in ("Down", "Right", "Return"):  # MikroTik-Office (recent) > Knock & connect
        time.sleep(0.3)  # let the menu and its submenu map before the next key
        x.xdotool("key", key)
    assert wait_for(lambda: len(recorder.records(records)) == 5, timeout=15)

    assert len(x.search(WINDOW)) == 1  # every later start handed over: still one window
    assert first.poll() is None
    assert x.stop(first) == 0  # SIGTERM quits cleanly although the window closes to the tray
