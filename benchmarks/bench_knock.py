"""Benchmark: a 3-step knock (1337/tcp, 17954/udp, 2000/tcp, no delay) plus the port check, end to end.

Run as root: ``.venv/bin/python benchmarks/bench_knock.py [--runs N]``. The script starts its own
namespace router (tests/testbed/netns.py: nftables with three chained stages and a listener on 8291)
and removes it at the end. Before every run the address sets are flushed, so every run is a fresh
knock that must open the port. Each run is timed from the first packet to an accepted connection:

* floor:    bare sockets inline (non-blocking connect + close, sendto, connect to 8291), no engine
* engine:   ``knock(..., check_port=8291)`` in this process
* cli:      the ``knockgui-cli knock ... --check 8291`` process, start to exit (bytecode cached, as
            an installed package has it)
* knock:    the zeroflux ``knock`` client process (Debian knockd package), then the same check
* python:   ``python -c pass`` (the interpreter's bare start)
* stdlib:   ``python -c "import argparse, dataclasses, socket, selectors, threading"``: the standard
            modules the CLI needs, before any knockgui code

Goals: engine within 2 ms of the floor; the CLI process within 2.5x of ``python -c pass``, with ordinary
start-up code (issue 14: lazy imports of heavy modules, no stand-in modules, the real ``signal``). Also reports
how long ``knock()`` takes to stop after a cancel while checking a port that never answers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI_GOAL = 2.5  # the CLI process against python -c pass
sys.path.insert(0, str(ROOT))

from knockgui.core.errors import CancelledError  # noqa: E402
from knockgui.core.knock import CheckState, knock  # noqa: E402
from knockgui.core.sequence import parse_sequence  # noqa: E402
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset  # noqa: E402

STEPS = ("1337", "17954:udp", "2000")
PORT = 8291
CLI = Path(sys.executable).parent / "knockgui-cli"


def floor(addr: str) -> None:
    """The least a knock-and-check can do: three packets, then one blocking connect."""
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((addr, 1337))
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"\x00", (addr, 17954))
    u.close()
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((addr, 2000))
    s.close()
    c = socket.create_connection((addr, PORT), timeout=5)
    c.close()


def engine(addr: str, sequence: object) -> None:
    result = knock(addr, sequence, check_port=PORT)  # type: ignore[arg-type]
    assert result.check is not None and result.check.state is CheckState.OPEN, result.message


# An installed package has its bytecode compiled; a shell with PYTHONDONTWRITEBYTECODE=1 and no caches
# recompiles knockgui's sources on every start (about 7 ms here). Measure the installed case.
ENV_PYC = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cli(addr: str, env: dict[str, str]) -> None:
    argv = [str(CLI), "knock", addr, *STEPS, "--check", str(PORT)]
    proc = subprocess.run(argv, capture_output=True, env=env)
    assert proc.returncode == 0, proc.stderr


def zeroflux(addr: str) -> None:
    subprocess.run(["knock", addr, "1337:tcp", "17954:udp", "2000:tcp"], check=True, stdout=subprocess.DEVNULL)
    c = socket.create_connection((addr, PORT), timeout=5)
    c.close()


def bare_python() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=ENV_PYC)


def stdlib_only() -> None:
    """What the CLI's design costs before any knockgui code: the standard modules it needs."""
    code = "import argparse, dataclasses, socket, selectors, threading"
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV_PYC)


Case = tuple[str, Callable[[], None], bool]  # name, what to time, whether the router is reset first


def measure(cases: list[Case], runs: int, reset: Callable[[], None]) -> dict[str, list[float]]:
    """Time the cases interleaved (one run of each in turn), so a change in the machine's load
    (other work on these shared cores) affects all of them alike and the ratios stay fair."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(runs):
        for name, fn, needs_reset in cases:
            if needs_reset:
                reset()
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    for name, values in times.items():
        print(
            f"  {name:<8} median {statistics.median(values):8.2f} ms   min {min(values):8.2f}   max {max(values):8.2f}"
        )
    return times


def one_cancel(addr: str) -> float:
    """Milliseconds from cancel.set() to knock() raising CancelledError, while checking a closed port."""
    cancel = threading.Event()
    checking = threading.Event()
    stopped: list[float] = []

    def progress(event: object) -> None:
        if getattr(event, "stage", "") == "check":
            checking.set()

    def work() -> None:
        try:  # a wrong knock: the check would wait 60 s
            knock(addr, parse_sequence("1"), check_port=PORT, timeout=60, cancel=cancel, on_progress=progress)
        except CancelledError:
            stopped.append(time.perf_counter())

    worker = threading.Thread(target=work)
    worker.start()
    checking.wait(5)
    time.sleep(0.03)  # somewhere inside the check's waiting
    start = time.perf_counter()
    cancel.set()
    worker.join(5)
    return (stopped[0] - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="in-process runs (processes get a fifth)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_knock: run as root (it builds a network namespace router)", file=sys.stderr)
        return 2
    stages = [Stage.tcp(1337), Stage.udp(17954), Stage.tcp(2000)]
    with NamespaceRouter(ruleset=knock_ruleset(stages), ports=(PORT,)) as router:
        addr = router.router4
        flush = "".join(f"flush set inet knock {name}\n" for name in ("stage1_4", "stage2_4", "safe_4"))

        def reset() -> None:
            subprocess.run(["ip", "netns", "exec", router.name, "nft", "-f", "-"], input=flush.encode(), check=True)
            assert not router.is_open(PORT, timeout=0.05)

        sequence = parse_sequence(" ".join(STEPS))
        procs = max(5, args.runs // 5)
        for _ in range(3):  # warm up caches, ARP/ND, the page cache for the processes
            reset()
            engine(addr, sequence)
            reset()
            floor(addr)
            reset()
            cli(addr, ENV_PYC)  # writes the bytecode caches
        print(
            f"3-step knock + check of port {PORT} on a namespace router ({args.runs} runs in process, {procs} as processes)"
        )
        in_process: list[Case] = [
            ("floor", lambda: floor(addr), True),
            ("engine", lambda: engine(addr, sequence), True),
        ]
        processes: list[Case] = [
            ("cli", lambda: cli(addr, ENV_PYC), True),
            ("python", bare_python, False),
            ("stdlib", stdlib_only, False),
        ]
        if shutil.which("knock"):
            processes.append(("knock", lambda: zeroflux(addr), True))
        else:
            print("  knock    (not installed: Debian package knockd)")
        results = {**measure(in_process, args.runs, reset), **measure(processes, procs, reset)}
        med = {k: statistics.median(v) for k, v in results.items()}
        print()
        print(f"engine - floor     {med['engine'] - med['floor']:+7.2f} ms   (goal: within 2 ms)")
        ratio = med["cli"] / med["python"]
        print(
            f"cli / python -c    {ratio:7.2f} x    (goal: within {CLI_GOAL}x): {'OK' if ratio <= CLI_GOAL else 'MISSED'}"
        )
        print(f"stdlib / python -c {med['stdlib'] / med['python']:7.2f} x    (argparse, dataclasses, socket... alone)")
        if "knock" in med:
            print(f"cli / knock+check  {med['cli'] / med['knock']:7.2f} x")
            print(f"engine / knock+check {med['engine'] / med['knock']:5.2f} x")
        reset()
        cancels = [one_cancel(addr) for _ in range(20)]
        print(f"cancel -> stopped  median {statistics.median(cancels):.1f} ms, max {max(cancels):.1f} ms (goal: < 100)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
