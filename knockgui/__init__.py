"""knockgui: knock on a MikroTik router's port-knocking firewall, check the port opened, connect.

When this package is imported to run one of knockgui's programs (the ``knockgui`` or ``knockgui-cli``
console script, ``python -m knockgui[.cli]``, a PyInstaller build), a Ctrl-C (SIGINT) ends the process
at once, quietly: "knockgui-cli: Cancelled." and exit code 130. Python's own handler would raise
``KeyboardInterrupt`` in the middle of whatever module is being imported (a traceback; inside PySide6's
start-up code, an abort). Nothing is written while modules are imported and arguments parsed, so ending
without clean-up loses nothing there. Where clean-up matters, the program takes over: the CLI's
``main()`` calls :func:`interrupts_raise` around its command and :func:`interrupts_end_quietly` after
it, the GUI quits its event loop on SIGINT, short work uses ``with interruptible():``. Imported by
anything else (tests, a REPL, another program), the package leaves SIGINT alone.
"""

import os
import sys

__version__ = "0.1.0"
APP_NAME = "knockgui"


def _program_name() -> str:
    """``knockgui-cli`` or ``knockgui`` when this interpreter was started to run that program, else ''."""
    argv0: str = (getattr(sys, "argv", None) or [""])[0]
    if argv0 == "-m":  # python -m knockgui[.cli]: runpy imports this package while it looks for the module
        orig: list[str] = [*getattr(sys, "orig_argv", []), ""]
        at = next((i for i, arg in enumerate(orig) if i and arg.startswith("-m")), 0)
        module = (orig[at][2:] or orig[at + 1]).split(".") if at else [""]
        if module[:2] == ["knockgui", "cli"]:
            return "knockgui-cli"
        return APP_NAME if module[0] == APP_NAME else ""
    name = os.path.basename(argv0)
    for suffix in ("-script.pyw", "-script.py", ".exe"):  # console-script wrappers on Windows
        name = name.removesuffix(suffix)
    if name in ("knockgui", "knockgui-cli"):
        return name
    return name if getattr(sys, "frozen", False) else ""  # a PyInstaller build is a knockgui program


def _end_quietly(signum: int, frame: object) -> None:
    """SIGINT handler while nothing needs cleaning up: one sentence on stderr, exit 130 at once."""
    try:
        os.write(2, f"{_PROGRAM}: Cancelled.\n".encode())
    except OSError:  # no stderr (a windowed build) or it is closed
        pass
    os._exit(130)


_PROGRAM = _program_name()
try:
    import signal  # its enum set-up is the first moment a Ctrl-C can reach knockgui's code
except KeyboardInterrupt:  # a Ctrl-C right then ends a knockgui program as quietly as one a moment later
    if not _PROGRAM:
        raise
    _end_quietly(2, None)
# Not when SIGINT was ignored at start (nohup, a background job): the program then keeps ignoring it.
_QUIET = bool(_PROGRAM) and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def interrupts_raise() -> None:
    """From now on a Ctrl-C raises ``KeyboardInterrupt`` (Python's default), for a program's ``main()`` to
    catch where clean-up matters (a knock to cancel, a prompt, a file being written). Does nothing unless
    the quiet handler above is installed (so callers that imported knockgui as a library keep theirs)."""
    if signal.getsignal(signal.SIGINT) is _end_quietly:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def interrupts_end_quietly() -> None:
    """From now on a Ctrl-C ends a knockgui program at once with exit code 130 (its work is done: only the
    interpreter's shut-down is left, where a ``KeyboardInterrupt`` would print a traceback). Does nothing
    when knockgui was imported as a library."""
    if _QUIET:
        signal.signal(signal.SIGINT, _end_quietly)


class interruptible:  # lower case: used like a function, ``with interruptible(): ...``
    """Inside ``with interruptible():`` a Ctrl-C raises ``KeyboardInterrupt``, so that ``finally`` clean-ups
    run (a keyring test entry is deleted); after the block, the handling before it is back. For short work
    done while a program otherwise ends at once (not around imports of C extensions such as PySide6, whose
    start-up code aborts the interpreter when an exception comes through it)."""

    def __enter__(self) -> None:
        self._was_quiet = signal.getsignal(signal.SIGINT) is _end_quietly
        interrupts_raise()

    def __exit__(self, *exc: object) -> None:
        if self._was_quiet:
            interrupts_end_quietly()


interrupts_end_quietly()  # as early as can be: the first modules a program imports are still to come
