"""Benchmark: the cost of building a launch plan, starting a program detached, and a whole connect.

Run: ``.venv/bin/python benchmarks/bench_connect.py``. Everything stays on loopback: a TCP listener on
127.0.0.1 plays the router's open service port and ``/bin/true`` the client (as a custom command).
Prints the best of several runs and ratios against a baseline: a plain ``subprocess.Popen`` of the
same program. Goals: building a plan < 1 ms; start_detached within 2x of Popen; connect (knock +
check + start) < 50 ms on loopback.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import best
from knockgui.core import process
from knockgui.core.connect import connect
from knockgui.core.launch import build_launch
from knockgui.core.model import Router, Service
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from tests.testbed.routers import make_router

TRUE = "/bin/true"
RUNS = 20


def main() -> int:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                conn.close()
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()

    def popen() -> None:
        subprocess.Popen([TRUE], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).wait()

    def detached() -> None:
        process.start([TRUE]).wait(5)

    router = make_router(name="bench", host="127.0.0.1", port=port, service=Service.CUSTOM, command=f"{TRUE} {{host}}")
    winbox = Router(name="wb", host="2001:db8::1", user="admin")
    settings = Settings(winbox_path=TRUE)
    with tempfile.TemporaryDirectory() as folder:
        inventory = Inventory.open(Path(folder), MemorySecretStore())
        inventory.add(router, RouterSecret(parse_sequence("40001:tcp 40002:udp")))
        saved = inventory.find("bench")

        def whole() -> None:
            result = connect(inventory, saved, settings)
            assert result.process is not None and result.was_successful(), result.message
            result.process.wait(5)

        base = best(popen, RUNS)
        plan = best(lambda: build_launch(winbox, settings), runs=200)
        start = best(detached, RUNS)
        flow = best(whole, RUNS)
    stop.set()
    print(f"baseline Popen+wait of {TRUE}: {base * 1000:.2f} ms")
    print(f"build_launch (Winbox, IPv6): {plan * 1000:.3f} ms ({plan / base:.3f}x baseline)")
    print(f"process.start + reaped exit: {start * 1000:.2f} ms ({start / base:.2f}x baseline)")
    print(f"connect (knock 2 steps + check + start + exit): {flow * 1000:.2f} ms ({flow / base:.2f}x baseline)")
    ok = plan < 0.001 and start < 2 * base + 0.002 and flow < 0.050
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
