"""``knockgui-cli proxy HOST PORT`` (an OpenSSH ProxyCommand) and ``knockgui-cli ssh-config [FILTER]``.

``proxy`` finds the saved router by name or by host, knocks with its sequence (not when an earlier knock
still lists this computer, see knockgui.core.opened, and PORT answers at once), waits for PORT to open
and then relays stdin/stdout to it until either side closes, so ``ssh``, ``scp``, ``rsync`` and
Ansible reach a knock-protected router with ``-o ProxyCommand="knockgui-cli proxy %h %p"`` (or the
``Host`` blocks that ``ssh-config`` prints) and no other change. It prints nothing on stdout but the
relayed stream; a failure is one line on stderr, which ssh shows.

Exit codes of ``proxy``: 0 the connection was relayed and closed; 1 the port did not open after the
knock; 2 bad input (no saved router of that name or host, a bad port); 3 a local problem (keyring,
network, a name that does not resolve); 130 cancelled.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from typing import Any

from knockgui.cli.numbers import is_whole
from knockgui.core.errors import InputError, NotFoundError
from knockgui.core.model import Router, Service
from knockgui.core.store import Inventory

STILL_OPEN_CHECK_S = 1.0  # how long a router still listed from an earlier knock may take to answer

EXAMPLES_PROXY = """\
example, in ~/.ssh/config:
  Host office
      HostName 192.0.2.1
      ProxyCommand knockgui-cli proxy %h %p

exit codes: 0 relayed until closed, 1 the port did not open, 2 no such router or bad input,
3 a local problem (keyring, network), 130 cancelled.
"""


def ssh_service(router: Router) -> tuple[int, str] | None:
    """The router's SSH port and user (its service's login, else the router's), or None without SSH."""
    try:
        spec = router.service_for(Service.SSH)
    except NotFoundError:
        return None
    return spec.effective_port, router.user_for(spec)


def _clean(host: str) -> str:
    host = host.strip()
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def find_router(inventory: Inventory, host: str, port: int) -> Router:
    """The saved router named ``host`` (case-insensitive), else the one whose host is ``host``; when
    several share that host, the one whose SSH port is ``port``, else the first."""
    try:
        return inventory.find(host)
    except NotFoundError:
        pass
    wanted = _clean(host).casefold()
    same = [r for r in inventory.routers if _clean(r.host).casefold() == wanted]
    if not same:
        raise NotFoundError(
            f'No saved router is named "{host.strip()}" or has it as its host; add it with knockgui-cli add, '
            "or see knockgui-cli list."
        )
    for router in same:
        ssh = ssh_service(router)
        if ssh is not None and ssh[0] == port:
            return router
    return same[0]


def _port(text: str) -> int:
    if not is_whole(text) or not 1 <= int(text) <= 65535:  # str.isdigit() passed ١٢ and ², which int() refuses
        shown = text if len(text) <= 12 else text[:12] + "..."
        raise InputError(f'The port must be a whole number from 1 to 65535, not "{shown}".')
    return int(text)


def cmd_proxy(args: argparse.Namespace) -> int:
    from knockgui.cli.inventory import open_inventory
    from knockgui.core.errors import PortClosedError
    from knockgui.core.opened import OpenState
    from knockgui.core.paths import config_dir
    from knockgui.core.relay import Opened, PipeEnd, SocketEnd, knock_and_open, open_connection, relay_pipe
    from knockgui.core.settings import load_settings

    port = _port(args.port)
    inventory = open_inventory(args)
    router = find_router(inventory, args.host, port)
    settings = load_settings(config_dir(args.config_dir))
    timeout = router.timeout_s if router.timeout_s is not None else settings.default_timeout_s
    state = OpenState(inventory.path.parent)
    opened: Opened | None = None
    still = state.usable(router)  # still listed after an earlier knock (open.json): connect without knocking
    if still is not None:
        from knockgui.core.address import resolve

        try:
            started = time.monotonic()
            target = resolve(still.address)
            sock = open_connection(target, port, timeout=min(STILL_OPEN_CHECK_S, timeout))
            opened = Opened(sock, target, round((time.monotonic() - started) * 1000, 3))
        except PortClosedError:
            opened = None  # the listing is gone (a restart, another address): knock as usual
    knocked = opened is None
    if opened is None:
        from knockgui.core.connect import effective_sequence

        sequence = effective_sequence(router, inventory.secret(router).knock_sequence, settings)
        knocked_at = time.time()
        opened = knock_and_open(router.host, sequence, port, timeout=timeout)
        state.record(router, opened.target.address, knocked_at)
    if args.verbose:
        how = "knocked" if knocked else "no knock needed (still open)"
        print(
            f"knockgui-cli: {router.name}: {how}; port {port} on {opened.target.address} opened "
            f"after {opened.elapsed_ms:.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    sys.stdout.flush()
    with opened.sock:
        # stdin/stdout are pipes, which Windows' select() refuses (PuTTY and OpenSSH there): a thread per
        # direction, not a selector.
        relay_pipe(PipeEnd(sys.stdin.fileno(), sys.stdout.fileno()), SocketEnd(opened.sock))
    return 0


def _alias(name: str) -> str:
    """A Host pattern for a router name: whitespace and pattern characters become '-'."""
    return "".join("-" if ch.isspace() or ch in "*?!,#\"'" else ch for ch in name.strip()) or "router"


def own_command(args: argparse.Namespace) -> list[str]:
    """How ssh should start this program again: the knockgui-cli script, else this interpreter."""
    argv0 = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(argv0).removesuffix(".exe") == "knockgui-cli" and os.path.exists(argv0):
        command = [argv0]
    elif getattr(sys, "frozen", False):
        command = [sys.executable]
    else:
        command = [sys.executable, "-m", "knockgui.cli"]
    if args.config_dir:
        command += ["--config-dir", os.path.abspath(args.config_dir)]
    return command


def ssh_config_text(routers: list[Router], command: list[str]) -> str:
    """``Host`` blocks for the routers with an SSH service (ProxyCommand names the router itself)."""
    blocks = []
    for router in routers:
        ssh = ssh_service(router)
        if ssh is None:
            continue
        port, user = ssh
        proxy = " ".join(shlex.quote(part) for part in [*command, "proxy", router.name]).replace("%", "%%") + " %p"
        lines = [f"Host {_alias(router.name)}", f"    HostName {_clean(router.host)}", f"    Port {port}"]
        if user:
            lines.append(f"    User {user}")
        lines.append(f"    ProxyCommand {proxy}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def cmd_ssh_config(args: argparse.Namespace) -> int:
    from knockgui.cli.inventory import open_inventory

    inventory = open_inventory(args)
    routers = inventory.matches(args.filter or "")
    text = ssh_config_text(routers, own_command(args))
    if not text:
        raise NotFoundError(
            "No saved router has an SSH service"
            + (f' among those matching "{args.filter}"' if args.filter else "")
            + "; give one with knockgui-cli edit NAME --service ssh."
        )
    sys.stdout.write("# Written by knockgui-cli ssh-config: include it from ~/.ssh/config.\n\n" + text)
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``proxy`` and ``ssh-config`` to the CLI."""
    from knockgui.cli import HelpFormatter

    p = sub.add_parser(
        "proxy",
        help="knock, then relay stdin/stdout to HOST PORT (an OpenSSH ProxyCommand)",
        description="Find the saved router by name or host, knock, wait for PORT, relay stdin/stdout to it.",
        epilog=EXAMPLES_PROXY,
        formatter_class=HelpFormatter,
    )
    p.add_argument("host", metavar="HOST", help="the saved router's name or host (ssh's %%h)")
    p.add_argument("port", metavar="PORT", help="the TCP port to relay to (ssh's %%p)")
    p.add_argument("-v", "--verbose", action="store_true", help="say on stderr when the port opened")
    p.set_defaults(func=cmd_proxy)

    p = sub.add_parser(
        "ssh-config",
        help="print ~/.ssh/config Host blocks (with a knocking ProxyCommand) for routers with SSH",
    )
    p.add_argument("filter", nargs="?", metavar="FILTER", help="only names, hosts or groups containing this")
    p.set_defaults(func=cmd_ssh_config)
