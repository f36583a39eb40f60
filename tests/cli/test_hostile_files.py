"""Files that are hostile in size, value or kind (issue 16 items 6 and 7), through the real CLI process.

A 400-digit number in settings.json, an import from /dev/zero, a FIFO as the import file, as
routers.json or as settings.json, a sparse file far larger than an export can be, and an encrypted
export whose scrypt parameters ask for far more memory than knockgui's own exports: each ends in a
sentence, the right exit code and the data intact, within the time limit, under a 1 GiB memory limit.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

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
