"""`knockgui-cli` inventory commands: add, edit, remove, list, show, export, import, generate.

Secrets (the knock sequence, a password) go to the OS keyring; ``list`` reads none. ``--sequence -``
reads the sequence from stdin (or asks for it without echo on a terminal), so it stays out of the
shell history and the process list; so does ``--passphrase-file -`` for a passphrase. ``export -`` writes
the export to stdout and nothing else there. Exit codes: 2 bad input, 3 a local problem such as the keyring.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knockgui.cli.numbers import decimal_number, whole_number
from knockgui.cli.reading import read_passphrase, read_password, read_sequence_text
from knockgui.core.errors import InputError, KnockguiError
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.opened import OpenState
from knockgui.core.paths import config_dir
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import MAX_STEPS, Protocol, Sequence, format_sequence, parse_sequence
from knockgui.core.store import Inventory
from knockgui.core.validate import parse_service, router_to_dict

if TYPE_CHECKING:
    from knockgui.cli.knock import KnockOptions

PROG = "knockgui-cli"


def warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def open_inventory(args: argparse.Namespace) -> Inventory:
    """The inventory in the chosen config folder (reads no secret); prints its warning if any."""
    inventory = Inventory.open(config_dir(args.config_dir), KeyringSecretStore())
    if inventory.warning:
        warn(inventory.warning)
    return inventory


@dataclass(frozen=True)
class SavedKnock:
    """What ``knock NAME`` needs: the router, its sequence with the effective delay, check port and timeout."""

    router: Router
    sequence: Sequence
    check_port: int
    timeout: float


def saved_knock(args: argparse.Namespace, name: str) -> SavedKnock:
    """Look up a saved router and read its secret (NotFoundError / SecretStoreError as sentences)."""
    from knockgui.core.connect import effective_sequence
    from knockgui.core.settings import load_settings

    inventory = open_inventory(args)
    router = inventory.find(name)
    settings = load_settings(config_dir(args.config_dir))
    sequence = effective_sequence(router, inventory.secret(router).knock_sequence, settings)
    timeout = router.timeout_s if router.timeout_s is not None else settings.default_timeout_s
    return SavedKnock(router, sequence, router.service_port, timeout)


def knock_saved(args: argparse.Namespace, options: KnockOptions) -> int:
    """``knock NAME [--check [PORT]]``: knock a saved router with its host, sequence, delay and timeout."""
    from knockgui.cli.knock import run_knock_command
    from knockgui.core.errors import NotFoundError

    try:
        saved = saved_knock(args, args.host)
    except NotFoundError as exc:
        if "no router named" not in exc.message:
            raise
        raise InputError(
            f'No knock steps were given and there is no saved router named "{args.host}"; add steps after the host '
            "(for example 1337 17954:udp) or see knockgui-cli list."
        ) from None
    sequence = saved.sequence if options.delay_ms is None else saved.sequence.with_delay(options.delay_ms)
    check_port = options.check_port or (saved.check_port if args.check is not None else None)
    timeout = options.timeout_s if options.timeout_s is not None else saved.timeout
    options = replace(options, check_port=check_port, timeout_s=timeout)

    def opened(address: str, knocked_at: float) -> None:  # "open until" for the window, connect and proxy
        OpenState(config_dir(args.config_dir)).record(saved.router, address, knocked_at)

    return run_knock_command(saved.router.host, sequence, options, reveal_steps=False, on_open=opened)


# ----- commands -----


def _services(args: argparse.Namespace, base: Router) -> tuple[ServiceSpec, ...]:
    """The service list after ``--service`` (replaces the list; the first is the default), ``--port``
    and ``--command`` (the default service's), and ``--default-service`` (moves one to the front)."""
    services = list(base.services)
    if args.service:
        services = [parse_service(text) for text in args.service]
    first = services[0]
    if args.port is not None:
        first = replace(first, port=None if args.port == 0 else args.port)
    if args.command is not None:
        custom = [i for i, s in enumerate(services) if s.kind is Service.CUSTOM]
        if not custom:
            raise InputError("--command is for a custom service: add --service custom (or custom:PORT) too.")
        services[custom[0]] = replace(services[custom[0]], command=args.command)
        first = services[0] if custom[0] == 0 else first
    services[0] = first
    if args.default_service:
        chosen = Router(name=base.name, host=base.host, services=tuple(services)).service_for(args.default_service)
        services.remove(chosen)
        services.insert(0, chosen)
    return tuple(services)


def _fields(args: argparse.Namespace, base: Router) -> Router:
    changes: dict[str, Any] = {}
    for option, field in (
        ("host", "host"),
        ("group", "group"),
        ("user", "user"),
        ("notes", "notes"),
        ("delay", "delay_ms"),
        ("timeout", "timeout_s"),
        ("pass_password", "pass_password"),
        ("by_name", "connect_by_name"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            changes[field] = value
    if args.keep_open is not None:
        changes["keep_open_s"] = None if args.keep_open == 0 else args.keep_open
    if args.final_timeout is not None:
        changes["final_timeout_s"] = parse_seconds(args.final_timeout, "--final-timeout")
    changes["services"] = _services(args, base)
    if getattr(args, "new_name", None):
        changes["name"] = args.new_name
    if args.command is not None:
        changes["command_unconfirmed"] = False  # typed by the user: confirmed
    return replace(base, **changes)


def parse_seconds(text: str, option: str) -> int:
    """``10800``, ``3h``, ``90m``, ``1h30m`` or ``45s`` as whole seconds; InputError otherwise."""
    units = {"d": 86_400, "h": 3600, "m": 60, "s": 1}
    value = text.strip().lower()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    total, number = 0, ""
    for char in value:
        if char.isascii() and char.isdigit() and len(number) < 9:
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            number = "bad"
            break
    if number or not value:
        raise InputError(f"{option} takes seconds or a duration such as 3h, 90m or 1h30m.")
    return total


def cmd_add(args: argparse.Namespace) -> int:
    inventory = open_inventory(args)
    router = _fields(args, Router(name=args.name, host=args.host))
    sequence = parse_sequence(read_sequence_text(args.sequence))
    password = read_password(args.name) if args.password_prompt else None
    added = inventory.add(router, RouterSecret(sequence, password))
    print(f'Added "{added.name}" ({added.host}, {_service_text(added)}).')
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    inventory = open_inventory(args)
    old = inventory.find(args.name)
    router = _fields(args, old)
    secret = None
    if args.sequence is not None or args.password_prompt or args.clear_password:
        current = inventory.secrets.get(old.id)
        if args.sequence is not None:
            sequence = parse_sequence(read_sequence_text(args.sequence))
        elif current is not None and current.sequence is not None:
            sequence = current.sequence
        else:
            raise InputError(f'No knock sequence is stored for "{old.name}"; give one with --sequence.')
        password = current.password if current else None
        if args.password_prompt:
            password = read_password(router.name)
        if args.clear_password:
            password = None
        secret = RouterSecret(sequence, password, current.login if current else None)
    updated = inventory.update(router, secret)
    print(f'Saved "{updated.name}".')
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    inventory = open_inventory(args)
    router = inventory.find(args.name)
    note = inventory.remove(router.name, leave_secret=args.leave_secret)
    if note:
        print(f'Removed "{router.name}"; its keyring entry was left.')
        warn(note)
    else:
        print(f'Removed "{router.name}" and its keyring entry.')
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    inventory = open_inventory(args)
    routers = inventory.matches(args.filter or "")
    if args.json:
        print(json.dumps([router_to_dict(r) for r in routers], indent=1, ensure_ascii=False))
        return 0
    if not routers:
        print("No routers." if not args.filter else "No router matches.")
        return 0
    head = ("NAME", "HOST", "GROUP", "SERVICE", "PORT", "USER", "MORE")
    rows = [
        (
            r.name + (" *" if r.needs_sequence else ""),
            r.host,
            r.group,
            r.service.value,
            str(r.service_port),
            r.user,
            ",".join(_others(r)),
        )
        for r in routers
    ]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    waiting = sum(1 for r in routers if r.needs_sequence)
    if waiting:
        print(f"* {waiting} without a knock sequence yet (imported): knockgui-cli set-sequence --imported --generate")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    inventory = open_inventory(args)
    router = inventory.find(args.name)
    for key, value in router_to_dict(router).items():
        if key != "services":
            print(f"{key}: {'' if value is None else value}")
    for i, spec in enumerate(router.services):
        who = router.user_for(spec)
        extra = (f" as {who}" if who else "") + (f" command {spec.command}" if spec.command else "")
        print(f"service: {spec.kind.value} port {spec.effective_port}{extra}" + (" (default)" if i == 0 else ""))
    print(f"service_port: {router.service_port}")
    entry = OpenState(inventory.path.parent).get(router)
    if entry is not None:
        print(f"open_until: {entry.clock()} (for {entry.address})")
    try:
        secret = inventory.secret(router)
    except KnockguiError as exc:
        if args.reveal:
            raise
        print("sequence: unavailable")  # the field; why, on stderr (the rest was shown: exit 0)
        warn(f"the sequence could not be read: {exc.message}")
        return 0
    if args.reveal:
        print(f"sequence: {format_sequence(secret.knock_sequence)}")
        print(f"password: {secret.password or ''}")
    else:
        print(f"sequence: {secret.knock_sequence.describe()} (hidden; --reveal shows it)")
        print(f"password: {'set' if secret.password else 'none'}")
    return 0


def _write_stdout(data: bytes) -> None:
    """``export -``: the export's bytes on stdout, as they would be in the file."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def cmd_export(args: argparse.Namespace) -> int:
    """Export to FILE, or to stdout for ``-`` (then stdout holds the export only, nothing else).

    Every form may go to stdout: CSV and plain JSON hold no secret, and ``--with-secrets`` is encrypted."""
    from knockgui.core import exchange

    to_stdout = args.file == "-"
    csv = args.format == "csv" if args.format else not to_stdout and Path(args.file).suffix.casefold() == ".csv"
    if csv and args.with_secrets:
        raise InputError("A CSV export holds no secrets; export with secrets to a .kgx or .json file instead.")
    inventory = open_inventory(args)
    if csv:
        from knockgui.core.atomic import atomic_write
        from knockgui.core.importers.csvfile import export_csv

        data = export_csv(inventory.routers)
        if to_stdout:
            _write_stdout(data)
        else:
            atomic_write(Path(args.file), data)
            print(f"Exported {len(inventory.routers)} routers to {args.file} (CSV, without secrets).")
        return 0
    passphrase = read_passphrase(args.passphrase_file, confirm=True) if args.with_secrets else None
    if to_stdout:
        missing: list[str] = []
        data = (
            exchange.export_plain(inventory)
            if passphrase is None
            else exchange.export_encrypted(inventory, passphrase, missing)
        )
        _write_stdout(data)
        report = exchange.ExportReport(len(inventory.routers), Path("-"), passphrase is not None, tuple(missing))
    else:
        report = exchange.export_file(inventory, Path(args.file), passphrase)
        kind = "encrypted, with secrets" if passphrase else "without secrets"
        print(f"Exported {report.count} routers to {args.file} ({kind}).")
    if report.warning:
        warn(report.warning)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from knockgui.core.generate import generate_sequence

    try:
        protocols = [Protocol(p.strip()) for p in args.protocols.split(",") if p.strip()]
    except ValueError:
        raise InputError("--protocols takes tcp, udp or tcp,udp.") from None
    print(format_sequence(generate_sequence(args.steps, protocols)))
    return 0


def _service_text(router: Router) -> str:
    return ", ".join(f"{s.kind.value} port {s.effective_port}" for s in router.services)


def _others(router: Router) -> list[str]:
    return [f"{s.kind.value}:{s.effective_port}" for s in router.services[1:]]


# ----- parser -----


def _router_options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    parser.add_argument("--host", required=not editing, help="host name or IP address")
    if editing:
        parser.add_argument("--name", dest="new_name", metavar="NEWNAME", help="rename the router")
        parser.add_argument("--sequence", metavar="SEQ", help='new knock sequence; "-" reads it from stdin/prompt')
    else:
        parser.add_argument(
            "--sequence",
            required=True,
            metavar="SEQ",
            help='knock sequence, e.g. "1337:tcp 17954:udp"; "-" reads stdin',
        )
    kinds = ", ".join(s.value for s in Service)
    parser.add_argument(
        "--service",
        action="append",
        metavar="KIND[:PORT]",
        help=f"a service to connect with ({kinds}); give it once per service, the first is the default"
        + ("; replaces the list" if editing else " (default winbox)"),
    )
    parser.add_argument("--default-service", metavar="KIND[:PORT]", help="make this service the default one")
    parser.add_argument("--port", type=whole_number, metavar="N", help="the default service's port (0: its usual port)")
    parser.add_argument("--user", metavar="U", help="user name")
    parser.add_argument("--group", metavar="G", help="group or site")
    parser.add_argument("--command", metavar="TEMPLATE", help="the custom service's command, with {host} {port} {user}")
    parser.add_argument("--delay", type=whole_number, metavar="MS", help="delay between knock steps (ms)")
    parser.add_argument("--timeout", type=decimal_number, metavar="S", help="port check timeout (s)")
    parser.add_argument(
        "--keep-open", type=whole_number, metavar="S", help="re-knock every S seconds while the client runs (0: off)"
    )
    parser.add_argument(
        "--final-timeout",
        metavar="T",
        help="how long the router keeps a knocked address (its final address-list timeout; default 3h)",
    )
    flag = argparse.BooleanOptionalAction
    parser.add_argument(
        "--pass-password", action=flag, default=None, help="give the stored password to Winbox on its command line"
    )
    parser.add_argument(
        "--by-name",
        action=flag,
        default=None,
        help="give clients the host name, not the address that was knocked",
    )
    parser.add_argument("--notes", metavar="TEXT", help="free notes")
    parser.add_argument(
        "--password-prompt",
        action="store_true",
        help="ask for a password to keep in the keyring (not on a terminal: the next line of stdin)",
    )
    if editing:
        parser.add_argument("--clear-password", action="store_true", help="forget the stored password")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to the CLI."""
    p = sub.add_parser("add", help="add a router (its sequence and password go to the OS keyring)")
    p.add_argument("name", metavar="NAME")
    _router_options(p, editing=False)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("edit", help="change a router's fields, name, sequence or password")
    p.add_argument("name", metavar="NAME")
    _router_options(p, editing=True)
    p.set_defaults(func=cmd_edit)

    p = sub.add_parser("remove", help="remove a router and its keyring entry")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--leave-secret",
        action="store_true",
        help="remove the router even when the keyring cannot be reached (its entry is deleted at a later start)",
    )
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("list", help="list routers (reads no secret)")
    p.add_argument("filter", nargs="?", metavar="FILTER", help="only names, hosts or groups containing this")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one router; --reveal prints its sequence and password")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--reveal", action="store_true", help="print the secret sequence and password")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "export", help="export the routers without secrets (JSON or CSV), or with secrets as an encrypted file"
    )
    p.add_argument(
        "file",
        metavar="FILE",
        help="where to write: a .csv name writes CSV, any other JSON; - writes to stdout (JSON unless --format csv)",
    )
    p.add_argument("--format", choices=("json", "csv"), help="the export's format (default: from FILE's extension)")
    p.add_argument(
        "--with-secrets",
        action="store_true",
        help="include sequences, passwords and logins, encrypted with a passphrase (JSON only)",
    )
    p.add_argument(
        "--passphrase-file",
        metavar="F",
        help='read the passphrase from the first line of F ("-": of stdin); else it is asked twice, without echo',
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("generate", help="print a random knock sequence")
    p.add_argument(
        "--steps", type=whole_number, default=3, metavar="N", help=f"number of steps, 1-{MAX_STEPS} (default 3)"
    )
    p.add_argument("--protocols", default="tcp,udp", metavar="P", help="tcp, udp or tcp,udp (default)")
    p.set_defaults(func=cmd_generate)
