"""stdout carries results only, failures and warnings go to stderr, and ``-`` means stdin or stdout.

In process (tests/cli/inprocess.py) with an in-memory keyring, except where a real pipe matters: those
run ``knockgui-cli`` as a process. Knocks go to loopback only, to a port nobody listens on.
"""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import Inventory
from tests.cli.inprocess import run, use_memory_keyring
from tests.core.inventory_helpers import secret

CLI = [sys.executable, "-m", "knockgui.cli"]


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> MemorySecretStore:
    return use_memory_keyring(monkeypatch)


def closed_port() -> int:
    """A loopback TCP port with nothing listening on it (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_sentence(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("knockgui-cli: ") and lines[0].endswith("."), err
    return lines[0]


# --- failures on stderr ------------------------------------------------------------------------------


def test_connect_that_did_not_open_says_so_on_stderr(
    config_dir: Path, capsys: pytest.CaptureFixture[str], memory: MemorySecretStore
) -> None:
    port = closed_port()
    assert run(capsys, "add", "Lab", "--host", "127.0.0.1", "--sequence", "23456", "--port", str(port))[0] == 0
    assert run(capsys, "edit", "Lab", "--timeout", "0.3")[0] == 0
    code, out, err = run(capsys, "connect", "Lab", "--no-launch")
    assert code == 1 and out == ""
    assert f"Port {port} on 127.0.0.1" in one_sentence(err)


def test_show_without_a_keyring_says_why_on_stderr(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The keyring is conftest's 'fail' backend here: show prints the fields, and why the sequence is missing
    goes to stderr as a warning."""
    Inventory.open(config_dir, MemorySecretStore()).add(Router("Office", "10.0.0.1"), secret("1337:tcp"))
    code, out, err = run(capsys, "show", "Office")
    assert code == 0 and "host: 10.0.0.1" in out
    assert out.splitlines()[-1] == "sequence: unavailable" and "keyring" not in out.casefold()
    assert one_sentence(err).startswith("knockgui-cli: warning: the sequence could not be read: ")


def test_confirm_command_refused_at_the_prompt_says_so_on_stderr(config_dir: Path) -> None:
    runner = Router("Runner", "127.0.0.3", services=(ServiceSpec(Service.CUSTOM, 22, command="sh -c 'echo {host}'"),))
    Inventory.open(config_dir, MemorySecretStore()).add(replace(runner, command_unconfirmed=True), secret("1337:tcp"))
    master, slave = pty.openpty()  # a terminal to answer on; stdout and stderr stay apart
    try:
        os.write(master, b"n\n")
        proc = subprocess.run(
            [*CLI, "confirm-command", "Runner"], stdin=slave, capture_output=True, text=True, timeout=60
        )
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 1
    assert "Not confirmed" not in proc.stdout and "echo {host}" in proc.stdout
    assert "Not confirmed; the command stays blocked" in one_sentence(proc.stderr)
    assert Inventory.open(config_dir, MemorySecretStore()).find("Runner").command_unconfirmed


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_unregister_links_outside_linux_is_refused_not_claimed(
    platform: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    code, out, err = run(capsys, "unregister-links")
    monkeypatch.undo()
    assert code == 3 and out == ""
    assert "works on Linux only" in one_sentence(err)


def test_a_failed_self_test_ends_with_one_sentence_on_stderr(tmp_path: Path) -> None:
    """No keyring (the 'fail' backend): the report stays on stdout, the failure is named on stderr."""
    proc = subprocess.run([*CLI, "self-test", "--no-keyring-write"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "FAIL keyring" in proc.stdout and proc.stdout.splitlines()[-1] == "self-test FAILED: keyring"
    assert one_sentence(proc.stderr) == (
        "knockgui-cli: The self-test failed (keyring); the FAIL lines above say what is wrong."
    )
    refused = subprocess.run(
        [*CLI, "self-test", "--report", "-"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert refused.returncode == 2 and refused.stdout == "" and "already go to stdout" in one_sentence(refused.stderr)
    assert not (tmp_path / "-").exists()
