"""Files that are hostile in size, value or kind (issue 16 items 6 and 7), through the real CLI process.

A 400-digit number in settings.json, an import from /dev/zero, a FIFO as the import file, as
routers.json or as settings.json, a sparse file far larger than an export can be, and an encrypted
export whose scrypt parameters ask for far more memory than knockgui's own exports: each ends in a
sentence, the right exit code and the data intact, within the time limit, under a 1 GiB memory limit.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.core import exchange
from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import Inventory
from tests.core.inventory_helpers import secret

CLI = [sys.executable, "-m", "knockgui.cli"]
PASS = "correct horse battery"


def _limit_memory() -> None:  # a run-away read ends in MemoryError here instead of taking the machine
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [*CLI, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"knockgui-cli {' '.join(args)} hung for {timeout} s")


def one_sentence(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    assert lines[0].startswith("knockgui-cli: ") and lines[0].endswith("."), proc.stderr
    return lines[0]


@pytest.mark.parametrize("key", ["default_timeout_s", "default_delay_ms", "default_keep_open_s"])
def test_a_huge_number_in_settings_is_reported_and_the_cli_can_repair_it(config_dir: Path, key: str) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text(json.dumps({key: 10**400}))
    listed = cli("settings", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{key} was invalid and its default is used" in listed.stderr
    repaired = cli("settings", "set", key, "7")
    assert repaired.returncode == 0, repaired.stderr
    assert json.loads((config_dir / "settings.json").read_text())[key] == 7


def test_import_from_dev_zero_is_refused_with_a_sentence(config_dir: Path) -> None:
    proc = cli("import", "/dev/zero")
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in one_sentence(proc)


def test_import_of_a_file_larger_than_any_export_is_refused_unread(config_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(2 << 30)  # sparse: 2 GiB that take no disk, but would take the memory if read
    proc = cli("import", str(big))
    assert proc.returncode == 2, proc.stderr
    assert "larger than 16 MiB" in one_sentence(proc)


def test_import_of_a_fifo_is_refused_instead_of_hanging(config_dir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    proc = cli("import", str(fifo))
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in one_sentence(proc)


@pytest.mark.parametrize(("name", "command"), [("routers.json", "list"), ("settings.json", "settings list")])
def test_a_fifo_as_a_config_file_is_reported_instead_of_hanging(config_dir: Path, name: str, command: str) -> None:
    config_dir.mkdir(parents=True)
    os.mkfifo(config_dir / name)
    proc = cli(*command.split())
    assert proc.returncode == 0, proc.stderr
    assert "is a named pipe (FIFO), not a regular file" in proc.stderr


@pytest.mark.parametrize(("n", "r", "p"), [(2**18, 8, 1), (2**17, 16, 1), (2**17, 8, 4)])
def test_an_export_asking_scrypt_for_too_much_is_refused_before_deriving(
    config_dir: Path, tmp_path: Path, n: int, r: int, p: int
) -> None:
    source = Inventory.open(tmp_path / "source", MemorySecretStore())
    source.add(Router("Office", "10.0.0.1"), secret("23456:tcp"))
    doc = json.loads(exchange.export_encrypted(source, PASS))
    doc["kdf"].update(n=n, r=r, p=p)  # the header is authenticated too: the passphrase check would fail after
    path = tmp_path / "costly.json"
    path.write_text(json.dumps(doc))
    (tmp_path / "pass").write_text(PASS + "\n")
    proc = cli("import", str(path), "--passphrase-file", str(tmp_path / "pass"))
    assert proc.returncode == 2, proc.stderr
    line = one_sentence(proc)
    assert "more memory or time than knockgui gives an import" in line and "nothing was changed" in line
    assert base64.b64decode(doc["ciphertext"])  # the file is otherwise a good export
