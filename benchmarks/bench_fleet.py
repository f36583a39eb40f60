"""Benchmark: ``knockgui-cli knock --all --check`` over 1,000 saved routers behind a slow link.

Run as root: ``.venv/bin/python benchmarks/bench_fleet.py [--routers 1000] [--timeout 3]
[--sequential-sample 100]``. One namespace router holds one address per saved router (a 10.251-254/16
the other testbeds never pick), each with its own knock state (nftables sets keyed by source and
destination); every packet it sends is held 100 ms (a user-space wire between two TUN devices:
this kernel has no netem; tests/testbed/wire.py), and every 10th router is saved with a wrong
sequence, so it stays silent until the check's timeout. The sequences live in a real gnome-keyring on
a private D-Bus. Before each run the namespace forgets every knock.

Measured: the parallel run (the default ``--parallel``) from start to exit, the largest number of
open file descriptors of the knockgui-cli process (sampled every 5 ms from /proc) and its peak RSS;
then the same routers one at a time (``--parallel 1``): with ``--sequential-sample N`` only the
first N routers (the same mix) are knocked one at a time and the time is scaled to all of them,
since a sequential run of 1,000 takes minutes. Goal: the parallel run within the check timeout
plus 2 s, every open router reported open and every silent one "no answer".

Measured here (2-core VM, quiet; check timeout 3 s, 1,000 routers, 100 silent), 2026-12-02 with the
check loops (knockgui.core.checkloop: a router's check holds sockets but no thread) and --parallel 512:
4.27 s and 4.47 s (goal 5 s: met), every result right, peak 487-503 open fds (bound 2,624), peak RSS
40 MB, CPU 1.3-1.4 s, of which the one keyring pass over gnome-keyring took 0.43-0.45 s; --parallel 256
4.47-4.65 s (418 fds); sequential 419-429 s (20 routers measured, scaled): 94-101x the parallel run.
Before the check loops (one worker thread per router until its check ended, four early SYNs per
check): 4.67-5.18 s at --parallel 256, CPU 1.8-2.2 s. What remains above the 3 s timeout: start-up and
the inventory (0.1 s), the keyring pass (0.45 s), and the knocks themselves, CPU-bound at about 0.4 ms a
router, so the last silent router is knocked some 0.35-0.5 s after the first. Reading the keyring in
batches while the first routers are knocked was tried and was slower (4.6 s): the reader and the
workers then wait for each other's GIL.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knockgui.core.fleet import DEFAULT_PARALLEL, SPARE_FDS, sockets_per_knock  # noqa: E402
from knockgui.core.model import Router  # noqa: E402
from knockgui.core.secrets import SERVICE_NAME, KeyringSecretStore, RouterSecret  # noqa: E402
from knockgui.core.sequence import parse_sequence  # noqa: E402
from knockgui.core.store import Inventory  # noqa: E402
from tests.testbed.fleet import SEQUENCE, WRONG_SEQUENCE  # noqa: E402
from tests.testbed.netns import have_root_netns  # noqa: E402
from tests.testbed.secret_service import SecretService, have_secret_service  # noqa: E402
from tests.testbed.wire import DelayedFleet, have_tun  # noqa: E402

SLACK_S = 2.0
LAST_CPU = [0.0]


def store_secrets(store: KeyringSecretStore, secrets: dict[str, RouterSecret]) -> None:
    """Write many entries over one Secret Service connection (keyring's set_password opens one each)."""
    from secretstorage.util import open_session

    backend = store.backend
    collection = backend.get_preferred_collection()  # type: ignore[attr-defined]
    with closing(collection.connection):
        collection.session = open_session(collection.connection)
        for router_id, secret in secrets.items():
            attributes = backend._query(SERVICE_NAME, router_id, application=backend.appid)  # type: ignore[attr-defined]
            collection.create_item(f"Password for '{router_id}' on '{SERVICE_NAME}'", attributes, secret.to_entry())


def run_cli(argv: list[str], env: dict[str, str]) -> tuple[float, int, float, int, list[dict[str, object]]]:
    """Wall seconds, peak open fds, peak RSS (MB), exit code and the JSON results of one CLI run
    (its CPU seconds go to ``LAST_CPU``)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "knockgui.cli", *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        fd_dir = f"/proc/{proc.pid}/fd"
        while not done.is_set():
            try:
                peak = max(peak, len(os.listdir(fd_dir)))
            except OSError:
                pass
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    proc.stdout.close()
    return elapsed, peak, usage.ru_maxrss / 1024, proc.returncode, json.loads(out or b"[]")


def summary(results: list[dict[str, object]]) -> str:
    counts: dict[str, int] = {}
    for item in results:
        counts[str(item["result"])] = counts.get(str(item["result"]), 0) + 1
    return ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--routers", type=int, default=1000)
    parser.add_argument("--silent-every", type=int, default=10)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=3.0, help="each router's check timeout (s)")
    parser.add_argument("--sequential-sample", type=int, default=100, help="routers knocked one at a time (0: all)")
    parser.add_argument("--also-parallel", type=int, nargs="*", default=[], help="more --parallel values to time")
    args = parser.parse_args()
    for reason in (have_root_netns(), have_secret_service(), have_tun()):
        if reason:
            print(f"skipped: this benchmark {reason}")
            return 2
    with tempfile.TemporaryDirectory(prefix="knockgui-bench-fleet-") as tmp, SecretService() as keyring_service:
        env = {
            **os.environ,
            **keyring_service.env(),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
            "KNOCKGUI_CONFIG_DIR": str(Path(tmp) / "config"),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ.update({k: env[k] for k in (*keyring_service.env(), "PYTHON_KEYRING_BACKEND")})
        with DelayedFleet(args.routers, args.delay_ms) as fleet:
            store = KeyringSecretStore()
            routers = [
                Router(name=f"r{i:04d}", host=addr, group=f"site{i % 40}", timeout_s=args.timeout)
                for i, addr in enumerate(fleet.addresses)
            ]
            silent = {r.name for i, r in enumerate(routers) if i % args.silent_every == 0}
            setup = time.perf_counter()
            right, wrong = RouterSecret(parse_sequence(SEQUENCE)), RouterSecret(parse_sequence(WRONG_SEQUENCE))
            store_secrets(store, {r.id: (wrong if r.name in silent else right) for r in routers})
            Inventory.open(Path(env["KNOCKGUI_CONFIG_DIR"]), store).upsert_many([(r, None) for r in routers])
            print(
                f"{args.routers} routers behind a {args.delay_ms} ms link ({len(silent)} silent), check timeout "
                f"{args.timeout:g} s; set-up {time.perf_counter() - setup:.1f} s"
            )
            fleet.flush()
            run_cli(["knock", routers[1].name, routers[2].name, "--check", "--json"], env)  # warm: bytecode, keyring
            from knockgui.core.bulk_secrets import read_secrets

            started = time.perf_counter()
            read_secrets(store, [r.id for r in routers])
            keyring_s = time.perf_counter() - started
            fleet.flush()
            wall, fds, rss, code, results = run_cli(["knock", "--all", "--check", "--json"], env)
            opened = sum(1 for item in results if item["result"] == "open")
            right_answers = all(
                (item["result"] == "no answer") == (item["name"] in silent)
                and (item["result"] in ("open", "no answer"))
                for item in results
            )
            bound = DEFAULT_PARALLEL * sockets_per_knock(args.timeout) + SPARE_FDS
            goal = args.timeout + SLACK_S
            print(f"parallel (--parallel {DEFAULT_PARALLEL}): {wall:6.2f} s  exit {code}  {summary(results)}")
            print(
                f"  goal <= {goal:g} s: {'OK' if wall <= goal else 'MISSED'}; every result as expected: {right_answers}"
            )
            print(f"  peak open fds {fds} (bound {bound}), peak RSS {rss:.0f} MB, CPU {LAST_CPU[0]:.2f} s")
            print(
                f"  of which reading the {args.routers} secrets in one keyring pass: {keyring_s:.2f} s (in this process)"
            )
            wrong = [item for item in results if (item["result"] == "no answer") != (item["name"] in silent)]
            for item in wrong[:5]:
                print(f"  unexpected: {item['name']} {item['result']} after {item['ms']} ms")
            for parallel in args.also_parallel:
                fleet.flush()
                p_wall, p_fds, p_rss, _c, p_results = run_cli(
                    ["knock", "--all", "--check", "--json", "--parallel", str(parallel)], env
                )
                print(
                    f"parallel (--parallel {parallel}): {p_wall:6.2f} s  {summary(p_results)}; peak fds {p_fds}, "
                    f"RSS {p_rss:.0f} MB, CPU {LAST_CPU[0]:.2f} s"
                )
            sample = args.sequential_sample or args.routers
            names = [r.name for r in routers[:sample]]
            fleet.flush()
            seq_wall, seq_fds, seq_rss, _code, seq_results = run_cli(
                ["knock", *names, "--check", "--json", "--parallel", "1"], env
            )
            scaled = seq_wall * args.routers / len(names)
            how = "measured" if len(names) == args.routers else f"{len(names)} measured ({seq_wall:.1f} s), scaled"
            print(f"sequential (--parallel 1): {scaled:6.1f} s ({how})  {summary(seq_results)}")
            print(f"  peak open fds {seq_fds}, peak RSS {seq_rss:.0f} MB")
            print(f"sequential / parallel: {scaled / wall:.1f}x")
            ok = wall <= goal and right_answers and opened == args.routers - len(silent) and fds <= bound
            print("goals met" if ok else "GOALS MISSED")
            return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
