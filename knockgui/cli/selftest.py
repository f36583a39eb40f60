"""`knockgui-cli self-test`: the Qt-free checks of ``knockgui.core.selftest``, one line each.

Exit code 0 when every required check passes, 1 otherwise (with one sentence on stderr naming the
failed checks). ``--report FILE`` also writes the lines to FILE (the command names it on its last line).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import knockgui.cli
from knockgui.core import selftest
from knockgui.core.errors import InputError

EXIT_FAILED = 1


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to the CLI."""
    parser = sub.add_parser(
        "self-test",
        help="check this installation: modules, resources, keyring backend, ICMP and raw sockets",
        description="Check this installation without touching any router; one line per check.",
    )
    parser.add_argument("--report", metavar="FILE", help="also write the lines to FILE (not -: they go to stdout)")
    parser.add_argument(
        "--no-keyring-write",
        action="store_true",
        help="only name the keyring backend; do not store, read back and delete a test entry",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.report == "-":  # as typed: Path("./-") is "-" too, and names a file
        raise InputError("The self-test lines already go to stdout; give --report a file name, or leave it out.")
    with selftest.Reporter(None if args.report is None else Path(args.report)) as reporter:
        report = selftest.run(
            [
                lambda: selftest.core_checks(
                    packages=[knockgui.cli], qt_free=True, keyring_round_trip=not args.no_keyring_write
                )
            ],
            reporter,
        )
    if report.was_successful():
        return 0
    names = ", ".join(check.name for check in report.failed())
    knockgui.cli.fail(f"The self-test failed ({names}); the FAIL lines above say what is wrong.")
    return EXIT_FAILED
