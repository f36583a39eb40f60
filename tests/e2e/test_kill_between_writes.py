"""A CLI killed (SIGKILL) between its keyring write and its file write leaves nothing harmful (issue 16 item 8).

Real parts: the CLI process, a real gnome-keyring on a private D-Bus, and ``kill -9`` at the exact point
between the two writes (the store's documented ``KNOCKGUI_PAUSE_BETWEEN_WRITES`` hook makes the process
wait there). Afterwards the next start must reconcile: no orphaned keyring entry, no router listed
without its secret, no stale ``.routers.json.*.tmp`` file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knockgui.core.store import PAUSE_ENV
from tests.testbed.secret_service import SecretService

pytestmark = pytest.mark.keyring

CLI = [sys.executable, "-m", "knockgui.cli"]
SEQUENCE = "23917:tcp 47213:udp"


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *argv], capture_output=True, text=True, timeout=60, env=env)


def knockgui_entries() -> list[str]:
    """The user names (router ids) of every knockgui entry in the real keyring."""
    from keyring.backends.SecretService import Keyring

    collection = Keyring().get_preferred_collection()
    return sorted(item.get_attributes()["username"] for item in collection.search_items({"service": "knockgui"}))


def killed_between_writes(tmp_path: Path, *argv: str) -> None:
    """Run the CLI until it is between its two writes, then SIGKILL it."""
    marker = tmp_path / "paused"
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [*CLI, *argv], env={**os.environ, PAUSE_ENV: str(marker)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert proc.poll() is None, (
                f"the CLI ended before the pause point: {proc.stderr.read() if proc.stderr else ''}"
            )
            assert time.monotonic() < deadline, "the CLI never reached the point between its writes"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def listed(config_dir: Path) -> list[str]:
    proc = cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    return [router["name"] for router in json.loads(proc.stdout)]


def test_add_killed_between_the_writes_leaves_no_orphaned_secret(
    secret_service: SecretService, config_dir: Path, tmp_path: Path
) -> None:
    assert cli("add", "Kept", "--host", "10.0.0.1", "--sequence", SEQUENCE).returncode == 0
    kept = knockgui_entries()
    killed_between_writes(tmp_path, "add", "Office", "--host", "10.0.0.2", "--sequence", SEQUENCE)
    assert listed(config_dir) == ["Kept"]  # the next start: the half-added router is not there...
    assert knockgui_entries() == kept, "the killed add left its secret in the keyring"  # ...nor its secret
    assert cli("add", "Office", "--host", "10.0.0.2", "--sequence", SEQUENCE).returncode == 0


def test_remove_killed_between_the_writes_leaves_no_router_without_its_secret(
    secret_service: SecretService, config_dir: Path, tmp_path: Path
) -> None:
    assert cli("add", "Office", "--host", "10.0.0.2", "--sequence", SEQUENCE).returncode == 0
    assert cli("add", "Kept", "--host", "10.0.0.1", "--sequence", SEQUENCE).returncode == 0
    killed_between_writes(tmp_path, "remove", "Office")
    names = listed(config_dir)
    if "Office" in names:  # still listed: then its secret must still be there (it can be knocked)
        shown = cli("show", "Office", "--reveal")
        assert shown.returncode == 0 and SEQUENCE in shown.stdout, "Office is listed but its secret is gone"
    assert names in (["Kept"], ["Office", "Kept"], ["Kept", "Office"])
    assert len(knockgui_entries()) == len(names), "a secret was left for a router that is gone"
    assert cli("remove", "Office").returncode in (0, 2)
    assert listed(config_dir) == ["Kept"] and len(knockgui_entries()) == 1


def test_a_stale_temporary_file_is_cleaned_up_at_the_next_start(
    secret_service: SecretService, config_dir: Path
) -> None:
    assert cli("add", "Kept", "--host", "10.0.0.1", "--sequence", SEQUENCE).returncode == 0
    stale = config_dir / ".routers.json.k3x9q2_a.tmp"  # what a kill during the atomic write leaves
    stale.write_text('{"schema": 1, "routers": [')
    assert listed(config_dir) == ["Kept"]
    assert not stale.exists(), "the stale temporary file was left behind"


def test_a_stale_temporary_file_of_the_journal_is_cleaned_up_at_the_next_start(
    secret_service: SecretService, config_dir: Path
) -> None:
    # a kill while the journal (.routers.json.pending) itself was being written left its temporary file
    # for ever: benchmarks/redteam.py found '..routers.json.pending.tbzq0kqt.tmp' after a killed remove
    assert cli("add", "Kept", "--host", "10.0.0.1", "--sequence", SEQUENCE).returncode == 0
    stale = config_dir / "..routers.json.pending.tbzq0kqt.tmp"
    stale.write_text('["17dba203c5b04ec9')
    assert listed(config_dir) == ["Kept"]
    assert not stale.exists(), "the journal's stale temporary file was left behind"
