"""Real parts for the tests: a namespace router, a private Secret Service, and more.

Each part starts real programs and stops every one of them in ``close()``. Traffic goes only to
loopback or to network namespaces these helpers create.
"""

from __future__ import annotations

import subprocess


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
