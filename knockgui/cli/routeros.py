"""`knockgui-cli routeros NAME`: the RouterOS script for a saved router's sequence (or, with
``--remove``, the commands that take it out again). Warnings (a wait longer than the stage timeout, a
host name that may also have IPv6) go to stderr, one sentence each; the script goes to stdout."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from knockgui.cli.inventory import open_inventory
from knockgui.core.errors import InputError
from knockgui.core.paths import config_dir


def _rule_number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        shown = text if len(text) <= 12 else text[:12] + "..."
        raise argparse.ArgumentTypeError(f"{shown!r} is not a rule number (0, 1, 2...)")
    return int(text)


def options_from(args: argparse.Namespace) -> Any:
    from knockgui.core.routeros import ScriptOptions

    return ScriptOptions(
        list_prefix=args.list_prefix,
        stage_timeout=args.stage_timeout,
        final_timeout=args.final_timeout,
        drop=args.drop,
        family="both" if args.ipv6 and args.family == "auto" else args.family,
        my_address=args.my_address,
        guard=args.guard,
        guard_timeout=args.guard_timeout,
        place_before=args.place_before,
    )


def cmd_routeros(args: argparse.Namespace) -> int:
    from knockgui.core.routeros import removal_script, routeros_script, script_warnings
    from knockgui.core.settings import load_settings

    if args.ipv6 and args.family not in ("auto", "both"):
        raise InputError("--ipv6 means both families; leave it out when you give --family.")
    options = options_from(args)
    inventory = open_inventory(args)
    router = inventory.find(args.name)
    sequence = inventory.secret(router).knock_sequence
    if args.remove:
        sys.stdout.write(removal_script(router, sequence, options))
        return 0
    script = routeros_script(router, sequence, options)
    settings = load_settings(config_dir(args.config_dir))
    for warning in script_warnings(router, sequence, options, default_delay_ms=settings.default_delay_ms):
        print(f"knockgui-cli: warning: {warning}", file=sys.stderr)
    sys.stdout.write(script)
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the routeros subcommand to the CLI."""
    p = sub.add_parser("routeros", help="print RouterOS firewall commands implementing a router's sequence")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--family",
        choices=["auto", "ipv4", "ipv6", "both"],
        default="auto",
        help="rules for IPv4, IPv6 or both (default auto: IPv6 for an IPv6 host, else IPv4)",
    )
    p.add_argument("--ipv6", action="store_true", help="rules for both IPv4 and IPv6 (same as --family both)")
    p.add_argument(
        "--drop",
        choices=["management", "all"],
        default="management",
        help="what the last rule drops for everyone else: the management ports (default) or all other input",
    )
    p.add_argument(
        "--my-address",
        default="",
        metavar="ADDR",
        help="your own address as the router sees it: put on the safe list first, so you can always come back",
    )
    p.add_argument("--guard", action="store_true", help="block a source that hits a wrong port while knocking")
    p.add_argument("--guard-timeout", default="1m", metavar="T", help="how long the guard blocks (default 1m)")
    p.add_argument(
        "--place-before",
        type=_rule_number,
        metavar="N",
        help="place the rules before rule N of your last '/ip firewall filter print'",
    )
    p.add_argument("--list-prefix", default="knockgui", metavar="P", help="address-list name prefix (default knockgui)")
    p.add_argument("--stage-timeout", default="15s", metavar="T", help="timeout of each stage (default 15s)")
    p.add_argument(
        "--final-timeout",
        default="",
        metavar="T",
        help="how long a knocked address may connect (default: the router's final timeout, 3h unless set)",
    )
    p.add_argument("--remove", action="store_true", help="print the commands that remove what the script adds")
    p.set_defaults(func=cmd_routeros)
