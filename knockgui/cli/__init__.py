"""``knockgui-cli``: the command line. It uses only ``knockgui.core`` and never imports Qt."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from knockgui import __version__, interrupts_end_quietly, interrupts_raise
from knockgui.core.errors import KnockguiError

PROG = "knockgui-cli"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout (descriptions and epilogs kept as written), as wide as COLUMNS or the terminal.

    argparse makes a formatter for every ``add_argument`` (to check the argument's format), and its own
    sizes itself with ``shutil.get_terminal_size``: importing ``shutil`` (bz2, lzma) on every start. This
    one asks the terminal the same way, through ``os``."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        if width is None:
            try:
                width = int(os.environ.get("COLUMNS", "")) - 2
            except ValueError:
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns - 2  # type: ignore[union-attr]
                except (AttributeError, ValueError, OSError):
                    width = 78
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is one sentence pointing at ``--help`` (no usage block)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)  # every command's parser, subcommands too
        super().__init__(*args, **kwargs)

    intermixed = False  # a command sets it to take its options anywhere among its positionals (knock)
    _parsing = False

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; see {self.prog} --help.\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if not self.intermixed or self._parsing:
            return super().parse_known_args(args, namespace)
        self._parsing = True  # parse_known_intermixed_args calls parse_known_args itself
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._parsing = False


def fail(message: str) -> None:
    """Print one sentence on stderr (the CLI's only way to report a failure)."""
    print(f"{PROG}: {message}", file=sys.stderr)


# Commands whose module alone is imported when the command line names them, so that e.g. a scripted
# `knockgui-cli knock` does not pay for importing every other command's dependencies. Any other
# command line (including --help) builds the full parser. Values are modules of knockgui.cli.
FAST_COMMANDS: dict[str, str] = {"knock": "knock", "proxy": "proxy", "forward": "forward"}


def _named_command(argv: Sequence[str]) -> str | None:
    """The COMMAND of a command line, when it is in FAST_COMMANDS (skipping --config-dir DIR)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--config-dir":
            i += 2
        elif arg.startswith("--config-dir="):
            i += 1
        else:
            return arg if arg in FAST_COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; ``only`` (a FAST_COMMANDS key) registers just that command's module."""
    if only is not None:
        import importlib

        modules = [importlib.import_module(f"knockgui.cli.{FAST_COMMANDS[only]}")]
    else:
        from knockgui.cli import connect, forward, importing, inventory, knock, links, proxy, routeros, selftest

        modules = [knock, inventory, importing, routeros, connect, links, proxy, forward, selftest]

    parser = Parser(
        prog=PROG, description="Knock, check and connect to MikroTik routers.", formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=os.environ.get("KNOCKGUI_CONFIG_DIR"),
        help="folder of the router inventory and settings (default: KNOCKGUI_CONFIG_DIR or the OS's)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in modules:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_named_command(argv))  # a Ctrl-C until here ends the program quietly (knockgui/__init__)
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # --help, --version or a usage error was printed: flushed now, so that a reader gone
            if sys.stdout is not None:  # away is caught below (not at exit: "Exception ignored ... BrokenPipeError")
                sys.stdout.flush()
            raise
        interrupts_raise()  # from here a Ctrl-C is a KeyboardInterrupt (a knock cancels, a prompt ends), caught below
        try:
            code: int = args.func(args)
        finally:  # the command is over: a Ctrl-C from here (the interpreter's shut-down too) ends at once with 130
            interrupts_end_quietly()
        if sys.stdout is not None:  # flushed here, so that a reader gone away (| head) is caught below
            sys.stdout.flush()
        return code
    except BrokenPipeError:  # stdout's reader stopped early: end quietly, as other command-line tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush then writes nowhere, silently
        return 141  # 128 + SIGPIPE, what a shell reports for a program killed by a broken pipe
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
