"""The CLI's start-up stays lean: ``inspect`` (ast, dis, tokenize) is imported only when something uses it.

Run in fresh interpreters, since pytest itself imports ``inspect``.
"""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_knock_does_not_import_inspect() -> None:
    out = run(
        "import sys\n"
        "from knockgui.cli import main\n"
        "code = main(['knock', '127.0.0.1', '1337'])\n"  # one SYN to loopback
        "print(code, type(sys.modules['inspect']).__name__, 'ast' in sys.modules, 'dis' in sys.modules)\n"
    )
    assert out == "0 _Deferred False False"


def test_inspect_still_works_once_used() -> None:
    out = run(
        "import sys\n"
        "from knockgui.cli import _defer_inspect\n"
        "_defer_inspect()\n"
        "from dataclasses import dataclass\n"
        "@dataclass(frozen=True)\n"
        "class Point:\n"
        "    x: int\n"
        "    y: int = 0\n"
        "import inspect\n"
        "print(Point.__doc__, inspect.signature(Point), inspect.isclass(Point), sys.modules['inspect'] is not None)\n"
        "import inspect as again\n"
        "print(type(sys.modules['inspect']).__name__, again.getmodule(Point).__name__)\n"
    )
    assert out.splitlines() == ["Point(x: int, y: int = 0) (x: int, y: int = 0) -> None True True", "module __main__"]
