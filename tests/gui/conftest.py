"""GUI test helpers: an inventory in a temporary config folder with an in-memory secret store."""

from __future__ import annotations

from pathlib import Path

import pytest

from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory


def make_inventory(config_dir: Path, routers: list[tuple[Router, str]] | None = None) -> Inventory:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    for router, sequence in routers or []:
        inventory.add(router, RouterSecret(parse_sequence(sequence)))
    return inventory


@pytest.fixture
def inventory(config_dir: Path) -> Inventory:
    return make_inventory(
        config_dir,
        [
            (Router(name="alpha", host="192.0.2.1", group="north"), "1337:tcp 17954:udp"),
            (Router(name="bravo", host="192.0.2.2", group="south"), "1000:tcp"),
            (Router(name="charlie", host="gw.example.net", group="north"), "2000:udp"),
        ],
    )


@pytest.fixture
def settings() -> Settings:
    return Settings(default_timeout_s=2.0)


@pytest.fixture
def recorder_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(bin folder first on PATH, records folder): the recording stand-in as WinBox, winbox and xdg-open."""
    from tests.testbed import recorder

    return recorder.use(tmp_path, monkeypatch, "WinBox", "winbox", "xdg-open")
