"""A Ctrl-C or SIGTERM during an atomic write acts once the write is done: the new file whole, no
temporary file left behind (the signal comes at the worst moment: right after the temporary file exists)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testbed import reset_sigint

CHILD = r"""
import os, signal, sys, tempfile
from pathlib import Path
from knockgui.core import atomic

signum = int(sys.argv[2])
if signum == signal.SIGTERM:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # as a program that cleans up on SIGTERM
real_mkstemp = tempfile.mkstemp

def mkstemp_then_signal(*args, **kwargs):
    made = real_mkstemp(*args, **kwargs)
    os.kill(os.getpid(), signum)  # the temporary file exists; the try that would remove it has not begun
    return made

tempfile.mkstemp = mkstemp_then_signal
try:
    atomic.atomic_write(Path(sys.argv[1]) / "settings.json", b'{"new": true}\n')
except KeyboardInterrupt:
    print("interrupted after the write")
    sys.exit(130)
print("not interrupted")
"""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_write_acts_after_it(tmp_path: Path, signum: int, code: int) -> None:
    (tmp_path / "settings.json").write_bytes(b'{"old": true}\n')
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), str(int(signum))],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=reset_sigint,
    )
    assert proc.returncode == code, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]  # no .settings.json.*.tmp
    assert (tmp_path / "settings.json").read_bytes() == b'{"new": true}\n'
    if signum == signal.SIGINT:
        assert proc.stdout.strip() == "interrupted after the write"
