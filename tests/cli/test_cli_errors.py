"""Failures the CLI meets outside its own logic end as one sentence on stderr and a non-zero exit, never a
traceback: a reader that stops early (``| head``), Ctrl-D or Ctrl-C at a hidden prompt, an unreadable or
binary passphrase file, a config folder that is a file, a damaged router list. Driven as processes.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.testbed import reset_sigint

CLI = [sys.executable, "-m", "knockgui.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def sentence(stderr: str) -> str:
    """The one line the CLI printed, checked to be a sentence and no traceback."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("knockgui-cli: ") and lines[0].endswith("."), stderr
    return lines[0]


def test_a_reader_that_stops_early_ends_the_cli_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the CLI writes anything: every write is a broken pipe
    try:
        proc = subprocess.run(
            [*CLI, "generate", "--steps", "64"], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, "")


def _terminal_child() -> None:
    reset_sigint()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # its controlling terminal: ^C is SIGINT


def _at_prompt(args: list[str], keys: bytes, prompt: bytes) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, type ``keys`` once ``prompt`` shows; its exit code and output."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=_terminal_child,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    sent = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the CLI exited and closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if not sent and prompt in seen:
                os.write(master, keys)
                sent = True
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert sent, seen
    return code, seen.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("keys", "code", "message"),
    [
        (b"\x04", 2, "knockgui-cli: No input was given (end of input); run the command again and type it."),
        (b"\x03", 130, "knockgui-cli: Cancelled."),
    ],
)
def test_ctrl_d_and_ctrl_c_at_the_hidden_sequence_prompt(keys: bytes, code: int, message: str) -> None:
    got, output = _at_prompt(["add", "Office", "--host", "10.0.0.1", "--sequence", "-"], keys, b"Knock sequence")
    assert got == code
    assert "Traceback" not in output and output.strip().splitlines()[-1].endswith(message)


def test_ctrl_d_at_the_passphrase_prompt(config_dir: Path, tmp_path: Path) -> None:
    got, output = _at_prompt(["export", str(tmp_path / "out.kge"), "--with-secrets"], b"\x04", b"Passphrase: ")
    assert got == 2 and "No input was given" in output and "Traceback" not in output
    assert not (tmp_path / "out.kge").exists()


def test_passphrase_file_that_is_a_folder_or_not_text(tmp_path: Path) -> None:
    proc = cli("export", str(tmp_path / "out.kge"), "--with-secrets", "--passphrase-file", str(tmp_path))
    assert proc.returncode == 2
    assert sentence(proc.stderr) == (
        f"knockgui-cli: Could not read the passphrase file {tmp_path} (Is a directory); check its name."
    )
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xdf\xff\xfe secret tail")
    proc = cli("export", str(tmp_path / "out.kge"), "--with-secrets", "--passphrase-file", str(binary))
    assert proc.returncode == 2
    line = sentence(proc.stderr)
    assert line == f"knockgui-cli: The passphrase file {binary} is not UTF-8 text; write the passphrase as text."
    assert "0xdf" not in line and not (tmp_path / "out.kge").exists()


def test_a_config_folder_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("not a folder")
    proc = cli("--config-dir", str(blocker), "add", "Office", "--host", "10.0.0.1", "--sequence", "1337")
    assert proc.returncode == 3
    assert sentence(proc.stderr.split("\n", 1)[1]) == (  # after the warning that the list cannot be read
        f"knockgui-cli: Could not lock {blocker / 'routers.json'}: {blocker} is a file, not a folder; move that "
        "file away or choose another folder."
    )
    proc = cli("--config-dir", str(blocker), "settings", "set", "default_delay_ms", "5")
    assert proc.returncode == 3
    assert sentence(proc.stderr.split("\n", 1)[1]).endswith(
        "is a file, not a folder; move that file away or choose another folder."
    )
    assert blocker.read_text() == "not a folder"


def test_a_binary_router_list_is_kept_aside_with_a_warning(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "routers.json").write_bytes(os.urandom(4096).replace(b"{", b"x"))
    proc = cli("list")
    assert proc.returncode == 0 and proc.stdout == "No routers.\n"
    assert sentence(proc.stderr).startswith(f"knockgui-cli: warning: The router list {config_dir / 'routers.json'}")
    assert [p.name.split("-")[0] for p in config_dir.iterdir() if not p.name.startswith(".")] == [
        "routers.json.corrupt"
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("add", "x", "--port", "abc"),
            "knockgui-cli add: argument --port: must be a whole number written with the digits 0-9; see knockgui-cli add --help.",
        ),
        (
            ("add",),
            "knockgui-cli add: the following arguments are required: NAME, --host, --sequence; see knockgui-cli add --help.",
        ),
        ((), "knockgui-cli: the following arguments are required: COMMAND; see knockgui-cli --help."),
    ],
)
def test_a_usage_error_is_one_sentence_pointing_at_help(args: tuple[str, ...], line: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == line + "\n"
