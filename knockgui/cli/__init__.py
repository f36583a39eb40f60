"""``knockgui-cli``: the command line. It uses only ``knockgui.core`` and never imports Qt."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from knockgui import __version__
from knockgui.core.errors import KnockguiError

PROG = "knockgui-cli"


def fail(message: str) -> None:
    """Print one sentence on stderr (the CLI's only way to report a failure)."""
    print(f"{PROG}: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    from knockgui.cli import connect, inventory, knock, links, selftest

    parser = argparse.ArgumentParser(prog=PROG, description="Knock, check and connect to MikroTik routers.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=os.environ.get("KNOCKGUI_CONFIG_DIR"),
        help="folder of the router inventory and settings (default: KNOCKGUI_CONFIG_DIR or the OS's)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (knock, inventory, connect, links, selftest):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except KnockguiError as exc:
        fail(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        fail("Cancelled.")
        return 130
    except Exception as exc:  # last resort: one sentence, never a traceback
        fail(f"An unexpected error occurred ({type(exc).__name__}); please report it as a bug.")
        return 70


if __name__ == "__main__":
    sys.exit(main())
