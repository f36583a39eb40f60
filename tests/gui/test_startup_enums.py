"""Before the main window's first paint, PySide's ``Qt`` namespace and ``QStyle`` enums are not built.

Building them costs ~13 ms and ~4 ms of a ~50 ms start-up budget (see knockgui.gui.qtints and
benchmarks/bench_gui.py); an innocent ``Qt.AlignmentFlag`` in a start-path module brings the cost back.
The real program path runs in a fresh process (a test process has them built long ago).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed.first_paint import catch_first_paint

CHILD = (
    r"""
import enum, json, sys

def built(prefixes):
    seen, todo, found = set(), [enum.Enum], set()
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
                if sub.__qualname__.startswith(prefixes):
                    found.add(sub.__qualname__)
    return sorted(found)

PREFIXES = ("Qt.", "QStyle.")
if sys.argv[1] == "check-detector":  # the detector sees them once they are built
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle
    Qt.AlignmentFlag, QStyle.StandardPixmap
    print(json.dumps(built(PREFIXES)))
    sys.exit(0)

from knockgui.gui.app import main  # the console script's order: the program, then Qt
"""
    + catch_first_paint("print(json.dumps(built(PREFIXES)), flush=True)")
    + """
sys.exit(main(["--config-dir", sys.argv[1]]))
"""
)


def run_child(arg: str, env_dir: Path) -> list[str]:
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "HOME": str(env_dir),
        "XDG_RUNTIME_DIR": str(env_dir),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, arg], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    import json

    result: list[str] = json.loads(out.strip().splitlines()[0])
    return result


@pytest.fixture
def filled_config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    inventory = Inventory.open(folder, MemorySecretStore())
    secret = RouterSecret(parse_sequence("1337:tcp 17954:udp"))
    inventory.upsert_many([(Router(name=f"r{i}", host=f"192.0.2.{i}", group=f"g{i % 3}"), secret) for i in range(30)])
    return folder


def test_the_detector_sees_built_enums(tmp_path: Path) -> None:
    found = run_child("check-detector", tmp_path)
    assert "Qt.AlignmentFlag" in found and "QStyle.StandardPixmap" in found


def test_the_first_paint_comes_before_any_qt_namespace_or_qstyle_enum(tmp_path: Path, filled_config: Path) -> None:
    assert run_child(str(filled_config), tmp_path) == []
