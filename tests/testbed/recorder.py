"""A stand-in for programs that cannot run here (Winbox, a terminal, a browser): it records how it was started.

Installed into a temporary bin folder under the names knockgui looks for (``WinBox``, ``winbox64.exe``,
``xterm``, ``xdg-open``...) by :func:`install`. When run, it writes ``<name>-<pid>.start.json`` into
``$KG_RECORD_DIR`` with its argv, environment, process ids and where its standard streams point, then
(``$KG_RECORDER_HOLD`` set) stays running until the file ``$KG_RECORD_DIR/stop`` exists (30 s at most)
and writes ``<name>-<pid>.end.json`` with its parent at that time. As a terminal (``-e``/``-x``/``--``
followed by a command) with ``$KG_RECORDER_RUN`` set, it runs that command and records its output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the stand-in runs this file as a program: no pytest import at run time
    import pytest

HOLD_LIMIT_S = 30.0


def _stream(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return "closed"


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def main() -> int:
    record_dir = Path(os.environ.get("KG_RECORD_DIR", "."))
    name = Path(sys.argv[0]).name
    pid = os.getpid()
    data: dict[str, Any] = {
        "name": name,
        "argv": sys.argv[1:],
        "env": dict(os.environ),
        "pid": pid,
        "ppid": os.getppid(),
        "sid": os.getsid(0),
        "pgid": os.getpgid(0),
        "stdin": _stream(0),
        "stdout": _stream(1),
        "stderr": _stream(2),
    }
    if os.environ.get("KG_RECORDER_RUN"):
        for marker in ("-e", "-x", "--"):
            if marker in sys.argv[1:]:
                command = sys.argv[sys.argv.index(marker) + 1 :]
                proc = subprocess.run(command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
                data["output"] = proc.stdout
                data["errors"] = proc.stderr
                data["returncode"] = proc.returncode
                break
    _write(record_dir / f"{name}-{pid}.start.json", data)
    if os.environ.get("KG_RECORDER_HOLD"):
        deadline = time.monotonic() + HOLD_LIMIT_S
        while not (record_dir / "stop").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        _write(record_dir / f"{name}-{pid}.end.json", {"pid": pid, "ppid": os.getppid()})
    return 0


def install(bin_dir: Path, *names: str) -> Path:
    """Install this recorder into ``bin_dir`` under each of ``names`` (executable files)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    source = Path(__file__).read_text()
    for name in names:
        target = bin_dir / name
        target.write_text(f"#!{sys.executable}\n{source}")
        target.chmod(0o755)
    return bin_dir


def use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *names: str) -> tuple[Path, Path]:
    """Install the recorder as ``names`` in ``tmp_path/bin``, first on PATH, recording into a new
    ``tmp_path/records`` (``$KG_RECORD_DIR``); returns (bin folder, records folder). For tests' fixtures."""
    bin_dir = install(tmp_path / "bin", *names)
    out = tmp_path / "records"
    out.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KG_RECORD_DIR", str(out))
    return bin_dir, out


def records(record_dir: Path, kind: str = "start") -> list[dict[str, Any]]:
    """The records written so far (``kind`` = ``start`` or ``end``), oldest first."""
    found = sorted(record_dir.glob(f"*.{kind}.json"), key=lambda p: p.stat().st_mtime_ns)
    return [json.loads(p.read_text()) for p in found]


if __name__ == "__main__":
    sys.exit(main())
