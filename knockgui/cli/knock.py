"""``knockgui-cli knock HOST STEP... [--delay MS] [--check PORT] [--timeout SECONDS] [-4|-6] [-v]``.

Exit codes: 0 sent (and, with ``--check``, the port opened); 1 the port did not open; 2 bad input or
usage; 3 a local problem (ICMP permission, no network, a name that does not resolve); 130 cancelled.
Messages are one line on stderr. The engine is imported only when the command runs, so building the
parser (which happens for every ``knockgui-cli`` command) stays cheap.

``knock NAME [--check]`` (no steps) knocks a saved router: ``knockgui.cli.inventory.knock_saved`` reads
its sequence from the keyring and uses its host, delay, timeout and, for a bare ``--check``, its
service port, then calls :func:`run_knock_command`.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from knockgui.core.errors import InputError, KnockguiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from knockgui.core.knock import Progress
    from knockgui.core.sequence import Sequence

PROG = "knockgui-cli"
DEFAULT_TIMEOUT_S = 5.0
MAX_DELAY_MS = 600_000

USAGE = """knockgui-cli knock [options] HOST STEP...
       knockgui-cli knock [options] NAME... | --group G | --all
options: [--delay MS | -d MS] [--check [PORT]] [--timeout SECONDS] [-4 | -6] [-u] [-v] [-V]
         [--parallel N] [--json]"""

EXAMPLES = """\
steps: PORT or PORT:tcp (one SYN), PORT:udp[:TEXT|:0xHEX] (one datagram), icmp:SIZE[:TEXT]
(an echo whose whole IPv4 packet is SIZE bytes), wait:MS (a pause after the previous step).

exit codes: 0 sent (and the port opened, with --check), 1 the port did not open,
2 bad input or usage, 3 a local problem (ICMP permission, no network, unknown host).

many saved routers: knockgui-cli knock --group Branches --check (or --all, or NAME NAME...):
at most --parallel in flight, a table at the end (--json for scripts); exit 0 only if all opened.

zeroflux knock's options work too: -u/--udp, -d MS, -4/--ipv4, -6/--ipv6, -v, -V, anywhere.

example: knockgui-cli knock 192.0.2.1 1337 17954:udp --check 8291 -v
"""


@dataclass(frozen=True)
class KnockOptions:
    """The command's options, validated; ``delay_ms``/``timeout_s`` are None when not given."""

    delay_ms: int | None
    check_port: int | None
    timeout_s: float | None
    family: str
    verbose: bool


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``knock`` to the CLI."""
    from knockgui import __version__
    from knockgui.cli import HelpFormatter
    from knockgui.cli.numbers import whole_number

    parser = sub.add_parser(
        "knock",
        help="send a knock sequence to a host or saved routers, optionally check that a port opened",
        description=(
            "Send a knock sequence to HOST (resolved once), in order; with --check, wait for a port to open. "
            "Also: knock NAME... / --group G / --all knocks saved routers in parallel. Options may stand "
            "anywhere among the steps, as with zeroflux knock."
        ),
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
        usage=USAGE,  # written out: options anywhere (intermixed parsing) would otherwise format it on every run
    )
    parser.intermixed = True
    parser.add_argument(
        "host", metavar="HOST", nargs="?", help="router name or address (IPv6 literal with or without [])"
    )
    parser.add_argument("steps", metavar="STEP", nargs="*", help="knock steps, e.g. 1337 17954:udp icmp:128")
    add_knock_options(parser)
    parser.add_argument(
        "-u", "--udp", action="store_true", help="every PORT or PORT:tcp hit is UDP (as zeroflux knock -u)"
    )
    parser.add_argument("-d", dest="delay", metavar="MS", help="the same as --delay (zeroflux knock's spelling)")
    parser.add_argument("-V", action="version", version=f"{PROG} {__version__}", help="print the version and exit")
    fleet = parser.add_argument_group("many saved routers at once")
    fleet.add_argument("--group", metavar="G", help="knock every saved router of group G")
    fleet.add_argument("--all", action="store_true", help="knock every saved router")
    fleet.add_argument(
        "--parallel",
        type=whole_number,
        default=512,
        metavar="N",
        help="at most N routers in flight, being knocked or checked (default and most: 512)",
    )
    fleet.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.set_defaults(func=run)


def add_knock_options(parser: argparse.ArgumentParser) -> None:
    """The options shared by every command that knocks."""
    parser.add_argument(
        "--delay",
        metavar="MS",
        help="wait MS milliseconds between steps (default 0; a saved router: its own delay, else the "
        "default_delay_ms setting)",
    )
    parser.add_argument(
        "--check",
        metavar="PORT",
        nargs="?",
        const="",
        help="after the knock, wait for TCP PORT to open (a saved router: its service port unless PORT is given)",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        help=f"how long --check waits (default {DEFAULT_TIMEOUT_S:g}; a saved router: its own timeout, else the "
        "default_timeout_s setting)",
    )
    family = parser.add_mutually_exclusive_group()
    family.add_argument("-4", "--ipv4", dest="family", action="store_const", const="4", default="any", help="IPv4 only")
    family.add_argument("-6", "--ipv6", dest="family", action="store_const", const="6", help="IPv6 only")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each step and the check's result")


def _integer(text: str, what: str, low: int, high: int) -> int:
    from knockgui.cli.numbers import is_whole  # ASCII digits only, bounded: int() takes ١٢ and chokes on ²

    if not is_whole(text) or not low <= int(text) <= high:
        raise InputError(f'{what} must be a whole number from {low} to {high}, not "{text}".')
    return int(text)


def options_from(args: argparse.Namespace) -> KnockOptions:
    """Validate the shared options (InputError, exit 2, with one sentence)."""
    delay = None if args.delay is None else _integer(args.delay, "--delay", 0, MAX_DELAY_MS)
    port = None if not args.check else _integer(args.check, "--check", 1, 65535)
    timeout = None
    if args.timeout is not None:
        from knockgui.cli.numbers import decimal_number

        try:
            timeout = decimal_number(args.timeout)
        except argparse.ArgumentTypeError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise InputError(f'--timeout must be a number of seconds above 0 and at most 600, not "{args.timeout}".')
    return KnockOptions(delay, port, timeout, str(args.family), bool(args.verbose))


def _all_udp(steps: list[str]) -> list[str]:
    """``knock -u``: every port hit is UDP, as zeroflux knock does (even one written PORT:tcp)."""
    out = []
    for step in steps:
        port, _, proto = step.strip().partition(":")
        out.append(f"{port}:udp" if port.isdigit() and proto.lower() in ("", "tcp") else step)
    return out


def run(args: argparse.Namespace) -> int:
    options = options_from(args)
    if args.group is not None or args.all:
        from knockgui.cli.fleet import run_fleet

        return run_fleet(args, options, [args.host, *args.steps] if args.host else [])
    if args.host is None:
        raise InputError("Give a HOST and its knock steps, a saved router's name, --group G or --all.")
    if not args.steps:
        from knockgui.cli.inventory import knock_saved  # knock NAME: a saved router

        return knock_saved(args, options)
    from knockgui.core.errors import SequenceError
    from knockgui.core.sequence import parse_sequence

    steps = _all_udp(args.steps) if args.udp else args.steps
    try:
        sequence = parse_sequence(" ".join(steps), delay_ms=options.delay_ms or 0)
    except SequenceError:
        names = _saved_names(args, [args.host, *args.steps])
        if names is None:
            raise
        from knockgui.cli.fleet import run_fleet

        return run_fleet(args, options, names)
    if args.check == "":
        raise InputError("--check needs a PORT when knocking a host, for example --check 8291.")
    return run_knock_command(args.host, sequence, options)


def _saved_names(args: argparse.Namespace, words: list[str]) -> list[str] | None:
    """``words`` when every one is a saved router's name (``knock NAME NAME...``), else None."""
    from knockgui.cli.inventory import open_inventory

    try:
        inventory = open_inventory(args)
    except KnockguiError:
        return None
    names = {r.name.casefold() for r in inventory.routers}
    return words if all(word.strip().casefold() in names for word in words) else None


def run_knock_command(
    host: str,
    sequence: Sequence,
    options: KnockOptions,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    reveal_steps: bool = True,
    on_open: Callable[[str, float], None] | None = None,
) -> int:
    """Knock, print what the user asked to see, return the exit code (errors propagate as KnockguiError).

    ``reveal_steps=False`` (a saved router, whose sequence is a secret) prints each step's protocol only.
    ``on_open(address, knocked_at)`` is called when the checked port opened (``knocked_at``: the epoch
    time of the last knock step).
    """
    from knockgui.core.knock import Family, knock

    out = out or sys.stdout
    err = err or sys.stderr

    def say(text: str) -> None:
        print(f"{PROG}: {text}", file=err, flush=True)

    def progress(event: Progress) -> None:
        if event.stage == "resolve":
            say(event.message)
        elif event.stage == "step":
            step = sequence.steps[event.index - 1]
            say(f"step {event.index} of {event.total} sent: {step.target if reveal_steps else step.protocol.value}")
        elif event.stage == "check" and event.index == 1:
            say(event.message.replace(" (attempt 1)", ""))

    timeout = options.timeout_s if options.timeout_s is not None else DEFAULT_TIMEOUT_S
    result = knock(
        host,
        sequence,
        family=Family(options.family),
        check_port=options.check_port,
        timeout=timeout,
        on_progress=progress if options.verbose else None,
    )
    check = result.check
    if check is None:
        if options.verbose:
            say(f"{result.message} ({result.elapsed_ms:.1f} ms)")
        return 0
    if check.was_successful():
        if on_open is not None:
            on_open(result.address, time.time() - (check.latency_ms or 0.0) / 1000)
        print(check.message, file=out, flush=True)
        if options.verbose:
            say(f"port {check.port} opened after {check.latency_ms:.1f} ms (attempt {check.attempts})")
        return 0
    say(check.message)
    if options.verbose:
        plural = "" if check.attempts == 1 else "s"
        say(f"{check.attempts} connection attempt{plural}, result: {check.state.value}")
    return 1
