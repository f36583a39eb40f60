"""`knockgui-cli connect` and `knockgui-cli settings`, driven as processes.

connect runs against a namespace router with the secret in a real (private) gnome-keyring; the
client is the recorder stand-in installed as ``WinBox`` on PATH, and it must outlive the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knockgui.core.model import Router
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed import recorder
from tests.testbed.netns import NamespaceRouter, wait_for
from tests.testbed.secret_service import SecretService


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "knockgui.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def proc_state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


# --- settings ----------------------------------------------------------------------------------------


def test_settings_set_get_list(config_dir: Path) -> None:
    assert cli("settings", "get", "ssh_client").stdout == "openssh\n"
    done = cli("settings", "set", "ssh_client", "putty")
    assert done.returncode == 0 and done.stdout == "Set ssh_client to putty.\n"
    assert cli("settings", "set", "default_delay_ms", "250").returncode == 0
    assert cli("settings", "set", "close_to_tray", "no").returncode == 0
    assert cli("settings", "get", "default_delay_ms").stdout == "250\n"
    saved = json.loads((config_dir / "settings.json").read_text())
    assert saved["ssh_client"] == "putty" and saved["default_delay_ms"] == 250 and saved["close_to_tray"] is False
    listed = json.loads(cli("settings", "list", "--json").stdout)
    assert listed == saved
    assert "default_delay_ms     250" in cli("settings", "list").stdout


def test_settings_errors_are_sentences(config_dir: Path) -> None:
    bad = cli("settings", "set", "ssh_client", "plink")
    assert bad.returncode == 2
    assert bad.stderr == 'knockgui-cli: The setting ssh_client must be "openssh" or "putty".\n'
    unknown = cli("settings", "get", "colour")
    assert unknown.returncode == 2 and unknown.stderr.startswith("knockgui-cli: There is no setting colour: use one of")
    missing = cli("settings", "set", "winbox_path", "/nowhere/WinBox")
    assert missing.returncode == 0 and "warning: /nowhere/WinBox is not a program found" in missing.stderr
    config_dir.joinpath("settings.json").write_text('{"ssh_client": "openssh", "zoom": 3}')
    warned = cli("settings", "get", "ssh_client")
    assert warned.stdout == "openssh\n"
    assert warned.stderr == "knockgui-cli: warning: In settings.json: unknown keys were ignored (zoom).\n"
    assert "Traceback" not in bad.stderr + unknown.stderr + warned.stderr


# --- connect -----------------------------------------------------------------------------------------


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _bin, out = recorder.use(tmp_path, monkeypatch, "WinBox")
    yield out
    (out / "stop").touch()


@pytest.fixture
def keyring_router(
    secret_service: SecretService, seed_router: NamespaceRouter, config_dir: Path
) -> Iterator[NamespaceRouter]:
    """The seed router in the inventory as "core", its sequence in the real keyring."""
    inventory = Inventory.open(config_dir, KeyringSecretStore())
    inventory.add(
        Router(name="core", host=seed_router.router4, user="admin", timeout_s=1),
        RouterSecret(parse_sequence("1337:tcp 17954:udp")),
    )
    inventory.add(
        Router(name="wrong", host=seed_router.router4, user="admin", timeout_s=1),
        RouterSecret(parse_sequence("1338:tcp 17954:udp")),
    )
    yield seed_router


@pytest.mark.root
@pytest.mark.keyring
def test_connect_launches_a_client_that_outlives_the_cli(
    keyring_router: NamespaceRouter, records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KG_RECORDER_HOLD", "1")
    cli_proc = subprocess.Popen(
        [sys.executable, "-m", "knockgui.cli", "connect", "CORE", "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = cli_proc.communicate(timeout=60)
    assert cli_proc.returncode == 0, err
    assert out.startswith(f"Started Winbox to {keyring_router.router4} as admin (pid ")
    assert "core: step 2 of 2 sent (udp)" in err and "1337" not in err + out
    pid = int(out.split("(pid ")[1].split(")")[0])
    assert wait_for(lambda: recorder.records(records), timeout=10)
    start = recorder.records(records)[0]
    assert start["pid"] == pid and start["argv"] == [keyring_router.router4, "admin"]
    # The CLI has exited; the client still runs, is no zombie, and is no longer the CLI's child.
    assert proc_state(pid) in ("S", "R")
    (records / "stop").touch()
    assert wait_for(lambda: recorder.records(records, "end"), timeout=10)
    assert recorder.records(records, "end")[0]["ppid"] != cli_proc.pid


@pytest.mark.root
@pytest.mark.keyring
def test_connect_says_why_and_starts_nothing_when_closed(keyring_router: NamespaceRouter, records: Path) -> None:
    done = cli("connect", "wrong")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(
        f"knockgui-cli: Winbox was not started. Port 8291 on {keyring_router.router4} did not answer"
    )
    assert not wait_for(lambda: recorder.records(records), timeout=0.3)
    knocked = cli("connect", "core", "--no-launch")
    assert knocked.returncode == 0 and knocked.stdout.startswith(f"Port 8291 on {keyring_router.router4} is open")
    assert not wait_for(lambda: recorder.records(records), timeout=0.3)


@pytest.mark.root
@pytest.mark.keyring
def test_connect_keep_open_as_a_process(
    keyring_router: NamespaceRouter, records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("settings", "set", "default_keep_open_s", "1").returncode == 0
    monkeypatch.setenv("KG_RECORDER_HOLD", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "knockgui.cli", "connect", "core", "--keep-open", "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: keyring_router.counters()["knock1_4"] >= 3, timeout=20)
    finally:
        (records / "stop").touch()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Re-knocking every 1 s while it runs." in out
    assert "keep-open ended" in out and err.count("core: re-knocked:") >= 2
    knocks = int(out.split("after ")[1].split(" re-knocks")[0])
    assert keyring_router.counters()["knock1_4"] == 1 + knocks


@pytest.mark.root
@pytest.mark.keyring
def test_connect_says_the_port_opened_but_the_client_failed(
    keyring_router: NamespaceRouter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The knock works, then WinBox on PATH is no program: one sentence with both facts, exit 3."""
    bin_dir = tmp_path / "broken-bin"
    bin_dir.mkdir()
    broken = bin_dir / "WinBox"
    broken.write_bytes(b"\x00\x01 not a program\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    done = cli("connect", "core")
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(f"knockgui-cli: Port 8291 on {keyring_router.router4} opened in ")
    assert ", but Winbox could not be started: " in done.stderr and str(broken) in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and "1337" not in done.stderr
