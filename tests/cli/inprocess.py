"""Running ``knockgui-cli`` in the test's own process (fast), with its keyring replaced by memory."""

from __future__ import annotations

import pytest

from knockgui.cli import main
from knockgui.core.secrets import MemorySecretStore


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``knockgui-cli ARGV``: its exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def use_memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemorySecretStore:
    """The CLI's keyring, replaced by an in-memory store for the test."""
    store = MemorySecretStore()
    monkeypatch.setattr("knockgui.cli.inventory.KeyringSecretStore", lambda: store)
    return store
