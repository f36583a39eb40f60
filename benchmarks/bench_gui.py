"""GUI benchmarks: start-up to the first painted window with 1,000 routers, and filtering 5,000 routers.

Start-up: the real program path, ``knockgui.gui.app.main(["--config-dir", DIR])`` as the ``knockgui``
console script runs it (import ``knockgui.gui.app`` first, then flags, single-instance claim, inventory of
1,000 routers, window, tray hook), against a bare PySide6 window, each measured in a fresh process from
spawn to the first paint event of its main window, median of several interleaved runs; goal: within
1.5x of the bare window. Twice: on Qt's offscreen platform, and on a private Xvfb display with a tray
host (trayer), each run in its own D-Bus session, as on a Linux desktop (there the desktop's icon theme,
fonts and the tray come into play).
Bytecode is cached, as an installed package has it (PYTHONDONTWRITEBYTECODE is dropped for the runs).
Filtering: typing into the real main window's filter box over 5,000 routers, per keystroke, against
Qt's own C++ filter (QStandardItemModel + QSortFilterProxyModel.setFilterFixedString) in the same run;
goal: under 30 ms a keystroke.

    .venv/bin/python benchmarks/bench_gui.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import gui_session, interleaved, load_line, run_child, write_routers  # noqa: E402
from tests.testbed.first_paint import catch_first_paint  # noqa: E402

CHILD_START = """
import sys, time
if sys.argv[1] != "bare":  # the console script's first import, before anything of Qt's (as the program does it)
    from knockgui.gui import app as knockgui_app
"""
CHILD_END = r"""
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

if sys.argv[1] == "bare":
    app = QApplication([])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.setCentralWidget(QLabel("bare window"))
    window.resize(900, 520)
    window.show()
    app.exec()
else:  # what the knockgui console script runs: the whole main(), single-instance claim and tray included
    sys.exit(knockgui_app.main(["--config-dir", sys.argv[2]]))
"""
# Both cases: the first QMainWindow shown prints the time of its first paint and ends the event loop.
CHILD = CHILD_START + catch_first_paint("print(time.time(), flush=True)") + CHILD_END


def startup_ms(kind: str, folder: Path, env: dict[str, str], prefix: list[str]) -> float:
    start = time.time()
    out = run_child(CHILD, [kind, str(folder)], env, prefix)
    return (float(out.split()[0]) - start) * 1000


def bench_startup(runs: int, where: str) -> None:
    """``where``: "offscreen" (Qt's offscreen platform), or "x11" (a private Xvfb display with trayer as
    the tray host, each run in its own D-Bus session: what a Linux desktop user gets)."""
    with gui_session(where) as session:
        if session is None:
            return
        env, prefix = session
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            env["HOME"] = tmp
            write_routers(folder, 1000)
            bare, app = interleaved(
                runs,
                lambda: startup_ms("bare", folder, env, prefix),
                lambda: startup_ms("knockgui", folder, env, prefix),
            )
    b, a = statistics.median(bare), statistics.median(app)
    print(
        f"start-up to first paint ({where}), median of {runs}: bare PySide6 window {b:.0f} ms, "
        f"knockgui with 1,000 routers {a:.0f} ms"
    )
    print(f"  fastest runs: bare {min(bare):.0f} ms, knockgui {min(app):.0f} ms ({min(app) / min(bare):.2f}x)")
    print(f"  ratio of medians {a / b:.2f}x (goal <= 1.5x): {'OK' if a / b <= 1.5 else 'MISSED'}")
    print(load_line())


def bench_filter() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    from knockgui.core.model import Router
    from knockgui.core.secrets import MemorySecretStore
    from knockgui.core.settings import Settings
    from knockgui.core.store import Inventory
    from knockgui.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    routers = [
        Router(name=f"router-{i:05d}", host=f"10.{i // 250}.{i % 250}.1", group=f"site{i % 40}") for i in range(5000)
    ]
    words = [
        "r",
        "ro",
        "rou",
        "router-0",
        "router-01",
        "router-012",
        "router-0123",
        "router-012",
        "router-0",
        "",
        "s",
        "site",
        "site3",
        "site39",
        "10.1",
        "",
    ]

    with tempfile.TemporaryDirectory() as tmp:
        inventory = Inventory.open(Path(tmp), MemorySecretStore())
        inventory._set_routers(routers)  # in memory only: the benchmark measures the window, not the file
        window = MainWindow(inventory, Settings(), Path(tmp))
        window.show()
        app.processEvents()
        ours = []
        for text in words:
            start = time.perf_counter()
            window.filter.setText(text)
            app.processEvents()
            ours.append((time.perf_counter() - start) * 1000)
        window.close()

    model = QStandardItemModel(len(routers), 5)
    for row, r in enumerate(routers):
        for col, value in enumerate((r.name, r.host, r.group, "winbox 8291", "")):
            model.setItem(row, col, QStandardItem(value))
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.show()
    app.processEvents()
    qt = []
    for text in words:
        start = time.perf_counter()
        proxy.setFilterFixedString(text)
        app.processEvents()
        qt.append((time.perf_counter() - start) * 1000)
    view.close()
    print(f"filtering 5,000 routers, {len(words)} keystrokes in the main window's filter box:")
    print(
        f"  knockgui: median {statistics.median(ours):.1f} ms, worst {max(ours):.1f} ms (goal < 30 ms): {'OK' if max(ours) < 30 else 'MISSED'}"
    )
    print(
        f"  Qt's C++ filter on a QStandardItemModel, same keystrokes: median {statistics.median(qt):.1f} ms, worst {max(qt):.1f} ms"
    )
    print(f"  ratio of medians knockgui / Qt C++: {statistics.median(ours) / statistics.median(qt):.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bench_startup(args.runs, "offscreen")
    bench_startup(args.runs, "x11")
    bench_filter()
    return 0


if __name__ == "__main__":
    sys.exit(main())
