"""Benchmark: how fast a second ``knockgui`` start hands its request to the running one and exits.

Run: ``.venv/bin/python benchmarks/bench_handover.py``. Starts a real knockgui on a private Xvfb with
trayer (tests/testbed/display.py) and a temporary config folder with one loopback router (no secret:
only ``show`` and an unknown-router request are sent, so nothing is knocked). Baseline: the same Python
running ``-c pass`` (interpreter start). Goal: a hand-over under 1 s, i.e. a small multiple of the baseline.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.testbed.display import XDisplay


def timed(argv: list[str], env: dict[str, str], runs: int = 10) -> tuple[float, float, int]:
    times, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(argv, env=env, capture_output=True, timeout=30).returncode
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), code


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, XDisplay(tray=True) as x:
        env = {"KNOCKGUI_CONFIG_DIR": folder, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        first = x.spawn([sys.executable, "-m", "knockgui"], env=env, stderr=subprocess.DEVNULL)
        x.wait_window(r"^knockgui — ", timeout=30)
        full = x.env(env)
        base_min, base_med, _ = timed([sys.executable, "-c", "pass"], full)
        show_min, show_med, show_code = timed([sys.executable, "-m", "knockgui"], full)
        bad_min, bad_med, bad_code = timed([sys.executable, "-m", "knockgui", "--knock", "Nowhere"], full)
        windows = len(x.search(r"^knockgui — "))
        x.stop(first)
    print(f"baseline python -c pass:      min {base_min * 1000:6.0f} ms  median {base_med * 1000:6.0f} ms")
    print(
        f"hand-over (show), exit {show_code}:  min {show_min * 1000:6.0f} ms  median {show_med * 1000:6.0f} ms"
        f"  ratio {show_med / base_med:.1f}x"
    )
    print(
        f"refused (unknown), exit {bad_code}: min {bad_min * 1000:6.0f} ms  median {bad_med * 1000:6.0f} ms"
        f"  ratio {bad_med / base_med:.1f}x"
    )
    print(f"windows on the display afterwards: {windows}")
    return 0 if show_med < 1.0 and show_code == 0 and bad_code == 2 and windows == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
