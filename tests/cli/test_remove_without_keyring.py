"""``remove`` without a keyring (issue 16 item 9): it was impossible; now it offers --leave-secret, and says so.

The CLI runs with keyring's 'fail' backend (no OS keyring), as on a machine without a Secret Service.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import Inventory
from tests.core.inventory_helpers import secret

CLI = [sys.executable, "-m", "knockgui.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_remove_without_a_keyring_offers_to_leave_the_secret(config_dir: Path) -> None:
    office = Inventory.open(config_dir, MemorySecretStore()).add(Router("Office", "10.0.0.1"), secret("1337:tcp"))
    refused = cli("remove", "Office")
    assert refused.returncode == 3, refused.stderr
    assert "No OS keyring" in refused.stderr and "--leave-secret" in refused.stderr
    assert "Office" in cli("list").stdout  # nothing changed
    removed = cli("remove", "Office", "--leave-secret")
    assert removed.returncode == 0, removed.stderr
    assert "its keyring entry was left" in removed.stdout
    assert "deletes it at a later start" in removed.stderr
    assert "Office" not in cli("list").stdout
    pending = json.loads((config_dir / ".routers.json.pending").read_text())
    assert pending == [office.id]  # a later start with a keyring deletes the secret
