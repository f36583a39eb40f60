"""`knockgui-cli` commands: connect (knock, check, launch) and settings (list, get, set).

``connect NAME`` exits 0 when the service port opened (and the client started), 1 when the port did
not open (nothing is started, unless ``--force``; the message, on stderr, says why), 2 for bad input
and 3 for a local problem (keyring, missing client). With ``--keep-open`` it stays in the foreground and
re-knocks while the client runs; Ctrl-C stops re-knocking and leaves the client running.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from knockgui.cli import fail
from knockgui.core import settings as st
from knockgui.core.connect import connect
from knockgui.core.errors import KnockguiError
from knockgui.core.knock import KnockResult, Progress
from knockgui.core.paths import config_dir
from knockgui.core.process import Locator


def _warn(message: str) -> None:
    fail(f"warning: {message}")


def _load(args: argparse.Namespace) -> st.Settings:
    loaded = st.load_settings(config_dir(args.config_dir))
    if loaded.warning:
        _warn(loaded.warning)
    return loaded


def cmd_connect(args: argparse.Namespace) -> int:
    from knockgui.cli.inventory import open_inventory

    settings = _load(args)
    inventory = open_inventory(args)
    router = inventory.find(args.name)

    def progress(event: Progress) -> None:
        print(f"{router.name}: {event.message}", file=sys.stderr)

    def reknocked(result: KnockResult | None, error: KnockguiError | None) -> None:
        if error is not None:
            print(f"{router.name}: re-knock failed: {error.message}", file=sys.stderr)
        elif args.verbose and result is not None:
            print(f"{router.name}: re-knocked: {result.message}", file=sys.stderr)

    result = connect(
        inventory,
        router,
        settings,
        service=args.service,
        knock_again=args.knock_again,
        launch=not args.no_launch,
        force=args.force,
        keep_open=True if args.keep_open else None,
        on_progress=progress if args.verbose else None,
        on_reknock=reknocked,
    )
    if result.was_successful():
        print(result.message)
    else:  # the port did not open (with --force the client started anyway): a failure, so on stderr
        fail(result.message)
    if result.open_until is not None and result.knock.steps_sent:
        print(f"{router.name}: open until {result.open_until.clock()} (for {result.open_until.address}).")
    keeper = result.keep_open
    if keeper is not None:
        try:
            keeper.join()
            print(f"{router.name}: the client exited after {keeper.knocks} re-knocks; keep-open ended.")
        except KeyboardInterrupt:
            keeper.stop()
            print(f"{router.name}: keep-open stopped; the client keeps running.")
    return 0 if result.was_successful() else 1


def cmd_settings_list(args: argparse.Namespace) -> int:
    loaded = _load(args)
    data = loaded.to_dict()
    if args.json:
        print(json.dumps(data, indent=1, sort_keys=True))
        return 0
    width = max(len(k) for k in data)
    for key, value in data.items():
        print(f"{key.ljust(width)}  {st.format_value(value)}")
    return 0


def cmd_settings_get(args: argparse.Namespace) -> int:
    key = st.check_key(args.key)
    print(st.format_value(getattr(_load(args), key)))
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    folder = config_dir(args.config_dir)
    updated = st.with_value(_load(args), args.key, args.value)
    st.save_settings(folder, updated)
    value = getattr(updated, args.key)
    print(f"Set {args.key} to {st.format_value(value) or '(empty)'}.")
    if args.key in ("winbox_path", "putty_path", "ssh_path", "telnet_path", "terminal", "browser") and value:
        locator = Locator()
        if not locator.find([locator.expand(value)]):
            _warn(f"{value} is not a program found on this computer now; connecting will say so if it still is not.")
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to the CLI."""
    p = sub.add_parser(
        "connect",
        help="knock, check the service port, then start the router's client",
        epilog="exit codes: 0 the port opened (and the client started), 1 the port did not open (why: on stderr;\n"
        "also with --force), 2 bad input (no such router or service), 3 a local problem (keyring, no client,\n"
        "a host that does not resolve, a client that failed to start), 130 cancelled.",
    )
    p.add_argument("name", metavar="NAME", help="the router's name (case-insensitive)")
    p.add_argument(
        "--service", metavar="KIND[:PORT]", help="connect with this service of the router (default: its default one)"
    )
    p.add_argument("--no-launch", action="store_true", help="knock and check only; start nothing")
    p.add_argument(
        "--knock-again", action="store_true", help="knock even if the router still lists this computer as open"
    )
    p.add_argument("--force", action="store_true", help="start the client even when the port did not open")
    p.add_argument(
        "--keep-open",
        action="store_true",
        help="stay and re-knock while the client runs: at the router's own interval if it has one, else at 4/5 "
        "of its final timeout (at most the default_keep_open_s setting, when that is not 0)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="print each step and re-knock on stderr")
    p.set_defaults(func=cmd_connect)

    s = sub.add_parser("settings", help="show or change the settings (program paths, terminal, defaults)")
    ssub = s.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    q = ssub.add_parser("list", help="print every setting and its value")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_settings_list)
    q = ssub.add_parser("get", help="print one setting's value")
    q.add_argument("key", metavar="KEY", help=", ".join(st.keys()))
    q.set_defaults(func=cmd_settings_get)
    q = ssub.add_parser("set", help='change one setting (e.g. "set ssh_client putty"; an empty VALUE clears a path)')
    q.add_argument("key", metavar="KEY", help=", ".join(st.keys()))
    q.add_argument("value", metavar="VALUE")
    q.set_defaults(func=cmd_settings_set)
