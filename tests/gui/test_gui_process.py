"""The real program under Xvfb: ``knockgui --config-dir DIR`` driven with xdotool (Ctrl+F, type, Enter).

The router's secret is in a real gnome-keyring (private D-Bus); the knock goes to the namespace router
with the seed's rules; Winbox is the recording stand-in on PATH.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed import recorder
from tests.testbed.display import XDisplay
from tests.testbed.netns import wait_for


def connect_by_filter(xdisplay: XDisplay, window: int, text: str) -> None:
    """As a user would: focus the window, Ctrl+F, type ``text`` into the filter, Enter (connect the first match)."""
    xdisplay.xdotool("windowfocus", "--sync", str(window))
    xdisplay.xdotool("key", "ctrl+f")
    xdisplay.xdotool("type", "--delay", "20", text)
    xdisplay.xdotool("key", "Return")


def test_ctrl_f_type_enter_launches_winbox_for_the_right_router(
    tmp_path, seed_router, secret_service, xdisplay, recorder_bin
) -> None:
    _bin_dir, records = recorder_bin
    folder = tmp_path / "cfg"
    inventory = Inventory.open(folder, KeyringSecretStore())
    seed = RouterSecret(parse_sequence("1337:tcp 17954:udp"))
    inventory.add(Router(name="Other site", host="127.0.0.1", group="decoys", timeout_s=1.0), seed)
    inventory.add(Router(name="Seed router", host=seed_router.router4, group="lab", timeout_s=3.0), seed)
    inventory.add(Router(name="Spare", host="127.0.0.2", group="decoys", timeout_s=1.0), seed)

    program = Path(sys.executable).parent / "knockgui"
    env = {
        **secret_service.env(),
        "PATH": os.environ["PATH"],
        "KG_RECORD_DIR": str(records),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        "KNOCKGUI_CONFIG_DIR": str(tmp_path / "not-this-one"),  # --config-dir wins
    }
    log = (tmp_path / "knockgui.log").open("wb")
    proc = xdisplay.spawn(
        [str(program), "--config-dir", str(folder)], env=env, session_bus=False, stdout=log, stderr=log
    )
    try:
        window = xdisplay.wait_window("^knockgui", timeout=20)
        assert str(folder) in xdisplay.window_name(window)
        connect_by_filter(xdisplay, window, "seed")
        assert wait_for(lambda: recorder.records(records), timeout=15), (tmp_path / "knockgui.log").read_text()
        record = recorder.records(records)[0]
        assert record["name"] == "WinBox"
        assert record["argv"] == [seed_router.router4]
        assert proc.poll() is None  # still running
    finally:
        xdisplay.stop(proc)
        log.close()
    assert seed_router.counters()["knock1_4"] == 1


def test_demo_from_the_real_program_opens_the_demo_page(tmp_path, xdisplay, recorder_bin) -> None:
    import urllib.request

    _bin_dir, records = recorder_bin
    program = Path(sys.executable).parent / "knockgui"
    env = {"PATH": os.environ["PATH"], "KG_RECORD_DIR": str(records), "HOME": str(tmp_path)}
    log = (tmp_path / "knockgui.log").open("wb")
    proc = xdisplay.spawn([str(program), "--demo"], env=env, session_bus=False, stdout=log, stderr=log)
    try:
        window = xdisplay.wait_window("^knockgui demo", timeout=20)
        folder = Path(xdisplay.window_name(window).split(" — ", 1)[1])  # the demo's temporary config folder
        assert folder.is_dir()
        connect_by_filter(xdisplay, window, "demo router")
        assert wait_for(lambda: recorder.records(records), timeout=15), (tmp_path / "knockgui.log").read_text()
        record = recorder.records(records)[0]
        assert record["name"] == "xdg-open"
        url = record["argv"][0]
        assert url.startswith("http://127.0.0.1:")
        assert b"knockgui demo router" in urllib.request.urlopen(url, timeout=3).read()  # the knock opened it
    finally:
        xdisplay.stop(proc)
        log.close()
    assert not folder.exists()  # SIGTERM ends the program cleanly: the demo removed its folder


def test_connect_with_by_keyboard_starts_the_chosen_service(
    tmp_path, seed_router, secret_service, xdisplay, recorder_bin
) -> None:
    """Shift+F10 on the selected row, W (Connect with), Up, Return: the second service's client starts,
    with the knocked address; then the same for the first service, which starts without a knock."""
    _bin_dir, records = recorder_bin
    recorder.install(_bin_dir, "kgclient")
    folder = tmp_path / "cfg"
    inventory = Inventory.open(folder, KeyringSecretStore())
    seed = RouterSecret(parse_sequence("1337:tcp 17954:udp"))
    services = (ServiceSpec(Service.WINBOX), ServiceSpec(Service.CUSTOM, 22, command="kgclient {host} {port}"))
    inventory.add(Router(name="Seed router", host=seed_router.router4, services=services, timeout_s=3.0), seed)
    inventory.add(Router(name="Spare", host="127.0.0.2", timeout_s=1.0), seed)
    env = {
        **secret_service.env(),
        "PATH": os.environ["PATH"],
        "KG_RECORD_DIR": str(records),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
    }
    log = (tmp_path / "knockgui.log").open("wb")
    program = Path(sys.executable).parent / "knockgui"
    proc = xdisplay.spawn(
        [str(program), "--config-dir", str(folder)], env=env, session_bus=False, stdout=log, stderr=log
    )
    try:
        window = xdisplay.wait_window("^knockgui", timeout=20)
        xdisplay.xdotool("windowfocus", "--sync", str(window))
        xdisplay.xdotool("key", "ctrl+f")
        xdisplay.xdotool("type", "--delay", "20", "seed")
        xdisplay.xdotool("key", "Tab", "Tab")  # from the filter past the group box into the list
        xdisplay.xdotool("key", "shift+F10")
        time.sleep(0.5)  # the menu pops up after the key press has been handled
        xdisplay.xdotool("key", "--delay", "150", "w", "Up", "Return")  # Connect with > (wraps to) the last one
        assert wait_for(lambda: recorder.records(records), timeout=15), (tmp_path / "knockgui.log").read_text()
        first = recorder.records(records)[0]
        assert (first["name"], first["argv"]) == ("kgclient", [seed_router.router4, "22"])
        xdisplay.xdotool("key", "shift+F10")
        time.sleep(0.5)
        xdisplay.xdotool("key", "--delay", "150", "w", "Return")  # Connect with > Winbox (the first)
        assert wait_for(lambda: len(recorder.records(records)) == 2, timeout=15), (
            tmp_path / "knockgui.log"
        ).read_text()
        second = recorder.records(records)[1]
        assert (second["name"], second["argv"]) == ("WinBox", [seed_router.router4])
    finally:
        xdisplay.stop(proc)
        log.close()
    assert seed_router.counters()["knock1_4"] == 1  # knocked once: the second connect found it still open
