"""A Ctrl-C (SIGINT) at any moment of ``knockgui-cli``'s life, from the first milliseconds while modules are
still being imported, ends it quietly: exit code 130 and at most "knockgui-cli: Cancelled.", never a
traceback, and the config folder as it was. SIGTERM and SIGPIPE sent by another program end it (or, for
SIGPIPE, which Python ignores, leave it running) without a traceback either.

Driven as processes: the venv's console script (what a user runs) and ``python -m knockgui.cli``, the
signal sent at a spread of delays after the interpreter's own start-up (``tests/testbed/interrupt.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed import reset_sigint
from tests.testbed.interrupt import Interrupted, cancelled_or_done, env_without, folder_state, interrupt_at

ENTRY = str(Path(sys.executable).parent / "knockgui-cli")
PARSER_BUILT = "knockgui.cli.selftest"  # the last command module the full parser imports


@pytest.fixture
def routers(config_dir: Path) -> dict[str, bytes]:
    """A config folder with one router (its sequence in a memory store: the CLI's keyring is the 'fail' one)."""
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.add(Router(name="Office", host="10.0.0.1"), RouterSecret(parse_sequence("1337 17954:udp")))
    return folder_state(config_dir)


def phase(result: Interrupted) -> str:
    if not result.reached_knockgui:
        return "before knockgui"
    if PARSER_BUILT not in result.imported:
        return "importing"
    return "finished" if result.returncode == 0 else "after the imports"


def spread(argv: list[str], delays_ms: list[float], config_dir: Path, state: dict[str, bytes]) -> Counter[str]:
    """Signal ``argv`` once per delay; every run must end quietly and leave the folder as it was."""
    phases: Counter[str] = Counter()
    env = env_without()
    for delay in delays_ms:
        result = interrupt_at(argv, delay / 1000, env)
        phases[phase(result)] += 1
        if result.reached_knockgui:  # before that, no knockgui code has run (see tests/testbed/interrupt.py)
            problem = cancelled_or_done(result, "knockgui-cli")
            assert not problem, f"{result.describe()}: {problem}"
        if result.returncode == 0:
            assert "Office" in result.stdout, result.describe()
        assert folder_state(config_dir) == state, result.describe()
    print(f"{Path(argv[0]).name} {' '.join(argv[1:])}: {dict(phases)}")
    return phases


def test_ctrl_c_while_the_console_script_starts(config_dir: Path, routers: dict[str, bytes]) -> None:
    phases = spread([ENTRY, "list"], [i * 1.5 for i in range(36)], config_dir, routers)
    # Most runs were cancelled while modules were imported (the start-up this test is about), and the runs
    # that the interpreter's own start-up caught are a few at most.
    assert phases["importing"] >= 18, phases
    assert phases["before knockgui"] <= 4, phases


def test_ctrl_c_while_python_m_starts(config_dir: Path, routers: dict[str, bytes]) -> None:
    phases = spread([sys.executable, "-m", "knockgui.cli", "list"], [i * 4.0 for i in range(12)], config_dir, routers)
    assert phases["importing"] >= 5, phases


def test_ctrl_c_around_a_write_leaves_the_old_or_the_new_file(config_dir: Path, routers: dict[str, bytes]) -> None:
    """``settings set`` writes settings.json (atomically): cut anywhere, the folder holds the old state or the
    new file whole, and nothing else (no temporary file)."""
    env = env_without()
    codes: Counter[int] = Counter()
    for i in range(12):
        result = interrupt_at([ENTRY, "settings", "set", "default_delay_ms", str(10 + i)], i * 6 / 1000, env)
        codes[result.returncode] += 1
        if result.reached_knockgui:
            problem = cancelled_or_done(result, "knockgui-cli")
            assert not problem, f"{result.describe()}: {problem}"
        state = folder_state(config_dir)
        assert set(state) <= {*routers, "settings.json"}, state.keys()
        assert {name: data for name, data in state.items() if name in routers} == routers
        if "settings.json" in state:
            assert b'"default_delay_ms": ' in state["settings.json"] and state["settings.json"].endswith(b"}\n")
    assert codes[130] >= 4, codes


@pytest.mark.parametrize(("signum", "codes"), [(signal.SIGTERM, {-signal.SIGTERM, 0}), (signal.SIGPIPE, {0})])
def test_sigterm_and_sigpipe_while_it_starts(
    config_dir: Path, routers: dict[str, bytes], signum: int, codes: set[int]
) -> None:
    env = env_without()
    for i in range(6):
        result = interrupt_at([ENTRY, "list"], i * 8 / 1000, env, signum=signum)
        assert result.returncode in codes, result.describe()
        assert not result.stderr_lines, result.describe()  # SIGTERM kills without a word; SIGPIPE is ignored
        assert folder_state(config_dir) == routers


def test_imported_as_a_library_knockgui_leaves_sigint_alone() -> None:
    """Only a knockgui program ends at once on Ctrl-C; a program or a REPL that imports knockgui keeps
    Python's KeyboardInterrupt, also after calling the CLI's main() (as the tests do)."""
    code = (
        "import signal, knockgui, knockgui.cli\n"
        "knockgui.cli.main(['--config-dir', '/nonexistent-kg', 'list'])\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
        "try:\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "except KeyboardInterrupt:\n"
        "    print('KeyboardInterrupt')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, preexec_fn=reset_sigint
    )
    assert proc.stdout.splitlines()[-2:] == ["True", "KeyboardInterrupt"], proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["knock", "--help"]])
def test_a_reader_gone_before_help_or_version_ends_quietly(args: list[str]) -> None:
    """What SIGPIPE means to Python (it ignores the signal): the reader of stdout went away. Output is block
    buffered when stdout is a pipe, so argparse's text reaches the pipe only when flushed."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [ENTRY, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=env_without("PYTHONUNBUFFERED"),
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_interruptible_raises_inside_and_ends_quietly_again_after(tmp_path: Path) -> None:
    """The mechanism, deterministically (signals raised by the program itself): a script run as
    ``knockgui-cli`` ends at once on SIGINT, except inside ``with interruptible():``."""
    script = tmp_path / "knockgui-cli"
    script.write_text(
        "import signal, sys\n"
        "import knockgui\n"
        "try:\n"
        "    with knockgui.interruptible():\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "except KeyboardInterrupt:\n"
        "    print('cleaned up', flush=True)\n"
        "signal.raise_signal(signal.SIGINT)\n"
        "print('not reached')\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, preexec_fn=reset_sigint
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "cleaned up\n", "knockgui-cli: Cancelled.\n")
