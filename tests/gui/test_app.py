"""The app's entry: --config-dir and KNOCKGUI_CONFIG_DIR, the real keyring's state shown, the list usable without it."""

from __future__ import annotations

from pathlib import Path

from knockgui.core.model import Router
from knockgui.core.secrets import KeyringSecretStore, MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from knockgui.gui.app import build_parser, create_main_window
from tests.gui.test_main_window import result_of, wait_idle
from tests.testbed.routers import make_router


def seed_file(folder: Path, *names: str) -> None:
    """routers.json with these routers (their secrets go to a throwaway memory store)."""
    inventory = Inventory.open(folder, MemorySecretStore())
    for name in names:
        inventory.add(Router(name=name, host="127.0.0.1", timeout_s=1.0), RouterSecret(parse_sequence("1000:tcp")))


def open_window(qtbot, *argv: str):
    started = create_main_window(build_parser().parse_args(list(argv)))
    qtbot.addWidget(started.window)
    started.window.show()
    return started


def test_config_dir_from_the_environment_and_the_flag(qtbot, config_dir: Path, tmp_path: Path) -> None:
    seed_file(config_dir, "from-env")  # KNOCKGUI_CONFIG_DIR points here (tests/conftest.py)
    seed_file(tmp_path / "flag", "from-flag")
    started = open_window(qtbot)
    assert [r.name for r in started.window.model.routers] == ["from-env"]
    assert started.config_dir == config_dir
    started = open_window(qtbot, "--config-dir", str(tmp_path / "flag"))
    assert [r.name for r in started.window.model.routers] == ["from-flag"]
    assert str(tmp_path / "flag") in started.window.windowTitle()


def test_no_keyring_is_shown_and_the_list_stays_usable(qtbot, config_dir: Path) -> None:
    seed_file(config_dir, "alpha", "bravo")  # the autouse isolation selects keyring's "fail" backend
    window = open_window(qtbot).window
    assert isinstance(window.inventory.secrets, KeyringSecretStore)
    qtbot.waitUntil(lambda: "NOT usable" in window.keyring_label.text())
    assert "keyring" in window.statusBar().currentMessage().lower()
    assert window.model.rowCount() == 2
    window.focus_filter()
    qtbot.keyClicks(window.filter, "bra")
    assert window.selected_router().name == "bravo"
    window.connect_selected(launch=False)
    wait_idle(qtbot, window)
    assert "keyring" in result_of(window, "bravo").lower()


def test_a_locked_real_keyring_is_shown_and_the_list_stays_usable(
    qtbot, config_dir: Path, locked_secret_service
) -> None:
    seed_file(config_dir, "alpha", "bravo")
    window = open_window(qtbot).window
    qtbot.waitUntil(lambda: "NOT usable" in window.keyring_label.text(), timeout=20000)
    assert "Secret Service" in window.keyring_label.text()
    assert window.model.rowCount() == 2
    window._select(window.model.routers[0].id)
    window.connect_selected(launch=False)
    wait_idle(qtbot, window, timeout=30000)
    text = result_of(window, "alpha")
    assert "keyring" in text.lower() and "Traceback" not in text


def test_an_unlocked_real_keyring_knocks(qtbot, config_dir: Path, secret_service) -> None:
    from knockgui.gui.demo import DemoRouter

    with DemoRouter() as demo:
        inventory = Inventory.open(config_dir, KeyringSecretStore())
        inventory.add(
            make_router(name="demo", host="127.0.0.1", port=demo.management_port, timeout_s=10.0),
            RouterSecret(demo.sequence),
        )
        window = open_window(qtbot).window
        qtbot.waitUntil(lambda: "(usable)" in window.keyring_label.text(), timeout=20000)
        window.connect_selected(launch=False)
        wait_idle(qtbot, window)
        assert result_of(window, "demo").startswith("open in ")
