"""`knockgui-cli` commands for moving in: import (Winbox, .wbx, CSV, PuTTY, knockgui's own files),
set-sequence for many imported routers at once, and confirm-command for an imported custom command.

``import`` prints the plan (added, merged, skipped and why) and writes it in one step unless
``--dry-run``; a Winbox master password or a .kgx passphrase is asked without echo, or read from
``--passphrase-file``. Logins and kept passwords go to the OS keyring, never to ``routers.json``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from knockgui.cli import fail
from knockgui.cli.inventory import open_inventory, warn
from knockgui.cli.numbers import whole_number
from knockgui.cli.reading import answer, hidden, read_passphrase, read_sequence_text
from knockgui.core.errors import InputError
from knockgui.core.importers import FORMATS
from knockgui.core.model import Router
from knockgui.core.sequence import MAX_STEPS
from knockgui.core.store import Inventory


def _source_path(args: argparse.Namespace) -> Path:
    from knockgui.core.importers import STDIN, winbox

    if args.winbox:
        if args.file:
            raise InputError("Give either a FILE or --winbox, not both.")
        found = winbox.find_saved()
        if found is None:
            places = ", ".join(str(p) for p in winbox.locations())
            raise InputError(f"No Winbox address file was found (looked at {places}); give its path as FILE.")
        print(f"Using Winbox's saved routers in {found}.")
        return found
    if not args.file:
        raise InputError("Give the FILE to import, or --winbox for Winbox's own saved routers.")
    if args.file == "-":
        return STDIN
    path = Path(args.file).expanduser()
    return path.absolute() if path == STDIN else path  # ./- is a file named "-" (Path("./-") == Path("-"))


def _read_stdin() -> bytes:
    """``import -``: the file's bytes from standard input, at most as many as a file may have."""
    from knockgui.core.importers.records import MAX_FILE_BYTES

    if sys.stdin.isatty():
        raise InputError("import - reads the file from standard input, not a terminal; pipe it in (< FILE).")
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"The data on standard input is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, more than an "
            "import file can be; nothing was imported."
        )
    return data


def _passphrase(args: argparse.Namespace, source_format: str) -> str:
    if args.file == "-" and args.passphrase_file is None:
        raise InputError(
            "The file comes from standard input (import -), so the passphrase cannot be asked there; "
            "give it with --passphrase-file FILE."
        )
    if args.passphrase_file or source_format != "winbox":
        return read_passphrase(args.passphrase_file, confirm=False)
    if not sys.stdin.isatty():
        raise InputError("No terminal to ask for the Winbox master password; give it with --passphrase-file FILE.")
    password = hidden("Winbox master password: ")
    if not password:
        raise InputError("The master password is empty; give one.")
    return password


def cmd_import(args: argparse.Namespace) -> int:
    from knockgui.core.importers import STDIN, decode, detect_format, needs_passphrase, read_data
    from knockgui.core.importers.plan import MERGE, SKIP, apply, build_plan

    if args.file == "-" and args.passphrase_file == "-":
        raise InputError(
            "Standard input can carry the file (import -) or the passphrase (--passphrase-file -), not both; "
            "give the passphrase in a file."
        )
    path = _source_path(args)
    if path == STDIN:
        data = _read_stdin()
        source_format = args.format or detect_format(path, data)
    else:
        source_format, data = read_data(path, args.format)
    passphrase = _passphrase(args, source_format) if needs_passphrase(source_format, data) else None
    source = decode(path, source_format, data, passphrase)
    inventory = open_inventory(args)
    plan = build_plan(
        inventory, source, duplicates=SKIP if args.skip_duplicates else MERGE, replace_changed=args.replace
    )
    lines = plan.lines()
    name = "standard input" if path == STDIN else path.name
    if args.dry_run:
        print(f"Dry run of {name} ({source_format}), nothing was written: {lines[0]}")
    else:
        apply(inventory, plan)
        print(f"Imported from {name} ({source_format}): {lines[0]}")
    for line in lines[1:]:
        print(line)
    if plan.held:
        warn(
            f"{len(plan.held)} entries would change the address, port, command or pass_password of a router you "
            "have; they were skipped. Check them and run again with --replace to take the file's values."
        )
    return 0


def _selection(args: argparse.Namespace, inventory: Inventory) -> list[Router]:
    routers, find = inventory.routers, inventory.find
    chosen: dict[str, Router] = {}
    for name in args.names:
        router = find(name)
        chosen[router.id] = router
    if args.group is not None:
        group = [r for r in routers if r.group.casefold() == args.group.strip().casefold()]
        if not group:
            raise InputError(f'No router is in the group "{args.group.strip()}"; see knockgui-cli list.')
        chosen.update((r.id, r) for r in group)
    if args.imported:
        chosen.update((r.id, r) for r in routers if r.needs_sequence)
    if not chosen:
        raise InputError("Name the routers (NAME..., --group G or --imported) whose sequence to set.")
    return list(chosen.values())


def cmd_set_sequence(args: argparse.Namespace) -> int:
    from knockgui.core.bulk import set_sequences
    from knockgui.core.sequence import parse_sequence

    given = sum(1 for v in (args.sequence is not None, args.generate, args.source is not None) if v)
    if given != 1:
        raise InputError("Give exactly one of --sequence SEQ, --generate or --from ROUTER.")
    inventory = open_inventory(args)
    chosen = _selection(args, inventory)
    common = None
    if args.sequence is not None:
        common = parse_sequence(read_sequence_text(args.sequence))
    elif args.source is not None:
        source = inventory.find(args.source)
        common = inventory.secret(source).knock_sequence
        chosen = [r for r in chosen if r.id != source.id]
    result = set_sequences(inventory, chosen, common, steps=args.steps, overwrite=args.overwrite)
    how = "its own new random sequence each" if result.generated else "the same sequence"
    names = ", ".join(result.changed)
    print(f"Set {how} for {len(result.changed)} routers" + (f": {names}." if names else "."))
    if result.kept:
        print(f"  kept ({len(result.kept)}, they have a sequence; --overwrite replaces it): {', '.join(result.kept)}")
    if result.changed:
        print("  Put each router's firewall rules in place: knockgui-cli routeros NAME prints them.")
    return 0


def cmd_confirm_command(args: argparse.Namespace) -> int:
    inventory = open_inventory(args)
    router = inventory.find(args.name)
    if not router.command_unconfirmed:
        print(f'The command of "{router.name}" needs no confirmation.')
        return 0
    print(f'"{router.name}" runs this command (it came from an imported file): {router.command}')
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("No terminal to ask; check the command above and give --yes to confirm it.")
        if answer("Run it from now on when connecting? [y/N] ").strip().casefold() not in ("y", "yes"):
            fail("Not confirmed; the command stays blocked (confirm-command NAME asks again).")
            return 1
    inventory.update(replace(router, command_unconfirmed=False))
    print(f'Confirmed the command of "{router.name}".')
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "import",
        help="import routers from Winbox (Addresses.cdb, .wbx), CSV, PuTTY or a knockgui export",
        description="Import routers: the whole file is read and checked first, then written in one step; prints "
        "what was added, merged and skipped (and why), or with --dry-run what would be, writing nothing. Logins "
        "and kept passwords go to the OS keyring, never to the router list.",
    )
    p.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="the file (or PuTTY's sessions folder); - reads it from stdin (at most 16 MiB; "
        "a CSV needs --format csv, an encrypted one --passphrase-file)",
    )
    p.add_argument("--winbox", action="store_true", help="import Winbox's own Addresses.cdb from where Winbox keeps it")
    p.add_argument("--format", choices=FORMATS, help="the file's format (default: from its content or extension)")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported; write nothing")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--merge", action="store_true", help="merge duplicates (same host and port, or name): default")
    group.add_argument("--skip-duplicates", action="store_true", help="skip duplicates instead of merging them")
    p.add_argument(
        "--replace",
        action="store_true",
        help="let the file change an existing router's host, port, service, command or pass_password",
    )
    p.add_argument(
        "--passphrase-file",
        metavar="F",
        help='read the master password or passphrase from the first line of F ("-": of stdin); else it is asked',
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("set-sequence", help="set the knock sequence of many routers at once (e.g. imported ones)")
    p.add_argument("names", nargs="*", metavar="NAME", help="routers to set")
    p.add_argument("--group", metavar="G", help="every router of group G")
    p.add_argument("--imported", action="store_true", help="every router that has no sequence yet")
    p.add_argument("--sequence", metavar="SEQ", help='the sequence for all of them; "-" reads it from stdin/prompt')
    p.add_argument("--generate", action="store_true", help="a new random sequence for each router")
    p.add_argument(
        "--steps",
        type=whole_number,
        default=3,
        metavar="N",
        help=f"steps of a generated sequence, 1-{MAX_STEPS} (default 3)",
    )
    p.add_argument("--from", dest="source", metavar="ROUTER", help="copy the sequence of ROUTER")
    p.add_argument("--overwrite", action="store_true", help="also replace sequences already set")
    p.set_defaults(func=cmd_set_sequence)

    p = sub.add_parser("confirm-command", help="allow an imported router's custom command to run")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--yes", action="store_true", help="confirm without asking")
    p.set_defaults(func=cmd_confirm_command)
