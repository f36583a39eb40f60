"""No interactive prompt goes to stdout, which carries results only (scripts capture it): a question goes
to stderr, a no-echo prompt for a secret to the terminal itself (as ssh and sudo do, so it shows even
when stderr goes to a file).

The CLI runs as a process on a pseudo-terminal that is its controlling terminal (stdin) while stdout and
stderr are pipes, so each prompt is seen where it was written. On the old code confirm-command's question
went to stdout (input()). The refusals when stdin is not a terminal stay as they were.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from knockgui.core.importers import winbox
from knockgui.core.importers.records import Record
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import Inventory
from tests.core.inventory_helpers import secret

CLI = [sys.executable, "-m", "knockgui.cli"]


@dataclass
class Ran:
    code: int
    out: str
    err: str
    terminal: str  # what the CLI wrote to the terminal itself (no-echo prompts, the echo of typed answers)


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the pseudo-terminal becomes the child's controlling terminal


def on_terminal(args: list[str], answers: list[tuple[str, str]]) -> Ran:
    """Run the CLI with a terminal as stdin; type each answer once its prompt has shown (on stderr or on
    the terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    os.close(slave)
    assert proc.stdout is not None and proc.stderr is not None
    err, terminal, pending = b"", b"", list(answers)
    seen, shown = b"", 0  # stderr and the terminal as they came; how much the answered prompts account for
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr, master], [], [], 0.2)
            if master in ready:
                try:
                    chunk = os.read(master, 4096)
                    terminal += chunk
                    seen += chunk
                except OSError:  # EIO: the CLI exited and the terminal has no other user
                    pass
            if proc.stderr in ready:
                chunk = os.read(proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                err += chunk
                seen += chunk
            if pending and pending[0][0].encode() in seen[shown:]:
                prompt, typed = pending.pop(0)
                shown = seen.index(prompt.encode(), shown) + len(prompt)
                os.write(master, typed.encode() + b"\n")
        if pending:  # still waiting for an answer that will not come
            proc.kill()
        code = proc.wait(timeout=30)
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        os.close(master)
    ran = Ran(code, out.decode(), err.decode(), terminal.decode(errors="replace"))
    assert not pending, f"the prompt {pending[0][0]!r} never showed: {ran}"
    return ran


def _imported_command(config_dir: Path) -> None:
    runner = Router("Runner", "127.0.0.3", services=(ServiceSpec(Service.CUSTOM, 22, command="sh -c 'echo {host}'"),))
    Inventory.open(config_dir, MemorySecretStore()).add(replace(runner, command_unconfirmed=True), secret("1337:tcp"))


def test_confirm_command_asks_on_stderr(config_dir: Path) -> None:
    question = "Run it from now on when connecting? [y/N] "
    _imported_command(config_dir)
    ran = on_terminal(["confirm-command", "Runner"], [(question, "y")])
    assert ran.code == 0, ran
    assert ran.err == question + "\n"  # the answer echoes on the terminal; this stderr is not it: a line end
    assert question not in ran.out and question not in ran.terminal
    assert ran.out.splitlines() == [
        "\"Runner\" runs this command (it came from an imported file): sh -c 'echo {host}'",
        'Confirmed the command of "Runner".',
    ]
    assert not Inventory.open(config_dir, MemorySecretStore()).find("Runner").command_unconfirmed


def test_confirm_command_without_a_terminal_is_refused_before_asking(config_dir: Path) -> None:
    _imported_command(config_dir)
    question = "Run it from now on when connecting? [y/N] "
    proc = subprocess.run(
        [*CLI, "confirm-command", "Runner"], input="", capture_output=True, text=True, timeout=60
    )  # not a terminal: refused before asking, as before
    assert proc.returncode == 2 and question not in proc.stdout + proc.stderr
    assert "No terminal to ask; check the command above and give --yes" in proc.stderr
    assert Inventory.open(config_dir, MemorySecretStore()).find("Runner").command_unconfirmed


def test_the_export_passphrase_is_asked_on_the_terminal_and_stdout_stays_the_file(config_dir: Path) -> None:
    """``export --with-secrets -``: stdout is the encrypted file itself, so a prompt there would spoil it."""
    ran = on_terminal(
        ["export", "--with-secrets", "-"], [("Passphrase: ", "correct horse"), ("Passphrase again: ", "correct horse")]
    )
    assert ran.code == 0, ran
    assert "Passphrase" not in ran.out + ran.err
    assert ran.terminal.startswith("Passphrase: \r\nPassphrase again: \r\n"), ran.terminal
    assert "correct horse" not in ran.err + ran.terminal  # asked without echo
    assert isinstance(json.loads(ran.out), dict)  # the whole of stdout is the exported file


@pytest.mark.parametrize(
    ("args", "prompts"),
    [
        (["--sequence", "-"], ["Knock sequence (e.g. 1337:tcp 17954:udp): "]),
        (["--sequence", "1337:tcp", "--password-prompt"], ["Password for Lab (empty for none): ", "Password again: "]),
    ],
    ids=["sequence", "password"],
)
def test_add_asks_for_secrets_on_the_terminal(config_dir: Path, args: list[str], prompts: list[str]) -> None:
    """Here the keyring is the 'fail' backend, so add stops at saving (exit 3): the prompts came first."""
    ran = on_terminal(["add", "Lab", "--host", "127.0.0.1", *args], [(p, "1337:tcp") for p in prompts])
    assert ran.out == "" and not any(p in ran.err for p in prompts)
    assert ran.terminal.startswith("\r\n".join(prompts) + "\r\n"), ran.terminal
    assert ran.code == 3 and "keyring" in ran.err.splitlines()[-1].casefold(), ran


def test_the_winbox_master_password_is_asked_on_the_terminal(tmp_path: Path, config_dir: Path) -> None:
    cdb = tmp_path / "Addresses.cdb"
    cdb.write_bytes(winbox.encode([winbox.record_fields(Record(host="10.7.0.1", user="admin"))], password="master"))
    prompt = "Winbox master password: "
    ran = on_terminal(["import", str(cdb), "--dry-run"], [(prompt, "master")])
    assert ran.code == 0, ran
    assert ran.terminal == prompt + "\r\n" and prompt not in ran.out + ran.err
    assert ran.out.startswith("Dry run of Addresses.cdb (winbox), nothing was written: "), ran.out
