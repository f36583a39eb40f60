"""The CLI starts with ordinary code: no stand-in modules in ``sys.modules``, the real ``signal``, and
the heavy parts (the keyring, the inventory, Qt) imported only by the commands that need them.

Run in fresh interpreters, since pytest itself imports most of the standard library.
"""

from __future__ import annotations

import subprocess
import sys

from tests.testbed import reset_sigint


def run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, preexec_fn=reset_sigint
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_knock_uses_real_modules_and_imports_only_what_it_needs() -> None:
    out = run(
        "import sys, types\n"
        "from knockgui.cli import main\n"
        "code = main(['knock', '127.0.0.1', '9:udp'])\n"  # one datagram to loopback
        "odd = [n for n, m in sys.modules.items() if type(m).__module__.startswith('knockgui')]\n"
        "heavy = [n for n in ('keyring', 'knockgui.core.store', 'knockgui.cli.inventory', 'PySide6') if n in sys.modules]\n"
        "import signal\n"
        "print(code, odd, heavy, signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
    )
    assert out == "0 [] [] True"


def test_dataclass_docstrings_and_inspect_work_after_start_up() -> None:
    out = run(
        "from knockgui.cli import main\n"
        "main(['knock', '127.0.0.1', '9:udp'])\n"
        "from dataclasses import dataclass\n"
        "import inspect\n"
        "@dataclass(frozen=True)\n"
        "class Point:\n"
        "    x: int\n"
        "    y: int = 0\n"
        "print(Point.__doc__, inspect.signature(Point))\n"
    )
    assert out == "Point(x: int, y: int = 0) (x: int, y: int = 0) -> None"
