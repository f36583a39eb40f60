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


MORE = [*BAD, "1" * 400]
MORE_IDS = ["superscript", "arabic-indic", "5000-digits", "mixed", "fullwidth", "400-digits"]


def _digits_sentence(proc: subprocess.CompletedProcess[str], option: str) -> None:
    """Refused by the option's own check, in one sentence that does not repeat a long value."""
    _usage_error(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 200, proc.stderr[-300:]
    assert f"argument {option}: must be a whole number written with the digits 0-9" in lines[0]


@pytest.mark.parametrize("value", MORE, ids=MORE_IDS)
@pytest.mark.parametrize("option", ["--local-port", "--port", "--max-connections"])
def test_forward_options_take_only_ascii_digits(option: str, value: str) -> None:
    """On the old code (plain int) ١٢ was 12 and a 400-digit port was quoted whole in a range error."""
    _digits_sentence(cli("forward", "Office", option, value), option)


@pytest.mark.parametrize("value", MORE, ids=MORE_IDS)
def test_knock_parallel_takes_only_ascii_digits(value: str) -> None:
    _digits_sentence(cli("knock", "--all", "--parallel", value), "--parallel")


@pytest.mark.parametrize("value", MORE, ids=MORE_IDS)
def test_proxy_port_takes_only_ascii_digits(value: str) -> None:
    """On the old code (str.isdigit) ² and 5,000 digits ended in an unexpected ValueError (exit 70)."""
    proc = cli("proxy", "192.0.2.1", value)
    _usage_error(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 200, proc.stderr[-300:]
    assert lines[0].startswith("knockgui-cli: The port must be a whole number from 1 to 65535, not ")


def test_plain_numbers_still_work_for_forward_and_parallel(config_dir: Path) -> None:
    """The bounds stay as they were: each is checked after the digits (here before any router is looked up)."""
    for args, message in (
        (["forward", "Office", "--local-port", "65536"], "--local-port must be from 0 to 65535, not 65536."),
        (["forward", "Office", "--max-connections", "0"], "--max-connections must be from 1 to 1024, not 0."),
        (["knock", "--all", "--parallel", "513"], "--parallel must be from 1 to 512, not 513."),
        (["knock", "--all", "--parallel", "0"], "--parallel must be from 1 to 512, not 0."),
        (["proxy", "192.0.2.1", "65536"], 'The port must be a whole number from 1 to 65535, not "65536".'),
    ):
        proc = cli(*args)
        assert proc.returncode == 2 and proc.stderr == f"knockgui-cli: {message}\n", (args, proc.stderr)
    forward = cli("forward", "Office", "--local-port", "0", "--port", " 22 ", "--max-connections", "8")
    assert forward.returncode == 2 and 'no router named "Office"' in forward.stderr
    parallel = cli("knock", "--all", "--parallel", "512")
    assert parallel.returncode == 2 and "no saved routers to knock" in parallel.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("default_delay_ms", "١٢"),
        ("default_delay_ms", "1_000"),
        ("default_delay_ms", "１２"),
        ("default_keep_open_s", "٣٠"),
        ("default_timeout_s", "٢.٥"),
        ("default_timeout_s", "1e1"),
        ("default_timeout_s", "１"),
    ],
)
def test_settings_set_takes_only_ascii_digits(config_dir: Path, key: str, value: str) -> None:
    """On the old code (int() and float() of the text) each of these was saved as a number."""
    proc = cli("settings", "set", key, value)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.startswith(f"knockgui-cli: The setting {key} must be a ") and "digits 0-9" in proc.stderr
    assert not (config_dir / "settings.json").exists()  # nothing was written


def test_settings_set_still_takes_plain_numbers_and_says_the_range(config_dir: Path) -> None:
    assert cli("settings", "set", "default_delay_ms", " 250 ").returncode == 0
    assert cli("settings", "set", "default_timeout_s", ".5").returncode == 0
    assert cli("settings", "get", "default_delay_ms").stdout == "250\n"
    assert cli("settings", "get", "default_timeout_s").stdout == "0.5\n"
    below = cli("settings", "set", "default_delay_ms", "-1")
    assert below.returncode == 2
    assert below.stderr == "knockgui-cli: The setting default_delay_ms must be 0-600000 (milliseconds).\n"
