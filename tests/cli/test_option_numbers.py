"""Numbers in option values: only ASCII digits, bounded; anything else is a usage error (issue 16 item 9).

On the old code ``--delay ²`` and a 5,000-digit ``--delay`` ended in an unexpected ValueError (exit 70),
and ``--delay ١٢`` (Arabic-Indic digits) was taken as 12, though knock steps refuse such digits.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "knockgui.cli"]
BAD = ["²", "١٢", "1" * 5000, "12\u0662", "１２"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def _usage_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-300:])
    assert "Traceback" not in proc.stderr and "unexpected error" not in proc.stderr


@pytest.mark.parametrize("value", BAD, ids=["superscript", "arabic-indic", "5000-digits", "mixed", "fullwidth"])
@pytest.mark.parametrize("option", ["--delay", "--check", "--timeout"])
def test_knock_options_take_only_ascii_digits(option: str, value: str) -> None:
    _usage_error(cli("knock", "127.0.0.1", "1:tcp", option, value))


@pytest.mark.parametrize("value", BAD, ids=["superscript", "arabic-indic", "5000-digits", "mixed", "fullwidth"])
@pytest.mark.parametrize("option", ["--delay", "--port", "--timeout", "--keep-open"])
def test_add_options_take_only_ascii_digits(config_dir: Path, option: str, value: str) -> None:
    _usage_error(cli("add", "Office", "--host", "10.0.0.1", "--sequence", "1:tcp", option, value))
    assert "Office" not in cli("list").stdout  # nothing was saved


def test_plain_numbers_still_work() -> None:
    knocked = cli("knock", "127.0.0.1", "9:udp", "--delay", "12", "--timeout", "2.5", "-v")
    assert knocked.returncode == 0, knocked.stderr
