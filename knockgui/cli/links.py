"""`knockgui-cli register-links` / `unregister-links` / `parse-link`: knockgui:// and winbox:// links.

``register-links`` makes the knockgui GUI the handler of both schemes for this user (a desktop file and
xdg-mime on Linux, HKCU registry values on Windows). ``parse-link LINK`` says which router a link means,
without knocking: a way to check links from a monitoring tool before clicking them.
``autostart on|off|status`` starts the knockgui GUI at log-in, in the tray (knockgui/core/autostart.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from knockgui.core import linkreg
from knockgui.core.links import parse_link, resolve_link


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to the CLI."""
    reg = sub.add_parser(
        "register-links",
        help="open knockgui:// and winbox:// links with knockgui (this user only)",
        description="Make the knockgui GUI the handler of knockgui:// and winbox:// links for this user.",
    )
    reg.add_argument("--print", action="store_true", help="only print what would be registered")
    reg.set_defaults(func=run_register)
    unreg = sub.add_parser("unregister-links", help="remove knockgui's link handler (Linux)")
    unreg.set_defaults(func=run_unregister)
    parse = sub.add_parser(
        "parse-link",
        help="show which router a knockgui:// or winbox:// link means (no knock)",
        description="Check a link: print its action and the inventory router it resolves to.",
    )
    parse.add_argument(
        "link", metavar="LINK", help="knockgui://connect/NAME, knockgui://knock/NAME or winbox://HOST[:PORT]"
    )
    parse.set_defaults(func=run_parse)
    auto = sub.add_parser(
        "autostart",
        help="start the knockgui GUI at log-in, in the tray (this user only)",
        description="Start knockgui with Windows / at log-in, in the tray: on, off, or show the status.",
    )
    auto.add_argument("state", choices=("on", "off", "status"))
    auto.set_defaults(func=run_autostart)


def run_autostart(args: argparse.Namespace) -> int:
    from knockgui.core import autostart

    if args.state == "status":
        print("on" if autostart.is_enabled() else "off")
        return 0
    print(autostart.set_enabled(args.state == "on"))
    return 0


def run_register(args: argparse.Namespace) -> int:
    if args.print:
        command = linkreg.gui_command()
        if sys.platform == "win32":
            for value in linkreg.windows_entries(command):
                print(f"HKCU\\{value.key}  {value.name or '(default)'} = {value.data}")
        else:
            print(linkreg.desktop_entry(command), end="")
        return 0
    print(linkreg.register())
    return 0


def run_unregister(args: argparse.Namespace) -> int:
    if sys.platform in ("win32", "darwin"):
        from knockgui.core.errors import ConfigError

        how = (
            "uninstall knockgui, or delete HKEY_CURRENT_USER\\Software\\Classes\\knockgui and ...\\winbox in regedit"
            if sys.platform == "win32"
            else "remove knockgui.app, whose Info.plist registers them"
        )
        raise ConfigError(f"unregister-links works on Linux only; to stop knockgui opening links here, {how}.")
    path = linkreg.unregister_linux()
    print(f"Removed {path}; knockgui no longer opens links.")
    return 0


def run_parse(args: argparse.Namespace) -> int:
    from knockgui.cli.inventory import open_inventory

    link = parse_link(args.link)
    target = resolve_link(link, open_inventory(args).routers)
    what = "knock, then connect" if target.launch else "knock only"
    spec = target.router.service_for(target.service)
    print(f"{target.router.name} ({target.router.host}, {spec.kind.value} port {spec.effective_port}): {what}")
    return 0
