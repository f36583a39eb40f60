"""The GUI's knock flow end to end against the namespace router (nftables, the seed's rules).

Knock, check and launch (the recording stand-in as WinBox), a wrong sequence, cancel with Esc, and
the window staying responsive while a knock waits on a host that never answers.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer

from knockgui.core.model import Service
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.gui.test_main_window import make_window, result_of, wait_idle
from tests.testbed import recorder
from tests.testbed.netns import Stage, knock_ruleset
from tests.testbed.routers import make_router


def inventory_for(config_dir: Path, host: str, sequences: dict[str, str], timeout_s: float = 2.0) -> Inventory:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    for name, text in sequences.items():
        router = make_router(name=name, host=host, service=Service.WINBOX, timeout_s=timeout_s, group="lab")
        inventory.add(router, RouterSecret(parse_sequence(text)))
    return inventory


def test_enter_knocks_checks_and_launches_winbox(qtbot, config_dir, seed_router, recorder_bin) -> None:
    _bin, records = recorder_bin
    inventory = inventory_for(
        config_dir, seed_router.router4, {"seed": "1337:tcp 17954:udp", "swapped": "17954:udp 1337:tcp"}
    )
    window = make_window(qtbot, inventory, config_dir)
    assert not seed_router.is_open(8291)

    window.focus_filter()
    qtbot.keyClicks(window.filter, "swapped")
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert result_of(window, "swapped").startswith("no answer after 2 s")
    assert recorder.records(records) == []
    assert not seed_router.is_open(8291)

    window.filter.clear()
    qtbot.keyClicks(window.filter, "seed")
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert result_of(window, "seed").startswith("open in ")
    qtbot.waitUntil(lambda: len(recorder.records(records)) == 1, timeout=10000)
    argv = recorder.records(records)[0]["argv"]
    assert recorder.records(records)[0]["name"] == "WinBox"
    assert argv[0] == seed_router.router4  # the default port 8291 is not appended
    assert seed_router.counters()["knock1_4"] == 2  # one SYN from each of the two knocks


def test_esc_cancels_and_the_window_stays_responsive(qtbot, config_dir, netns_router, recorder_bin) -> None:
    silent = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]))  # drops all but the knock
    inventory = inventory_for(config_dir, silent.router4, {"silent": "1000:tcp"}, timeout_s=60.0)
    window = make_window(qtbot, inventory, config_dir)
    ticks: list[int] = []
    timer = QTimer(window)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()

    window.connect_selected()
    qtbot.waitUntil(lambda: "checking port 8291" in result_of(window, "silent"), timeout=5000)
    assert window.acts.cancel.isEnabled()
    before = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= before + 20, timeout=5000)  # the event loop runs during the knock
    window.focus_filter()
    qtbot.keyClicks(window.filter, "sil")  # typing works while the knock waits
    assert window.filter.text() == "sil" and window.proxy.rowCount() == 1
    assert window.runner.is_running(window.model.routers[0].id)

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=5000)
    assert result_of(window, "silent").startswith("cancelled")
    assert not window.acts.cancel.isEnabled()
    timer.stop()


def test_quitting_the_app_cancels_a_running_knock(qtbot, config_dir, netns_router, recorder_bin) -> None:
    from PySide6.QtCore import QCoreApplication

    silent = netns_router(knock_ruleset([Stage.tcp(1337)]))
    inventory = inventory_for(config_dir, silent.router4, {"silent": "1000:tcp"}, timeout_s=60.0)
    window = make_window(qtbot, inventory, config_dir)
    window.connect_selected()
    qtbot.waitUntil(lambda: "checking port" in result_of(window, "silent"), timeout=5000)
    QCoreApplication.instance().aboutToQuit.emit()  # what app.quit() sends (the tray's Quit closes no window)
    assert window.runner.pool.activeThreadCount() == 0  # shutdown() waited for the cancelled knock
