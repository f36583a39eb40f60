"""``knockgui-cli knock --group G`` / ``--all`` / ``knock NAME NAME...``: knock many saved routers at once.

At most ``--parallel`` routers are in flight, being knocked or checked (default 512). A live progress
line is drawn on stderr when stderr is a terminal; at the end a table (name, host, result, time) goes to stdout,
or with ``--json`` a JSON list. Failures are also one line each on stderr, with their sentence.
Exit codes: 0 every router was knocked (and, with ``--check``, its port opened); 1 at least one was
not; 2 bad input (no such group or router); 130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from knockgui.cli.knock import KnockOptions
from knockgui.core.errors import InputError
from knockgui.core.fleet import FleetJob, FleetOutcome, groups_of, knock_many
from knockgui.core.model import Router
from knockgui.core.sequence import Sequence

PROG = "knockgui-cli"
PROGRESS_EVERY_S = 0.1


class ProgressLine:
    """A one-line counter redrawn on stderr (a terminal only), at most every PROGRESS_EVERY_S."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.done = self.opened = self.failed = 0
        self._lock = threading.Lock()
        self._drawn = 0.0

    def update(self, outcome: FleetOutcome) -> None:
        with self._lock:
            self.done += 1
            if outcome.ok:
                self.opened += 1
            else:
                self.failed += 1
            now = time.monotonic()
            if self.enabled and (now - self._drawn >= PROGRESS_EVERY_S or self.done == self.total):
                self._drawn = now
                sys.stderr.write(
                    f"\r{PROG}: {self.done}/{self.total} knocked, {self.opened} ok, {self.failed} failed\x1b[K"
                )
                sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def select_routers(routers: list[Router], args: argparse.Namespace, names: list[str]) -> list[Router]:
    """The routers a fleet knock means: --all, --group G, or the names given (in that order)."""
    if args.all:
        if not routers:
            raise InputError("There are no saved routers to knock; add one with knockgui-cli add.")
        return list(routers)
    chosen: list[Router] = []
    if args.group is not None:
        chosen = groups_of(routers, args.group)
    by_name = {r.name.casefold(): r for r in routers}
    for name in names:
        router = by_name.get(name.strip().casefold())
        if router is None:
            raise InputError(f'There is no router named "{name.strip()}"; see knockgui-cli list.')
        if router not in chosen:
            chosen.append(router)
    return chosen


def table(outcomes: list[FleetOutcome]) -> str:
    head = ("NAME", "HOST", "RESULT", "TIME")
    rows = [(o.name, o.host, o.result, f"{o.elapsed_ms:.0f} ms") for o in outcomes]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(4)]
    lines = []
    for row in [head, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]), row[3].rjust(widths[3])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def run_fleet(args: argparse.Namespace, options: KnockOptions, names: list[str]) -> int:
    from knockgui.cli.inventory import open_inventory
    from knockgui.core.address import Family
    from knockgui.core.connect import effective_sequence
    from knockgui.core.paths import config_dir
    from knockgui.core.settings import load_settings

    if not 1 <= args.parallel <= 512:
        raise InputError(f"--parallel must be from 1 to 512, not {args.parallel}.")
    inventory = open_inventory(args)
    routers = select_routers(inventory.routers, args, names)
    settings = load_settings(config_dir(args.config_dir))
    jobs = []
    for router in routers:
        timeout = options.timeout_s or (
            router.timeout_s if router.timeout_s is not None else settings.default_timeout_s
        )
        port = options.check_port or (router.service_port if args.check is not None else None)
        jobs.append(FleetJob(router, port, timeout, options.delay_ms))

    from knockgui.core.bulk_secrets import read_secrets
    from knockgui.core.errors import NotFoundError

    entries = read_secrets(inventory.secrets, [r.id for r in routers])  # one keyring pass, not one per router

    def sequence_of(router: Router) -> Sequence:
        entry = entries.get(router.id)
        if entry is None:
            raise NotFoundError(
                f'No knock sequence is stored in the keyring for "{router.name}"; edit the router and enter it.'
            )
        return effective_sequence(router, entry.secret().knock_sequence, settings)

    from knockgui.core.fleet import fit_parallel

    parallel = fit_parallel(args.parallel, max((job.timeout for job in jobs), default=1.0))
    if parallel < args.parallel:
        print(
            f"{PROG}: warning: this system lets knockgui open too few files for {args.parallel} knocks at once; "
            f"{parallel} at a time (raise the limit with ulimit -n).",
            file=sys.stderr,
        )
    progress = ProgressLine(len(jobs), sys.stderr.isatty() and not args.json)
    router_of = {job.router.name: job.router for job in jobs}
    opened: list[tuple[Router, str, float]] = []

    def finished(outcome: FleetOutcome) -> None:
        progress.update(outcome)
        if outcome.result == "open":
            opened.append((router_of[outcome.name], outcome.address, outcome.knocked_at))

    from knockgui.core.opened import OpenState

    try:
        outcomes = knock_many(jobs, sequence_of, parallel=parallel, family=Family(options.family), on_done=finished)
    finally:  # a Ctrl-C too: the routers that opened stay listed, so "open until" is remembered for them
        progress.clear()
        OpenState(inventory.path.parent).record_many(opened)
    if args.json:
        data = [
            {
                "name": o.name,
                "host": o.host,
                "address": o.address,
                "result": o.result,
                "ok": o.ok,
                "ms": o.elapsed_ms,
                "message": o.message,
            }
            for o in outcomes
        ]
        print(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        sys.stdout.write(table(outcomes))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"{PROG}: {o.name}: {o.message}", file=sys.stderr)
    if options.verbose or failed:
        ok = len(outcomes) - len(failed)
        print(
            f"{PROG}: {ok} of {len(outcomes)} routers {'opened' if args.check is not None else 'knocked'}.",
            file=sys.stderr,
        )
    return 1 if failed else 0
