"""Benchmark: load, list and filter an inventory of 5,000 routers, with zero keyring reads.

Run: ``.venv/bin/python benchmarks/bench_inventory.py [N]``. Prints the best of several runs and the
ratio against a baseline (plain ``json.load`` of the same file). Goals: load < 0.3 s, filter < 20 ms.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best  # noqa: E402
from knockgui.core.model import Router, Service  # noqa: E402
from knockgui.core.secrets import MemorySecretStore  # noqa: E402
from knockgui.core.store import FILE_NAME, SCHEMA, Inventory  # noqa: E402
from knockgui.core.validate import router_to_dict  # noqa: E402
from tests.core.inventory_helpers import CountingSecretStore  # noqa: E402

LOAD_GOAL_S = 0.3
FILTER_GOAL_S = 0.020
RUNS = 7


def write_inventory(folder: Path, n: int) -> Path:
    services = list(Service)
    routers = [
        Router(
            name=f"router-{i:05d}",
            host=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" if i % 3 else f"rtr{i}.site{i % 97}.example.net",
            group=f"site-{i % 97}",
            service=services[i % 4],
            user="admin" if i % 2 else "",
            notes="rack 3, behind the blue switch" if i % 10 == 0 else "",
        )
        for i in range(n)
    ]
    path = folder / FILE_NAME
    doc = {"schema": SCHEMA, "routers": [router_to_dict(r, defaults=False) for r in routers]}  # as the store writes it
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_inventory(folder, n)
        store = CountingSecretStore(MemorySecretStore())

        def baseline() -> object:
            with path.open("rb") as handle:
                return json.load(handle)

        t_base = best(baseline, RUNS)
        t_load = best(lambda: Inventory.open(folder, store), RUNS)
        inventory = Inventory.open(folder, store)
        assert len(inventory.routers) == n and inventory.warning is None
        t_list = best(lambda: [(r.name, r.host, r.group, r.service_port) for r in inventory.routers], RUNS)
        filters = {"site-17": 0, "10.0.3.": 0, "ROUTER-0499": 0, "no-such-router": 0}
        t_filter = 0.0
        for text in filters:
            filters[text] = len(inventory.matches(text))
            t_filter = max(t_filter, best(lambda text=text: inventory.matches(text), RUNS))  # type: ignore[misc]
        reads = sum(store.calls.values())
        size_kib = path.stat().st_size / 1024

    print(f"inventory of {n} routers ({size_kib:.0f} KiB JSON), best of 7 runs")
    print(f"  baseline json.load    {t_base * 1000:8.1f} ms")
    print(
        f"  Inventory.open        {t_load * 1000:8.1f} ms  ({t_load / t_base:.1f}x baseline; goal < {LOAD_GOAL_S * 1000:.0f} ms)"
    )
    print(f"  list all              {t_list * 1000:8.1f} ms")
    print(
        f"  filter (worst of {len(filters)})   {t_filter * 1000:8.1f} ms  (goal < {FILTER_GOAL_S * 1000:.0f} ms)  hits {filters}"
    )
    print(f"  keyring calls         {reads:8d}     (goal 0)")
    ok = t_load < LOAD_GOAL_S and t_filter < FILTER_GOAL_S and reads == 0
    print("goals met" if ok else "GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
