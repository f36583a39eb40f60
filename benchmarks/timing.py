"""What the benchmarks share: timed runs (best, interleaved), the GUI children's session, a test inventory."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from knockgui.core.model import Router
    from knockgui.core.secrets import RouterSecret

T = TypeVar("T")
U = TypeVar("U")


def best(fn: Callable[[], object], runs: int) -> float:
    """The fastest of ``runs`` calls of ``fn``, in seconds (the least disturbed by a busy machine)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@contextlib.contextmanager
def gui_session(where: str) -> Iterator[tuple[dict[str, str], list[str]] | None]:
    """The environment and command prefix for timing GUI child processes: ``where`` is "offscreen" (Qt's
    offscreen platform) or "x11" (a private Xvfb display with trayer as the tray host, each child in its
    own D-Bus session, as on a Linux desktop). Bytecode stays cached (PYTHONDONTWRITEBYTECODE dropped)
    and the keyring is the fail backend. Yields None when X11 cannot be had here (the reason is printed)."""
    from tests.testbed.display import XDisplay, have_tray_host

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    if where != "x11":
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield env, []
        return
    missing = have_tray_host()
    if missing:
        print(f"{where}: not measured ({missing})")
        yield None
        return
    display = XDisplay(tray=True).start()
    try:
        env.update(display.env())
        yield env, ["dbus-run-session", "--"]  # no StatusNotifier watcher there: Qt docks in trayer (XEmbed)
    finally:
        display.close()


def interleaved(runs: int, baseline: Callable[[], T], ours: Callable[[], U]) -> tuple[list[T], list[U]]:
    """Each of the two measured ``runs`` times, taking turns (a change in the machine's load affects both
    alike), after one unrecorded call of each (which warms the file cache)."""
    baseline()
    ours()
    base: list[T] = []
    mine: list[U] = []
    for _ in range(runs):
        base.append(baseline())
        mine.append(ours())
    return base, mine


def load_line() -> str:
    return f"  load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work skews this)"


def write_routers(folder: Path, count: int, groups: int = 40) -> list[tuple[Router, RouterSecret]]:
    """An inventory of ``count`` plain routers in ``groups`` groups in ``folder`` (secrets in memory only)."""
    from knockgui.core.model import Router
    from knockgui.core.secrets import MemorySecretStore, RouterSecret
    from knockgui.core.sequence import parse_sequence
    from knockgui.core.store import Inventory

    inventory = Inventory.open(folder, MemorySecretStore())
    secret = RouterSecret(parse_sequence("1337:tcp 17954:udp"))
    items = [
        (Router(name=f"router-{i:05d}", host=f"10.{i // 250}.{i % 250}.1", group=f"site{i % groups}"), secret)
        for i in range(count)
    ]
    inventory.upsert_many(items)
    return items


def run_child(source: str, args: list[str], env: dict[str, str], prefix: list[str]) -> str:
    """The standard output of ``python -c source args`` (after ``prefix``, e.g. dbus-run-session)."""
    return subprocess.run(
        [*prefix, sys.executable, "-c", source, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
