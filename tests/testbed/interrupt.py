"""Start a real knockgui program and send it a signal at a chosen moment of its start.

The moment is counted from the end of the interpreter's own start-up: the program runs with
``PYTHONPROFILEIMPORTTIME=1``, so the interpreter writes ``import time: ... | NAME`` on stderr as each
module finishes importing, and the delay starts when the line for ``site`` (the last module Python
imports before the program's first line) has been read. The same lines tell, afterwards, which modules
had finished importing when the signal came: the phase it hit.

Before ``site`` is imported, and until the console script's ``from knockgui... import main`` reaches
knockgui's first line, no knockgui code runs: a Ctrl-C there is the interpreter's own business (CPython
prints "Fatal Python error: init_import_site" with a traceback, or the wrapper's traceback). CPython even
goes on after some of them ("Failed checking if argv[0] is an import path entry" and a traceback): a GUI
then runs until killed. :attr:`Interrupted.reached_knockgui` tells such runs apart.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import knockgui
from tests.testbed import reset_sigint

IMPORT_LINE = "import time:"
PACKAGE = os.path.dirname(os.path.abspath(knockgui.__file__))  # the child imports the same files


@dataclass(frozen=True)
class Interrupted:
    """What a signalled program did: its exit code, output, and the modules imported before it ended."""

    delay_ms: float
    returncode: int
    stdout: str
    stderr_lines: tuple[str, ...]  # what the program wrote on stderr, without the import-time lines
    imported: frozenset[str]

    @property
    def traceback(self) -> bool:
        text = "\n".join(self.stderr_lines)
        return "Traceback" in text or "Exception ignored" in text or "Fatal Python error" in text

    @property
    def reached_knockgui(self) -> bool:
        """knockgui's first line had run when the signal came. An import-time line is written when an import
        ends, also when it fails, so a traceback none of whose frames is in knockgui's files means the signal
        came while the interpreter started or while it looked for the ``knockgui`` package."""
        if "knockgui" not in self.imported:
            return False
        return not self.traceback or any(f'File "{PACKAGE}{os.sep}' in line for line in self.stderr_lines)

    def describe(self) -> str:
        return f"delay {self.delay_ms:.1f} ms: exit {self.returncode}, stderr {list(self.stderr_lines)!r}"


def interrupt_at(
    argv: list[str], delay_s: float, env: dict[str, str], signum: int = signal.SIGINT, timeout: float = 20.0
) -> Interrupted:
    """Run ``argv``, send ``signum`` ``delay_s`` after the interpreter's start-up, wait for the end."""
    env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=reset_sigint)
    assert proc.stderr is not None
    try:
        head = b""
        while not re.search(rb"^import time:[^\n]*\| +site\n", head, re.MULTILINE):  # read unbuffered: the rest
            chunk = os.read(proc.stderr.fileno(), 65536)  # of the output goes to communicate() below, whole
            if not chunk:
                break
            head += chunk
        time.sleep(delay_s)
        if proc.poll() is None:
            proc.send_signal(signum)
        try:
            stdout, rest = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # it did not end: killed, exit -9 (the caller says whether that is wrong)
            proc.kill()
            stdout, rest = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = (head + rest).decode("utf-8", "replace").splitlines()
    imported = {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith(IMPORT_LINE)}
    other = tuple(line for line in lines if not line.startswith(IMPORT_LINE))
    return Interrupted(delay_s * 1000, proc.returncode, stdout.decode("utf-8", "replace"), other, frozenset(imported))


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too: a left-over temporary file counts) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }


def cancelled_or_done(result: Interrupted, program: str) -> str:
    """'' when ``result`` is a quiet end, else what is wrong. Quiet: no traceback; exit 130 with at most the
    sentence "<program>: Cancelled.", or exit 0 (it finished first), or killed by SIGINT after the
    interpreter put the default action back while shutting down (a shell shows 130), without a word."""
    text = "\n".join(result.stderr_lines)
    if result.traceback:
        return "a traceback: " + text[-2000:]
    if result.returncode == 130:
        if result.stderr_lines not in ((), (f"{program}: Cancelled.",)):
            return "exit 130 but stderr: " + text[-500:]
        return ""
    if result.returncode in (0, -signal.SIGINT):
        return "" if not result.stderr_lines else "stderr: " + text[-500:]
    return f"exit {result.returncode}: " + text[-500:]


def env_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
