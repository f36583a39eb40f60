"""Reading what the user types or pipes in: a prompt, one bounded line of stdin, a passphrase file.

No prompt goes to stdout, which carries results only (scripts capture it): a question goes to stderr,
a no-echo prompt for a secret to the terminal itself (stderr when there is none).

``-`` means stdin: ``--sequence -`` and ``--passphrase-file -`` read one line of it (at most
STDIN_LINE_LIMIT characters), or ask without echo when stdin is a terminal. A passphrase file is read
bounded and only when it is a regular file. Every refusal is an InputError with one sentence that never
quotes what was read.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from knockgui.core.errors import InputError
from knockgui.core.readfile import UnreadableFile, read_regular


def hidden(prompt: str) -> str:
    """Ask without echo, the prompt on the terminal itself (as ssh and sudo do: it shows even when stderr
    goes to a file), else on stderr; never on stdout. Ctrl-D (end of input) is a sentence, not a crash."""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise InputError("No input was given (end of input); run the command again and type it.") from None


def answer(prompt: str) -> str:
    """Ask a question with the prompt on stderr (input() writes it to stdout, where results go) and return
    the one line typed, bounded; end of input is an empty answer. The terminal echoes the answer and its
    line end; a stderr that is not the terminal (a log) gets the line end here, as getpass does."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = stdin_line("answer")
    if not sys.stderr.isatty():
        sys.stderr.write("\n")
    return line


STDIN_LINE_LIMIT = 64 * 1024  # a sequence, a password or a passphrase read from stdin is one line


def stdin_line(what: str) -> str:
    """One line of standard input without its line end, at most STDIN_LINE_LIMIT characters."""
    try:
        line = sys.stdin.readline(STDIN_LINE_LIMIT + 1)
    except UnicodeDecodeError:  # its message would quote a byte of the secret
        raise InputError(f"The {what} on standard input is not text; give it as text.") from None
    line = line.rstrip("\r\n")
    if len(line) > STDIN_LINE_LIMIT:
        raise InputError(f"The {what} on standard input is longer than {STDIN_LINE_LIMIT // 1024} KiB; give one line.")
    return line


def _ask(prompt: str, what: str) -> str:
    if not sys.stdin.isatty():
        return stdin_line(what)
    return hidden(prompt)


def read_sequence_text(value: str) -> str:
    """``-`` reads the sequence from stdin or a no-echo prompt; anything else is the sequence itself."""
    return _ask("Knock sequence (e.g. 1337:tcp 17954:udp): ", "knock sequence") if value == "-" else value


PASSPHRASE_FILE_LIMIT = 64 * 1024  # a passphrase file holds one line


def read_passphrase(path: str | None, *, confirm: bool) -> str:
    """The passphrase from the first line of the file ``path``, of stdin for ``-`` (asked without echo when
    stdin is a terminal), or asked without echo (twice with ``confirm``) when ``path`` is None."""
    if path == "-" and not sys.stdin.isatty():
        passphrase = stdin_line("passphrase")
    elif path and path != "-":
        try:  # bounded, regular files only: a FIFO or /dev/zero given here hung or filled memory
            text = read_regular(Path(path), PASSPHRASE_FILE_LIMIT).decode("utf-8")
        except UnicodeDecodeError:  # its message would quote a byte of the file
            raise InputError(f"The passphrase file {path} is not UTF-8 text; write the passphrase as text.") from None
        except UnreadableFile as exc:
            raise InputError(
                f"The passphrase file {path} {exc.reason}; give a regular file with the passphrase on its first line."
            ) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise InputError(f"Could not read the passphrase file {path} ({reason}); check its name.") from None
        passphrase = text.splitlines()[0] if text.splitlines() else ""
    else:
        if not sys.stdin.isatty():
            raise InputError(
                "No terminal to ask for the passphrase; give it with --passphrase-file FILE (- reads it from stdin)."
            )
        passphrase = hidden("Passphrase: ")
        if confirm and hidden("Passphrase again: ") != passphrase:
            raise InputError("The two passphrases differ; try again.")
    if not passphrase:
        raise InputError("The passphrase is empty; give one.")
    return passphrase


def read_password(name: str) -> str | None:
    if not sys.stdin.isatty():
        return _ask("", "password") or None
    first = hidden(f"Password for {name} (empty for none): ")
    if first and hidden("Password again: ") != first:
        raise InputError("The two passwords differ; try again.")
    return first or None
