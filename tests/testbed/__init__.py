"""Real parts for the tests: a namespace router, a private Secret Service, and more.

Each part starts real programs and stops every one of them in ``close()``. Traffic goes only to
loopback or to network namespaces these helpers create.
"""

from __future__ import annotations

import signal
import subprocess


def reset_sigint() -> None:
    """For ``preexec_fn`` of a child that a test interrupts: SIGINT unblocked and at its default action.

    A blocked or ignored SIGINT is inherited across fork and exec (``restore_signals`` covers only SIGPIPE
    and SIGXFSZ), and Python keeps an ignored SIGINT ignored: started from a program that blocks or ignores
    it (a CI runner, ``nohup``, a background job), a child would never see the test's Ctrl-C.
    """
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def inherited_sigint() -> str:
    """'' when this process has SIGINT as usual, else a sentence naming what it inherited."""
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if not blocked and not ignored:
        return ""
    how = " and ".join(word for word, flag in (("blocked", blocked), ("ignored", ignored)) if flag)
    return (
        f"This test run has SIGINT {how}, inherited from the program that started pytest: a child started "
        "without tests.testbed.reset_sigint (preexec_fn) inherits it and never sees a Ctrl-C."
    )


def stop_process(proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None, timeout: float = 5.0) -> None:
    """Stop a program a testbed part started: SIGTERM, SIGKILL after ``timeout`` s, reap it, close its pipes."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream:
            stream.close()
