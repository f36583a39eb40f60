"""stdout carries results only, failures and warnings go to stderr, and ``-`` means stdin or stdout.

In process (tests/cli/inprocess.py) with an in-memory keyring, except where a real pipe matters: those
run ``knockgui-cli`` as a process. Knocks go to loopback only, to a port nobody listens on.
"""

from __future__ import annotations

import io
import json
import os
import pty
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from knockgui.cli import main
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import FILE_NAME, Inventory
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
    question, _, failure = proc.stderr.partition("\n")
    assert question == "Run it from now on when connecting? [y/N] "  # the prompt, on stderr too
    assert "Not confirmed; the command stays blocked" in one_sentence(failure)
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


def test_json_outputs_stay_pure_json_when_there_are_warnings_and_failures(
    config_dir: Path, capsys: pytest.CaptureFixture[str], memory: MemorySecretStore
) -> None:
    """A damaged router list, an unknown setting and a router whose port stays closed: every warning and
    failure goes to stderr, and stdout parses as JSON."""
    config_dir.mkdir(parents=True)
    (config_dir / FILE_NAME).write_bytes(b"\x00 not a router list")
    (config_dir / "settings.json").write_text('{"ssh_client": "openssh", "zoom": 3}')
    code, out, err = run(capsys, "list", "--json")
    assert (code, json.loads(out)) == (0, []) and "warning: The router list" in err
    code, out, err = run(capsys, "settings", "list", "--json")
    assert code == 0 and json.loads(out)["ssh_client"] == "openssh" and "unknown keys were ignored (zoom)" in err
    port = closed_port()
    assert run(capsys, "add", "Lab", "--host", "127.0.0.1", "--sequence", "23456", "--port", str(port))[0] == 0
    assert run(capsys, "edit", "Lab", "--timeout", "0.3")[0] == 0
    code, out, err = run(capsys, "knock", "--all", "--check", "--json")
    assert code == 1 and [r["name"] for r in json.loads(out)] == ["Lab"]
    assert f"Port {port} on 127.0.0.1" in err


# --- "-": standard input and output --------------------------------------------------------------


def stdin_bytes(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """The in-process CLI's stdin: these bytes, as a text stream with its binary buffer (as a pipe is)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.fixture
def two_routers(config_dir: Path, memory: MemorySecretStore) -> Path:
    """Office (23456:tcp) and Lab (34567:udp, ssh on 2222) in the inventory; the cwd is an empty folder."""
    assert main(["add", "Office", "--host", "10.0.0.1", "--sequence", "23456:tcp", "--group", "HQ"]) == 0
    assert main(["add", "Lab", "--host", "lab.example", "--sequence", "34567:udp", "--service", "ssh:2222"]) == 0
    return config_dir


def test_export_dash_writes_json_or_csv_to_stdout_and_no_file(
    two_routers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code, out, err = run(capsys, "export", "-")
    assert (code, err) == (0, "")
    doc = json.loads(out)  # stdout is the export, nothing else
    assert doc["format"] == "knockgui-routers" and doc["secrets"] is False
    assert [r["name"] for r in doc["routers"]] == ["Office", "Lab"]
    assert "23456" not in out and "34567" not in out
    code, out, err = run(capsys, "export", "-", "--format", "csv")
    assert (code, err) == (0, "")
    assert out.startswith("name,host,port,group,service,user,note\r\n")  # the bytes a file gets
    assert "lab.example,2222" in out
    assert "23456" not in out and "34567" not in out
    code, out, err = run(capsys, "export", "-", "--format", "csv", "--with-secrets")
    assert code == 2 and out == "" and "holds no secrets" in one_sentence(err)
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    code, out, err = run(capsys, "export", "routers.csv", "--format", "json")  # --format beats the extension
    assert code == 0 and json.loads((tmp_path / "routers.csv").read_text())["format"] == "knockgui-routers"


def test_encrypted_export_to_stdout_and_import_from_stdin_round_trip(
    two_routers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The passphrase from stdin (--passphrase-file -), the encrypted export on stdout, then imported from
    stdin into another inventory with the passphrase from a file."""
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    stdin_bytes(monkeypatch, b"a long passphrase\n")
    code, out, err = run(capsys, "export", "-", "--with-secrets", "--passphrase-file", "-")
    assert (code, err) == (0, "")
    assert json.loads(out)["format"] == "knockgui-encrypted" and "23456" not in out
    assert list(tmp_path.iterdir()) == []
    pw = tmp_path / "pw.txt"
    pw.write_text("a long passphrase\n")
    other = str(tmp_path / "other")
    stdin_bytes(monkeypatch, out.encode())
    code, out2, err = run(capsys, "--config-dir", other, "import", "-", "--passphrase-file", str(pw))
    assert (code, err) == (0, "")
    assert out2.startswith("Imported from standard input (knockgui): 2 added")
    assert "sequence: 34567:udp" in run(capsys, "--config-dir", other, "show", "lab", "--reveal")[1]
    for passphrase, words in (  # stdin holds the file: the passphrase cannot come from there too
        ([], "comes from standard input (import -), so the passphrase cannot be asked there"),
        (["--passphrase-file", "-"], "Standard input can carry the file (import -) or the passphrase"),
    ):
        stdin_bytes(monkeypatch, out.encode())
        code, out2, err = run(capsys, "--config-dir", other, "import", "-", *passphrase)
        assert code == 2 and out2 == "" and words in one_sentence(err)


def test_import_dash_from_a_real_pipe(config_dir: Path, tmp_path: Path) -> None:
    """A CSV needs --format (it has no magic); a stdin that never ends is refused at the size bound."""
    csv = b"name,host,port,group,service,user,note\r\nDepot,10.9.0.1,8291,Berlin,winbox,,\r\n"
    unsure = subprocess.run([*CLI, "import", "-", "--dry-run"], input=csv, capture_output=True, timeout=60)
    assert unsure.returncode == 2 and unsure.stdout == b""
    assert "Could not tell what kind of file is on standard input; give --format" in one_sentence(
        unsure.stderr.decode()
    )
    dry = subprocess.run(
        [*CLI, "import", "-", "--format", "csv", "--dry-run"], input=csv, capture_output=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.decode().startswith("Dry run of standard input (csv), nothing was written: 1 added")
    with open("/dev/zero", "rb") as endless:
        huge = subprocess.run([*CLI, "import", "-"], stdin=endless, capture_output=True, timeout=60)
    assert huge.returncode == 2 and "larger than 16 MiB" in one_sentence(huge.stderr.decode())
    assert not (config_dir / FILE_NAME).exists() and not (tmp_path / "-").exists()


def test_a_file_named_dash_is_imported_as_dot_slash_dash(
    config_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_bytes(b"name,host,port,group,service,user,note\r\nDepot,10.9.0.1,8291,,winbox,,\r\n")
    stdin_bytes(monkeypatch, b"")
    code, out, err = run(capsys, "import", "./-", "--format", "csv", "--dry-run")
    assert (code, err) == (0, "") and out.startswith("Dry run of - (csv), nothing was written: 1 added")


def test_a_line_read_from_stdin_is_bounded(
    config_dir: Path, capsys: pytest.CaptureFixture[str], memory: MemorySecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin_bytes(monkeypatch, b"1" * (65 * 1024) + b"\n")
    code, out, err = run(capsys, "add", "Office", "--host", "10.0.0.1", "--sequence", "-")
    assert code == 2 and out == ""
    assert (
        one_sentence(err) == "knockgui-cli: The knock sequence on standard input is longer than 64 KiB; give one line."
    )
    stdin_bytes(monkeypatch, b"x" * (65 * 1024))
    code, out, err = run(capsys, "export", "-", "--with-secrets", "--passphrase-file", "-")
    assert code == 2 and out == "" and "passphrase on standard input is longer than 64 KiB" in err
    assert not (config_dir / FILE_NAME).exists()


# --- --help says what the code does -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["export"], "- writes to stdout (JSON unless --format csv)"),
        (["export"], '("-": of stdin); else it is asked twice, without echo'),
        (["import"], "- reads it from stdin (at most 16 MiB"),
        (["import"], "the whole file is read and checked first, then written in one step; prints what was added"),
        (["knock"], "wait MS milliseconds between steps (default 0; a saved router: its own delay"),
        (["knock"], "how long --check waits (default 5; a saved router: its own timeout"),
        (["connect"], "else at 4/5 of its final timeout (at most the default_keep_open_s setting"),
        (["connect"], "1 the port did not open (why: on stderr;"),
        (["generate"], "number of steps, 1-64 (default 3)"),
    ],
)
def test_help_says_what_the_code_does(
    command: list[str], words: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per option: the words are not wrapped apart
    with pytest.raises(SystemExit) as ended:
        main([*command, "--help"])
    out, err = capsys.readouterr()
    assert ended.value.code == 0 and err == ""
    assert words in " ".join(out.split()), out
