"""The main window's "Knock group" (Ctrl+Shift+K): every router of the selected router's group is knocked
and checked, nothing launched, other groups untouched; against router addresses in one namespace, each
with its own knock state (tests/testbed/fleet.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.conftest import need
from tests.gui.test_main_window import make_window, result_of, wait_idle
from tests.testbed import recorder
from tests.testbed.fleet import SEQUENCE, WRONG_SEQUENCE, FleetRouter
from tests.testbed.netns import have_root_netns


@pytest.fixture
def fleet() -> Iterator[FleetRouter]:
    need(have_root_netns())
    with FleetRouter(4) as routers:
        yield routers


@pytest.mark.root
def test_knock_group_knocks_the_selected_routers_group_only(
    qtbot, config_dir: Path, fleet: FleetRouter, recorder_bin
) -> None:
    _bin, records = recorder_bin
    inventory = Inventory.open(config_dir, MemorySecretStore())
    plan = [("alpha", "north", SEQUENCE), ("bravo", "north", WRONG_SEQUENCE), ("charlie", "South", SEQUENCE)]
    plan.append(("delta", "", SEQUENCE))
    for (name, group, sequence), address in zip(plan, fleet.addresses, strict=True):
        inventory.add(
            Router(name=name, host=address, group=group, timeout_s=1.5), RouterSecret(parse_sequence(sequence))
        )
    window = make_window(qtbot, inventory, config_dir)
    assert not window.acts.knock_group.isEnabled() or window.selected_router() is not None

    window.focus_filter()
    qtbot.keyClicks(window.filter, "bravo")
    assert window.selected_router() is not None and window.selected_router().name == "bravo"
    window.filter.clear()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(window.runner.running()) or result_of(window, "alpha") != "", timeout=5000)
    wait_idle(qtbot, window)
    assert result_of(window, "alpha").startswith("open in ")
    assert result_of(window, "bravo").startswith("no answer after 1.5 s")
    assert result_of(window, "charlie") == "" and result_of(window, "delta") == ""
    assert fleet.counters()["knock1"] == 1 and fleet.counters()["knock2"] == 1
    assert recorder.records(records) == []  # a group knock starts no client

    assert window.knock_group("south") == 1  # a group named with other capitals is the same group
    wait_idle(qtbot, window)
    assert result_of(window, "charlie").startswith("open in ") and result_of(window, "delta") == ""
