"""``knockgui-cli``: the command line. It uses only ``knockgui.core`` and never imports Qt."""

from __future__ import annotations

import argparse
import os
import sys
import types
from collections.abc import Sequence

from knockgui import __version__, interrupts_end_quietly, interrupts_raise
from knockgui.core.errors import KnockguiError

TYPE_CHECKING = False  # typing is imported by type checkers only (start-up time)
if TYPE_CHECKING:
    from typing import NoReturn

PROG = "knockgui-cli"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout (descriptions and epilogs kept as written), sized from COLUMNS or the terminal
    without argparse's own ``import shutil`` (shutil pulls in bz2/lzma: a few ms on every start)."""

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

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; see {self.prog} --help.\n")


def fail(message: str) -> None:
    """Print one sentence on stderr (the CLI's only way to report a failure)."""
    print(f"{PROG}: {message}", file=sys.stderr)


# Commands whose module alone is imported when the command line names them, so that e.g. a scripted
# `knockgui-cli knock` does not pay for importing every other command's dependencies. Any other
# command line (including --help) builds the full parser. Values are modules of knockgui.cli.
FAST_COMMANDS: dict[str, str] = {"knock": "knock"}


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
        from knockgui.cli import connect, importing, inventory, knock, links, routeros, selftest

        modules = [knock, inventory, importing, routeros, connect, links, selftest]

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


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a module until one of its attributes is read, then imports it."""

    def __getattr__(self, name: str) -> object:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        import importlib

        return getattr(importlib.import_module(self.__name__), name)


def _defer_inspect() -> None:
    """Import ``inspect`` on first use instead of at start-up (ast, dis, tokenize: ~4 ms of every start).

    ``dataclasses`` imports ``inspect`` but uses it only to write a docstring for a dataclass that has
    none (knockgui's have one). Until an attribute is read, ``sys.modules["inspect"]`` is a stand-in;
    the first read imports the real module (which then replaces the stand-in) and returns from it.
    """
    if "inspect" not in sys.modules:
        sys.modules["inspect"] = _Deferred("inspect")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    _defer_inspect()
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
