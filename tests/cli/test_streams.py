"""stdout carries results only, failures and warnings go to stderr, and ``-`` means stdin or stdout.

In process (tests/cli/inprocess.py) with an in-memory keyring, except where a real pipe matters: those
run ``knockgui-cli`` as a process. Knocks go to loopback only, to a port nobody listens on.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from knockgui.core.secrets import MemorySecretStore
from tests.cli.inprocess import run, use_memory_keyring

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
