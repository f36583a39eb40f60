"""A Ctrl-C (SIGINT) at any moment of the ``knockgui`` program's start ends it: at once and quietly (exit 130,
at most "knockgui: Cancelled.", never a traceback) while it imports and parses, and through the normal quit
(clean-ups run: the demo removes its temporary folder) from the moment its window is being built, also
before the event loop runs. The self-test, cut anywhere, ends the same way.

Driven as processes (the venv's console script, offscreen), the signal sent at a spread of delays after the
interpreter's own start-up (``tests/testbed/interrupt.py``).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.testbed.interrupt import Interrupted, cancelled_or_done, env_without, interrupt_at

GUI = str(Path(sys.executable).parent / "knockgui")
QT_NOTES = ("This plugin does not support propagateSizeHints()",)  # the offscreen platform, on every show()


def without_qt_notes(result: Interrupted) -> Interrupted:
    lines = tuple(line for line in result.stderr_lines if not line.endswith(QT_NOTES))
    return Interrupted(result.delay_ms, result.returncode, result.stdout, lines, result.imported)


def check(result: Interrupted, done: int) -> str:
    """'' for a quiet end: cancelled (see cancelled_or_done), or finished first with exit code ``done``."""
    result = without_qt_notes(result)
    if result.returncode == done and done != 0 and not result.traceback:
        return ""
    return cancelled_or_done(result, "knockgui")


def spread(argv: list[str], delays_ms: list[float], env: dict[str, str], done: int = 0) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for delay in delays_ms:
        result = interrupt_at(argv, delay / 1000, env, timeout=8)
        if not result.reached_knockgui:  # the interpreter's own start-up: not knockgui's to handle
            outcomes["before knockgui"] += 1
            continue
        problem = check(result, done)
        assert not problem, f"{result.describe()}: {problem}"
        outcomes["PySide6 imported" if "PySide6" in result.imported else "before PySide6"] += 1
        outcomes[f"exit {result.returncode}"] += 1
    print(f"knockgui {' '.join(argv[1:])}: {dict(outcomes)}")
    return outcomes


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir()
    return {
        **env_without("DISPLAY", "WAYLAND_DISPLAY"),
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path / "tmp"),
    }


def test_ctrl_c_while_knockgui_version_starts(env: dict[str, str]) -> None:
    outcomes = spread([GUI, "--version"], [i * 10.0 for i in range(10)], env)
    assert outcomes["exit 130"] >= 5, outcomes


def test_ctrl_c_during_the_self_test(env: dict[str, str], tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    argv = [GUI, "--self-test", "--no-keyring-write", "--report", str(report)]
    outcomes = spread(argv, [i * 30.0 for i in range(8)], env, done=1)  # 1: the 'fail' keyring is no OS keyring
    assert outcomes["exit 130"] >= 4, outcomes


def test_ctrl_c_while_the_demo_starts(env: dict[str, str]) -> None:
    """From the first import to a shown window: every signal ends the program, and the demo's folder (made
    while the window is built) is gone afterwards."""
    # From 5 ms: right after its start-up, CPython may report a Ctrl-C and go on (see tests/testbed/interrupt.py).
    outcomes = spread([GUI, "--demo"], [5 + i * 35.0 for i in range(10)], env)
    assert outcomes["exit 130"] == sum(v for k, v in outcomes.items() if k.startswith("exit ")), outcomes
    assert not os.listdir(env["TMPDIR"])
